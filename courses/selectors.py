"""Reads about a member's study used by pages: enrolment, progress per lesson, what to show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    CoursePage,
    CourseRating,
    CreditHourEntry,
    Enrollment,
    LessonPage,
    LessonProgress,
    StudySettings,
)
from courses.permissions import can_manage_study, reads_everything
from courses.services.enrollment import enrollment_refusal
from courses.services.progress import minimum_reading_seconds
from courses.services.ratings import rating_summary


def member_of(user: Any):
    member = getattr(user, "member", None) if user.is_authenticated else None
    return member if member is not None and member.is_active else None


def enrollment_of(user: Any, course: CoursePage) -> Enrollment | None:
    member = member_of(user)
    if member is None:
        return None
    return Enrollment.objects.filter(member=member, course=course).first()


def progress_by_lesson(user: Any, lessons) -> dict[int, LessonProgress]:
    member = member_of(user)
    if member is None:
        return {}
    rows = LessonProgress.objects.filter(member=member, lesson__in=[lesson.pk for lesson in lessons])
    return {row.lesson_id: row for row in rows}


def course_study_state(request, course: CoursePage, lessons) -> dict[str, Any]:
    """What the course page shows about the visitor's own study of it."""
    member = member_of(request.user)
    enrollment = enrollment_of(request.user, course)
    progress = progress_by_lesson(request.user, lessons)
    rows = [{"lesson": lesson, "progress": progress.get(lesson.pk)} for lesson in lessons]
    done = sum(1 for row in rows if row["progress"] and row["progress"].completed_at)
    refusal = None
    open_to_enrol = enrollment is None or enrollment.status == Enrollment.Status.REJECTED
    if member is not None and open_to_enrol:
        refusal = enrollment_refusal(member=member, course=course)
    return {
        "member": member,
        "enrollment": enrollment,
        "rows": rows,
        "done": done,
        "percent": int(done * 100 / len(lessons)) if lessons else 0,
        "can_enrol": member is not None and open_to_enrol and refusal is None,
        "refusal": refusal,
        "by_approval": course.enrollment_mode == CoursePage.EnrollmentMode.APPROVAL,
        "continue_lesson": _continue_lesson(enrollment, rows),
        "my_rating": _my_rating(member, course, enrollment),
        "ratings": rating_summary(course) if sees_ratings(request.user) else None,
    }


def _my_rating(member, course: CoursePage, enrollment: Enrollment | None):
    if member is None or enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return None
    return CourseRating.objects.filter(member=member, course=course).first() or "unrated"


def sees_ratings(user: Any) -> bool:
    """Averages are for editors, administrators and organizers, not for other members."""
    return reads_everything(user) or can_manage_study(user)


def _continue_lesson(enrollment: Enrollment | None, rows: list[dict[str, Any]]) -> LessonPage | None:
    """The first lesson not yet complete; the course's first lesson for members who have not begun."""
    if enrollment is None or not enrollment.is_studying or not rows:
        return None
    for row in rows:
        if not (row["progress"] and row["progress"].completed_at):
            return row["lesson"]
    return rows[0]["lesson"]


def lesson_study_config(request, lesson: LessonPage, progress: LessonProgress | None) -> dict[str, Any]:
    """The JSON the lesson page's study script starts from."""
    settings = StudySettings.load()
    reading = minimum_reading_seconds(lesson, settings)
    video = lesson.video if lesson.video_id else None
    return {
        "lessonId": lesson.pk,
        "kind": "video" if video is not None and video.duration else "text",
        "startUrl": reverse("courses:study_start", args=[lesson.pk]),
        "beatUrl": reverse("courses:study_beat"),
        "csrf": get_token(request),
        "duration": video.duration if video is not None else 0,
        "watched": [list(part) for part in progress.watched] if progress else [],
        "completed": bool(progress and progress.completed_at),
        "completionPercent": settings.completion_percent,
        "minReadingSeconds": reading,
        "minReadingMinutes": round(reading / 60, 1),
        "readSeconds": progress.read_seconds if progress else 0,
        "readClock": _clock(progress.read_seconds if progress else 0),
    }


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


