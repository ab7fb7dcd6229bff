"""Models of the courses app; each module holds one concern, all are importable from here."""

from courses.models.access import AccessControlledPage, AccessLevel
from courses.models.categories import CourseTopic, LibraryCategory
from courses.models.courses import CourseIndexPage, CoursePage, LessonAttachment, LessonPage
from courses.models.credits import CreditHourEntry, CreditTier, OfflineStudy, StudySettings, hours_for_minutes
from courses.models.enrollment import CourseAssignment, Enrollment
from courses.models.library import ArticlePage, PolicyDocumentPage, ResourceLibraryPage
from courses.models.progress import LessonProgress, StudyDay, StudySession
from courses.models.ratings import CourseRating

__all__ = [
    "AccessControlledPage",
    "AccessLevel",
    "ArticlePage",
    "CourseAssignment",
    "CourseIndexPage",
    "CourseRating",
    "CoursePage",
    "CourseTopic",
    "CreditHourEntry",
    "CreditTier",
    "Enrollment",
    "LessonAttachment",
    "LessonPage",
    "LessonProgress",
    "LibraryCategory",
    "OfflineStudy",
    "PolicyDocumentPage",
    "ResourceLibraryPage",
    "StudyDay",
    "StudySession",
    "StudySettings",
    "hours_for_minutes",
]
