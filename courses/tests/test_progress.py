"""Heartbeats: honest watch time, reading time, completion and credit hours written once."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from courses.exceptions import EnrollmentRefused, HeartbeatRefused
from courses.models import (
    AccessLevel,
    CoursePage,
    CreditHourEntry,
    Enrollment,
    LessonProgress,
    StudySettings,
)
from courses.services.enrollment import enrollment_create
from courses.services.progress import Heartbeat, heartbeat_record, study_session_start
from courses.tests import factories
from media_pipeline.models import Video
from media_pipeline.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db

SESSION = "session-key-of-the-browser"


@pytest.fixture
def course():
    return factories.course("学习党章", credit_hours=Decimal("2.5"))


def video_lesson_in(course, title="第一讲", seconds=100.0):
    video = VideoFactory(status=Video.Status.READY, duration=seconds)
    return factories.lesson(course, title, video=video, body=[])


@pytest.fixture
def lesson(course):
    return video_lesson_in(course)


class Player:
    """A member's browser: one study session, a clock, heartbeats in sequence."""

    def __init__(self, member, lesson, session_key: str = SESSION) -> None:
        self.member = member
        self.session = study_session_start(member=member, lesson=lesson, session_key=session_key)
        self.clock = self.session.started_at
        self.seq = 0
        self.session_key = session_key

    def beat(self, after: float, intervals=(), *, position=0, user=None, seq=None, **extra):
        self.clock += datetime.timedelta(seconds=after)
        self.seq = self.seq + 1 if seq is None else seq
        return heartbeat_record(
            token=self.session.token,
            user=user or self.member.user,
            session_key=self.session_key,
            beat=Heartbeat(seq=self.seq, intervals=[list(i) for i in intervals], position=position, **extra),
            now=self.clock,
        )


def progress_of(member, lesson) -> LessonProgress | None:
    return LessonProgress.objects.filter(member=member, lesson=lesson).first()


def test_playing_in_real_time_earns_the_parts_played(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)], position=10)
    result = player.beat(10, [(10, 20)], position=20)
    assert [list(part) for part in result.progress.watched] == [[0, 20]]
    assert result.progress.watched_seconds == 20
    assert result.progress.position == 20


def test_seeking_ahead_earns_nothing(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)])
    result = player.beat(10, [(80, 90)], position=90)  # jumped from 10 s to 80 s
    assert result.progress.watched_seconds == 20
    assert not result.lesson_completed


def test_watching_at_double_speed_counts(member_a1, lesson):
    player = Player(member_a1, lesson)
    assert player.beat(10, [(0, 20)]).progress.watched_seconds == 20


def test_more_than_double_speed_is_refused_and_changes_nothing(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)])
    with pytest.raises(HeartbeatRefused) as refused:
        player.beat(10, [(10, 40)])
    assert (refused.value.code, refused.value.status) == ("too_fast", 422)
    assert progress_of(member_a1, lesson).watched_seconds == 10
    player.session.refresh_from_db()
    assert player.session.last_seq == 1


def test_an_accelerated_script_gains_nothing_by_splitting_its_claims(member_a1, lesson):
    player = Player(member_a1, lesson)
    claims = [(start, start + 5) for start in range(0, 100, 5)]
    with pytest.raises(HeartbeatRefused):
        player.beat(1, claims[:4])  # 20 s of video one second after opening the page
    assert progress_of(member_a1, lesson) is None


def test_a_replayed_heartbeat_is_ignored(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)])
    again = player.beat(10, [(30, 40)], seq=1)
    assert again.duplicate
    assert progress_of(member_a1, lesson).watched_seconds == 10


def test_an_older_heartbeat_arriving_late_is_refused(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)])
    player.beat(10, [(10, 20)])
    with pytest.raises(HeartbeatRefused) as refused:
        player.beat(10, [(20, 30)], seq=1)
    assert refused.value.status == 409
    assert progress_of(member_a1, lesson).watched_seconds == 20