@dataclass
class CourseRow:
    """One of a member's courses on 我的学习: how far they are and where to go on."""

    enrollment: Enrollment
    course: CoursePage
    total: int
    done: int
    continue_lesson: LessonPage | None

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0


def my_courses(member) -> list[CourseRow]:
    """The member's enrolments (newest activity first) with lesson counts, in three queries."""
    enrollments = list(
        Enrollment.objects.filter(member=member)
        .exclude(status=Enrollment.Status.REJECTED)
        .select_related("course", "last_lesson")
        .order_by(F("last_studied_at").desc(nulls_last=True), "-created_at")
    )
    live = [e for e in enrollments if e.course.live]
    if not live:
        return []
    paths = Q()
    for enrollment in live:
        paths |= Q(path__startswith=enrollment.course.path, depth=enrollment.course.depth + 1)
    lessons = list(
        LessonPage.objects.live().filter(paths).order_by("path").only("pk", "path", "title", "url_path")
    )
    completed = set(
        LessonProgress.objects.filter(
            member=member, lesson__in=lessons, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    rows = []
    for enrollment in live:
        course = enrollment.course
        own = [lesson for lesson in lessons if lesson.path.startswith(course.path)]
        last = enrollment.last_lesson
        resume = last if last is not None and last.pk in {lesson.pk for lesson in own} else None
        first_open = next((lesson for lesson in own if lesson.pk not in completed), None)
        rows.append(
            CourseRow(
                enrollment=enrollment,
                course=course,
                total=len(own),
                done=sum(1 for lesson in own if lesson.pk in completed),
                continue_lesson=resume or first_open or (own[0] if own else None),
            )
        )
    return rows


@dataclass
class YearRecord:
    """学习档案 for one year: credit hours entries against the annual requirement."""

    year: int
    entries: list[CreditHourEntry]
    hours: Decimal
    required: Decimal
    courses_completed: int

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.hours * 100 / self.required))

    @property
    def missing(self) -> Decimal:
        return max(Decimal("0"), self.required - self.hours)


def learning_record(member, year: int) -> YearRecord:
    entries = list(
        CreditHourEntry.objects.filter(member=member, earned_on__year=year).order_by("-earned_on", "-pk")
    )
    completed = Enrollment.objects.filter(
        member=member, status=Enrollment.Status.COMPLETED, completed_at__year=year
    ).count()
    return YearRecord(
        year=year,
        entries=entries,
        hours=sum((entry.hours for entry in entries), Decimal("0")),
        required=StudySettings.load().annual_credit_hours,
        courses_completed=completed,
    )


def record_years(member, current: int) -> list[int]:
    """Years with credit hours, and the current one, newest first."""
    years = {day.year for day in CreditHourEntry.objects.filter(member=member).dates("earned_on", "year")}
    return sorted(years | {current}, reverse=True)


def assignment_roster(assignment) -> tuple[QuerySet, int]:
    """The class's enrolments with lessons completed per member (one query), and the lesson count."""
    lessons = list(LessonPage.objects.child_of(assignment.course).live().values_list("pk", flat=True))
    done = Count(
        "member__lesson_progress",
        filter=Q(
            member__lesson_progress__lesson__in=lessons, member__lesson_progress__completed_at__isnull=False
        ),
    )
    roster = (
        assignment.enrollments.select_related("member__org_unit")
        .annotate(done=done)
        .order_by("member__org_unit__path", "member__real_name")
    )
    return roster, len(lessons)


def with_roster_counts(assignments: QuerySet) -> QuerySet:
    """Each 专题班 annotated with ``total``, ``completed`` and ``overdue`` members, in the same query."""
    status = "enrollments__status"
    return assignments.annotate(
        total=Count("enrollments"),
        completed=Count("enrollments", filter=Q(**{status: Enrollment.Status.COMPLETED})),
        overdue=Count(
            "enrollments",
            filter=Q(**{status: Enrollment.Status.ACTIVE, "enrollments__deadline__lt": timezone.localdate()}),
        ),
    )
