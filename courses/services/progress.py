"""Study progress from heartbeats: honest watch time, reading time, completion, credit hours.

A heartbeat names a study session (a server-issued token bound to the login session) and carries
the parts of the video actually played since the last one. The server takes the union with what
the member watched before, so replays and overlaps count once; it refuses claims of more video
than twice the wall-clock time since the last accepted heartbeat, so a script cannot fast-forward.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from courses import intervals
from courses.exceptions import EnrollmentRefused, HeartbeatRefused
from courses.models import (
    CoursePage,
    CreditHourEntry,
    Enrollment,
    LessonPage,
    LessonProgress,
    StudyDay,
    StudySession,
    StudySettings,
)
from courses.permissions import can_read
from courses.services.enrollment import enrollment_create
from school.models import Member, PointRule
from school.services.points import points_award

MAX_SPEED = 2.0  # the player offers up to 2×
SPEED_SLACK_SECONDS = 2.0  # network jitter and the moment between page start and the first beat
MAX_INTERVALS = 100
READING_BEAT_SECONDS = 15  # reading time one heartbeat may add: beats come every 10 s while visible
READING_EVENTS = ("tick", "hidden", "end")
SESSION_LIFETIME = datetime.timedelta(days=2)


def _hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def studying_enrollment(*, member: Member, course: CoursePage) -> Enrollment:
    """The member's enrolment that lets them study ``course`` now; open courses enrol in passing."""
    enrollment = Enrollment.objects.filter(member=member, course=course).first()
    if enrollment is None or enrollment.status == Enrollment.Status.REJECTED:
        if course.enrollment_mode != CoursePage.EnrollmentMode.OPEN:
            raise EnrollmentRefused(_("Enrol in this course on its page first."))
        enrollment = enrollment_create(member=member, course=course)
    if enrollment.status == Enrollment.Status.PENDING:
        raise EnrollmentRefused(_("Your application for this course is waiting for approval."))
    if course.status() != CoursePage.Status.OPEN:
        raise EnrollmentRefused(_("This course is not open: study time is not recorded now."))
    return enrollment


@transaction.atomic(durable=True)
def study_session_start(*, member: Member, lesson: LessonPage, session_key: str) -> StudySession:
    """A new token for heartbeats from this browser session; EnrollmentRefused if not allowed."""
    if not lesson.live or not can_read(member.user, lesson):
        raise EnrollmentRefused(_("You may not study this lesson."))
    studying_enrollment(member=member, course=lesson.course)
    now = timezone.now()
    # A page left open longer than this gets "reload the page"; older sessions are only clutter.
    StudySession.objects.filter(member=member, started_at__lt=now - SESSION_LIFETIME).delete()
    return StudySession.objects.create(
        token=secrets.token_urlsafe(32),
        member=member,
        lesson=lesson,
        session_key_hash=_hash(session_key),
        started_at=now,
        last_beat_at=now,
    )


@dataclass(frozen=True)
class Heartbeat:
    seq: int
    intervals: Any = ()
    position: Any = 0
    event: str = "tick"
    at_end: bool = False


@dataclass(frozen=True)
class HeartbeatResult:
    progress: LessonProgress
    lesson_completed: bool = False
    course_completed: bool = False
    duplicate: bool = False


@transaction.atomic(durable=True)
def heartbeat_record(
    *, token: str, user: Any, session_key: str, beat: Heartbeat, now: datetime.datetime | None = None
) -> HeartbeatResult:
    now = now or timezone.now()
    session = StudySession.objects.select_for_update().filter(token=token).first()
    if session is None or user is None or not user.is_authenticated:
        raise HeartbeatRefused("unknown", _("This study session is unknown. Reload the page."), status=403)
    member = session.member
    if member.user_id != user.pk or not member.is_active or session.session_key_hash != _hash(session_key):
        raise HeartbeatRefused("unknown", _("This study session is unknown. Reload the page."), status=403)
    if not isinstance(beat.seq, int) or isinstance(beat.seq, bool) or beat.seq < 1:
        raise HeartbeatRefused("malformed", _("The heartbeat is malformed."))
    if beat.seq <= session.last_seq:
        if beat.seq == session.last_seq:
            progress = LessonProgress.objects.get(member=member, lesson=session.lesson)
            return HeartbeatResult(progress=progress, duplicate=True)
        raise HeartbeatRefused("stale", _("An older heartbeat arrived late; it is ignored."), status=409)
    lesson = session.lesson
    if not lesson.live or not can_read(user, lesson):
        raise HeartbeatRefused("forbidden", _("You may not study this lesson."), status=403)
    elapsed = max(0.0, (now - session.last_beat_at).total_seconds())
    progress = _locked_progress(member, lesson)
    was_complete = progress.completed_at is not None
    if lesson.video_id and lesson.video.duration:
        spent = _add_watched(progress, beat, duration=lesson.video.duration, elapsed=elapsed)
    else:
        spent = _add_reading(progress, beat, elapsed=elapsed)
    course = lesson.course
    study_time_add(member=member, course_id=course.pk, day=timezone.localdate(now), seconds=spent)
    session.last_seq = beat.seq
    session.last_beat_at = now
    session.save(update_fields=["last_seq", "last_beat_at"])
    lesson_completed = not was_complete and _is_complete(progress, lesson)
    if lesson_completed:
        progress.completed_at = now
        points_award(member=member, rule=PointRule.Code.LESSON_COMPLETED, object_key=f"lesson:{lesson.pk}")
    progress.save()
    course_completed = _after_study(
        member=member, lesson=lesson, course=course, now=now, check_course=lesson_completed
    )
    return HeartbeatResult(
        progress=progress, lesson_completed=lesson_completed, course_completed=course_completed
    )


