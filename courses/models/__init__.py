"""Models of the courses app; each module holds one concern, all are importable from here."""

from courses.models.access import AccessControlledPage, AccessLevel
from courses.models.categories import CourseTopic, LibraryCategory
from courses.models.courses import CourseIndexPage, CoursePage, LessonAttachment, LessonPage
from courses.models.library import ArticlePage, PolicyDocumentPage, ResourceLibraryPage

__all__ = [
    "AccessControlledPage",
    "AccessLevel",
    "ArticlePage",
    "CourseIndexPage",
    "CoursePage",
    "CourseTopic",
    "LessonAttachment",
    "LessonPage",
    "LibraryCategory",
    "PolicyDocumentPage",
    "ResourceLibraryPage",
]