@pytest.mark.parametrize(
    "intervals",
    [[(10, 5)], [(-5, 5)], [(0, 1000)], [("a", 5)]],
    ids=["reversed", "negative", "past the end", "not numbers"],
)
def test_malformed_intervals_are_refused_and_change_nothing(member_a1, lesson, intervals):
    player = Player(member_a1, lesson)
    with pytest.raises(HeartbeatRefused) as refused:
        player.beat(600, intervals)
    assert refused.value.status == 400
    assert progress_of(member_a1, lesson) is None


@pytest.mark.parametrize(
    "position, kept", [(-30, 0), (10_000, 100), (float("nan"), 0), ("7", 0), (42.5, 42.5)]
)
def test_a_tampered_resume_position_is_clamped(member_a1, lesson, position, kept):
    player = Player(member_a1, lesson)
    assert player.beat(10, [(0, 10)], position=position).progress.position == kept


def test_another_members_heartbeat_on_the_token_is_refused(member_a1, member_a2, lesson):
    player = Player(member_a1, lesson)
    with pytest.raises(HeartbeatRefused) as refused:
        player.beat(10, [(0, 10)], user=member_a2.user)
    assert refused.value.status == 403
    assert progress_of(member_a1, lesson) is None


def test_a_token_used_from_another_login_session_is_refused(member_a1, lesson):
    player = Player(member_a1, lesson)
    player.session_key = "stolen-into-another-browser"
    with pytest.raises(HeartbeatRefused):
        player.beat(10, [(0, 10)])


def test_a_made_up_token_is_refused(member_a1, lesson):
    with pytest.raises(HeartbeatRefused):
        heartbeat_record(token="guess", user=member_a1.user, session_key=SESSION, beat=Heartbeat(seq=1))


def test_a_heartbeat_after_the_lesson_was_closed_to_the_member_is_refused(member_a1, lesson, org_tree):
    player = Player(member_a1, lesson)
    course = lesson.course
    course.access_level = AccessLevel.ORG_UNITS
    course.access_org_units.set([org_tree.branch_b1])
    course.save_revision().publish()
    with pytest.raises(HeartbeatRefused) as refused:
        player.beat(10, [(0, 10)])
    assert refused.value.status == 403


def test_a_lesson_completes_at_the_threshold_and_not_before(member_a1, lesson):
    player = Player(member_a1, lesson)
    assert not player.beat(45, [(0, 89)]).lesson_completed
    result = player.beat(5, [(89, 90)])
    assert result.lesson_completed and result.progress.completed_at is not None


def test_the_threshold_is_configurable(member_a1, lesson):
    settings = StudySettings.load()
    settings.completion_percent = 60
    settings.save()
    assert Player(member_a1, lesson).beat(30, [(0, 60)]).lesson_completed


