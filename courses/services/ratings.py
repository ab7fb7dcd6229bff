"""满意度评价: a member who completed a course rates it once."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from courses.exceptions import EnrollmentRefused
from courses.models import CoursePage, CourseRating, Enrollment
from school.models import Member


@transaction.atomic(durable=True)
def course_rate(*, member: Member, course: CoursePage, score: int, comment: str = "") -> CourseRating:
    if not Enrollment.objects.filter(
        member=member, course=course, status=Enrollment.Status.COMPLETED
    ).exists():
        raise EnrollmentRefused(_("You can rate a course once you have completed it."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise EnrollmentRefused(_("Choose from one to five stars."))
    try:
        with transaction.atomic():
            return CourseRating.objects.create(
                member=member, course=course, score=score, comment=comment.strip()[:500]
            )
    except IntegrityError:
        raise EnrollmentRefused(_("You have already rated this course.")) from None


def rating_summary(course: CoursePage) -> dict:
    summary = CourseRating.objects.filter(course=course).aggregate(average=Avg("score"), count=Count("pk"))
    return {
        "average": round(summary["average"], 1) if summary["average"] else None,
        "count": summary["count"],
    }
