"""积分: rule-driven awards, once per member, rule, object and day, within the daily limit."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from school.models import PointEntry, PointRule
from school.services.points import points_award, points_leaderboard, points_total
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)
LESSON = PointRule.Code.LESSON_COMPLETED


def set_rule(code: str, *, points: int, daily_cap: int = 0, is_active: bool = True) -> None:
    PointRule.objects.update_or_create(
        code=code, defaults={"points": points, "daily_cap": daily_cap, "is_active": is_active}
    )


def test_an_award_follows_its_rule(member_a1):
    set_rule(LESSON, points=2)
    entry = points_award(member=member_a1, rule=LESSON, object_key="lesson:1", day=DAY)
    assert (entry.points, entry.rule, entry.day) == (2, LESSON, DAY)


def test_the_same_award_twice_counts_once(member_a1):
    points_award(member=member_a1, rule=LESSON, object_key="lesson:1", day=DAY)
    assert points_award(member=member_a1, rule=LESSON, object_key="lesson:1", day=DAY) is None
    assert PointEntry.objects.count() == 1


def test_the_daily_limit_caps_the_days_total_and_resets_the_next_day(member_a1):
    set_rule(LESSON, points=2, daily_cap=5)
    awarded = [
        points_award(member=member_a1, rule=LESSON, object_key=f"lesson:{n}", day=DAY) for n in range(4)
    ]
    assert [entry.points if entry else None for entry in awarded] == [2, 2, 1, None]
    next_day = DAY + datetime.timedelta(days=1)
    assert points_award(member=member_a1, rule=LESSON, object_key="lesson:9", day=next_day).points == 2
    assert points_total(member_a1) == 7


def test_an_inactive_rule_awards_nothing(member_a1):
    set_rule(LESSON, points=2, is_active=False)
    assert points_award(member=member_a1, rule=LESSON, object_key="lesson:1", day=DAY) is None


def test_the_leaderboard_ranks_a_subtree_only(org_tree, member_a1, member_a2):
    set_rule(LESSON, points=3)
    for n in range(2):
        points_award(member=member_a1, rule=LESSON, object_key=f"lesson:{n}", day=DAY)
    points_award(member=member_a2, rule=LESSON, object_key="lesson:1", day=DAY)
    assert [(m.real_name, m.total) for m in points_leaderboard(org_tree.general_a)] == [
        ("甲学员", 6),
        ("乙学员", 3),
    ]
    assert [m.real_name for m in points_leaderboard(org_tree.branch_a2)] == ["乙学员"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_awards_respect_the_limit_and_count_each_object_once(org_tree):
    member = MemberFactory(org_unit=org_tree.branch_a1)
    set_rule(LESSON, points=2, daily_cap=5)
    keys = ["lesson:1", "lesson:1", "lesson:2", "lesson:3", "lesson:4", "lesson:4"]
    barrier = threading.Barrier(len(keys))

    def award(key: str) -> None:
        try:
            barrier.wait()
            points_award(member=member, rule=LESSON, object_key=key, day=DAY)
        finally:
            connection.close()

    threads = [threading.Thread(target=award, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert points_total(member) == 5
    assert PointEntry.objects.filter(object_key="lesson:1").count() <= 1


def test_logging_in_queues_the_daily_login_award(monkeypatch, member_a1, django_capture_on_commit_callbacks):
    from school import tasks

    queued = []
    monkeypatch.setattr(tasks.points_award_task, "delay", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        Client().force_login(member_a1.user)
    assert queued and queued[0]["rule"] == "daily_login" and queued[0]["member_id"] == member_a1.pk
    tasks.points_award_task.run(**queued[0])
    tasks.points_award_task.run(**queued[0])
    assert points_total(member_a1) == 1


def test_the_points_page_shows_my_total_history_and_branch_board(learner, member_a1, member_a2):
    set_rule(LESSON, points=4)
    points_award(member=member_a1, rule=LESSON, object_key="lesson:1", day=DAY)
    response = client_for(learner).get(reverse("my_points"))
    assert response.context["total"] == 4
    html = response.content.decode()
    assert "完成课节" in html and "甲学员" in html


def test_completing_a_lesson_and_a_course_earns_points(member_a1):
    from courses.tests import factories
    from courses.tests.test_progress import Player, video_lesson_in

    set_rule(LESSON, points=2)
    set_rule(PointRule.Code.COURSE_COMPLETED, points=5)
    course = factories.course()
    Player(member_a1, video_lesson_in(course, seconds=20)).beat(10, [(0, 20)])
    assert points_total(member_a1) == 7