def test_completing_every_lesson_completes_the_course_and_writes_its_credit_hours(member_a1, course, lesson):
    second = video_lesson_in(course, "第二讲", seconds=20)
    assert not Player(member_a1, lesson).beat(50, [(0, 100)]).course_completed
    result = Player(member_a1, second).beat(10, [(0, 20)])
    assert result.course_completed
    enrollment = Enrollment.objects.get(member=member_a1, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    entry = CreditHourEntry.objects.get(member=member_a1)
    assert (entry.kind, entry.course_id, entry.hours) == ("course", course.pk, Decimal("2.5"))


def test_watching_a_completed_lesson_again_writes_nothing_more(member_a1, lesson):
    Player(member_a1, lesson).beat(50, [(0, 100)])
    again = Player(member_a1, lesson).beat(50, [(0, 100)])
    assert not again.lesson_completed and not again.course_completed
    assert CreditHourEntry.objects.filter(member=member_a1).count() == 1


def test_a_text_lesson_completes_after_the_reading_time_and_the_end(member_a1, course):
    lesson = factories.lesson(course, "阅读课", estimated_minutes=2)  # 50 % of 2 minutes: 60 s
    player = Player(member_a1, lesson)
    for _ in range(5):
        assert not player.beat(10, event="tick").lesson_completed
    assert not player.beat(10, event="tick").lesson_completed  # 60 s read, but not at the end yet
    assert player.beat(1, event="tick", at_end=True).lesson_completed


def test_reading_time_while_the_page_was_hidden_earns_nothing(member_a1, course):
    lesson = factories.lesson(course, "阅读课", estimated_minutes=2)
    player = Player(member_a1, lesson)
    player.beat(10, event="hidden")
    player.beat(3600, event="visible", at_end=True)  # back after an hour away
    result = player.beat(10, event="tick")
    assert result.progress.read_seconds == 20
    assert not result.lesson_completed


def test_studying_an_open_course_enrols_the_member(member_a1, lesson):
    Player(member_a1, lesson)
    enrollment = Enrollment.objects.get(member=member_a1, course=lesson.course)
    assert (enrollment.status, enrollment.source) == ("active", "self")


def test_an_assigned_course_cannot_be_studied_without_being_assigned(member_a1):
    course = factories.course("专题班课程", enrollment_mode=CoursePage.EnrollmentMode.ASSIGNED)
    with pytest.raises(EnrollmentRefused):
        Player(member_a1, video_lesson_in(course))


def test_a_course_by_approval_cannot_be_studied_while_the_application_waits(member_a1):
    course = factories.course("审批课程", enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    lesson = video_lesson_in(course)
    with pytest.raises(EnrollmentRefused):
        Player(member_a1, lesson)
    assert enrollment_create(member=member_a1, course=course).status == "pending"
    with pytest.raises(EnrollmentRefused, match="等待审核"):
        Player(member_a1, lesson)


def test_a_closed_course_records_no_study(member_a1):
    course = factories.course("已结束", closes_on=datetime.date(2020, 1, 1))
    with pytest.raises(EnrollmentRefused):
        Player(member_a1, video_lesson_in(course))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_credit_hours_are_written_once_under_concurrent_heartbeats(member_a1, course, lesson):
    """Two tabs finish the lesson at the same moment: one completion, one ledger row."""
    players = [Player(member_a1, lesson, session_key=f"tab-{n}") for n in range(4)]
    barrier = threading.Barrier(len(players))
    results, errors = [], []

    def finish(player: Player) -> None:
        try:
            barrier.wait()
            results.append(player.beat(60, [(0, 100)]))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(player,)) for player in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(result.lesson_completed for result in results) == 1
    assert sum(result.course_completed for result in results) == 1
    assert CreditHourEntry.objects.filter(member=member_a1).count() == 1


def test_starting_to_study_clears_the_members_sessions_older_than_two_days(member_a1, member_a2, lesson):
    from courses.models import StudySession

    old = Player(member_a1, lesson).session
    StudySession.objects.filter(pk=old.pk).update(started_at=old.started_at - datetime.timedelta(days=3))
    someone_elses = Player(member_a2, lesson).session
    StudySession.objects.filter(pk=someone_elses.pk).update(
        started_at=old.started_at - datetime.timedelta(days=3)
    )
    Player(member_a1, lesson)
    assert not StudySession.objects.filter(pk=old.pk).exists()
    assert StudySession.objects.filter(pk=someone_elses.pk).exists()


def study_seconds(member, course) -> float:
    from courses.models import StudyDay

    return sum(StudyDay.objects.filter(member=member, course=course).values_list("seconds", flat=True))


def test_study_time_counts_replays_but_not_more_than_the_clock(member_a1, course, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)], position=10)
    player.beat(10, [(0, 10)], position=10)  # watched again: study time, no new coverage
    player.beat(10, [(10, 30)], position=30)  # 20 s of video in 10 s at double speed
    assert progress_of(member_a1, lesson).watched_seconds == 30
    assert study_seconds(member_a1, course) == 30  # 10 + 10 + 10 (the clock)


def test_refused_and_duplicate_heartbeats_add_no_study_time(member_a1, course, lesson):
    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)], position=10)
    player.beat(0, [(0, 10)], position=10, seq=1)  # the same beat again
    with pytest.raises(HeartbeatRefused):
        player.beat(1, [(10, 90)], position=90)
    assert study_seconds(member_a1, course) == 10


def test_study_time_is_kept_per_day(member_a1, course, lesson):
    from courses.models import StudyDay

    player = Player(member_a1, lesson)
    player.beat(10, [(0, 10)], position=10)
    player.clock += datetime.timedelta(days=1)
    player.beat(10, [(10, 20)], position=20)
    days = list(StudyDay.objects.filter(member=member_a1).order_by("day").values_list("seconds", flat=True))
    assert days == [10, 10]