def _locked_progress(member: Member, lesson: LessonPage) -> LessonProgress:
    LessonProgress.objects.get_or_create(member=member, lesson=lesson)
    return LessonProgress.objects.select_for_update().get(member=member, lesson=lesson)


def _add_watched(progress: LessonProgress, beat: Heartbeat, *, duration: float, elapsed: float) -> float:
    """Merge the played parts into the progress; the seconds of study the beat stands for."""
    try:
        played = intervals.parse(beat.intervals, limit=MAX_INTERVALS, duration=duration)
    except intervals.InvalidIntervals:
        raise HeartbeatRefused("malformed", _("The watched parts are malformed.")) from None
    claimed = intervals.covered(played)
    if claimed > MAX_SPEED * elapsed + SPEED_SLACK_SECONDS:
        raise HeartbeatRefused(
            "too_fast", _("More video was reported than could have been played since."), status=422
        )
    progress.watched = intervals.merge(progress.watched, played)
    progress.watched_seconds = round(intervals.total(progress.watched), 3)
    progress.duration = duration
    progress.position = _clamped_position(beat.position, duration)
    return min(claimed, elapsed)


def _clamped_position(position: Any, duration: float) -> float:
    """Tampered or nonsensical resume positions end up inside the video."""
    if not isinstance(position, int | float) or isinstance(position, bool) or not math.isfinite(position):
        return 0.0
    return round(min(max(float(position), 0.0), duration), 3)


def _add_reading(progress: LessonProgress, beat: Heartbeat, *, elapsed: float) -> float:
    spent = min(elapsed, READING_BEAT_SECONDS) if beat.event in READING_EVENTS else 0.0
    progress.read_seconds = round(progress.read_seconds + spent, 3)
    if beat.at_end is True:
        progress.reached_end = True
    return spent


def study_time_add(*, member: Member, course_id: int, day: datetime.date, seconds: float) -> None:
    """Add to the member's study time of the day: one UPDATE, or an INSERT the first time that day."""
    if seconds <= 0:
        return
    rows = StudyDay.objects.filter(member=member, course_id=course_id, day=day)
    if rows.update(seconds=F("seconds") + seconds):
        return
    try:
        with transaction.atomic():  # a savepoint: a racing first beat of the day may insert first
            StudyDay.objects.create(member=member, course_id=course_id, day=day, seconds=seconds)
    except IntegrityError:
        rows.update(seconds=F("seconds") + seconds)


def minimum_reading_seconds(lesson: LessonPage, settings: StudySettings | None = None) -> float:
    settings = settings or StudySettings.load()
    return lesson.estimated_minutes * 60 * settings.reading_percent / 100


def _is_complete(progress: LessonProgress, lesson: LessonPage) -> bool:
    settings = StudySettings.load()
    if lesson.video_id and progress.duration:
        return progress.watched_seconds >= progress.duration * settings.completion_percent / 100 - 0.5
    return progress.reached_end and progress.read_seconds >= minimum_reading_seconds(lesson, settings)


def _after_study(
    *, member: Member, lesson: LessonPage, course: CoursePage, now: datetime.datetime, check_course: bool
) -> bool:
    """Remember where the member is; complete the course (and write its credit hours) when done.

    The enrolment row is locked first, so two heartbeats completing the course's last two lessons
    at once cannot both miss (or both write) the completion.
    """
    enrollment = Enrollment.objects.select_for_update().filter(member=member, course=course).first()
    if enrollment is None:
        return False
    enrollment.last_lesson = lesson
    enrollment.last_studied_at = now
    enrollment.save(update_fields=["last_lesson", "last_studied_at"])
    return check_course and _complete_if_done(enrollment, now=now)


def _complete_if_done(enrollment: Enrollment, *, now: datetime.datetime) -> bool:
    member, course = enrollment.member, enrollment.course
    if enrollment.status != Enrollment.Status.ACTIVE or not course_is_done(member, course):
        return False
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = now
    enrollment.save(update_fields=["status", "completed_at"])
    credit_hours_for_course(member=member, course=course, earned_on=timezone.localdate(now))
    points_award(member=member, rule=PointRule.Code.COURSE_COMPLETED, object_key=f"course:{course.pk}")
    for after_completion in hooks.get_hooks("after_course_completed"):  # e.g. a certificate (exams)
        after_completion(member=member, course=course)
    return True


def course_completion_check(*, member: Member, course: CoursePage) -> bool:
    """Complete the course now if everything it asks for is done (called when an exam is passed)."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().filter(member=member, course=course).first()
        return enrollment is not None and _complete_if_done(enrollment, now=timezone.now())


def lessons_done(member: Member, course: CoursePage) -> bool:
    lessons = LessonPage.objects.child_of(course).live()
    done = LessonProgress.objects.filter(member=member, lesson__in=lessons, completed_at__isnull=False)
    return lessons.exists() and done.count() == lessons.count()


def course_is_done(member: Member, course: CoursePage) -> bool:
    """Every live lesson complete, and whatever other apps require (a passed graduation exam)."""
    if not lessons_done(member, course):
        return False
    requirements = hooks.get_hooks("course_completion_requirement")
    return all(requirement(member, course) for requirement in requirements)


def credit_hours_for_course(
    *, member: Member, course: CoursePage, earned_on: datetime.date
) -> CreditHourEntry:
    """The course's 学时 for the member, written once whatever calls it (unique constraint)."""
    entry, _created = CreditHourEntry.objects.get_or_create(
        member=member,
        kind=CreditHourEntry.Kind.COURSE,
        course=course,
        defaults={
            "title": course.title,
            "hours": course.effective_credit_hours(),
            "earned_on": earned_on,
        },
    )
    return entry
