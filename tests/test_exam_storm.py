"""bench/exam_storm.py on a handful of examinees against the live test server: it reconciles every
acknowledged answer with the database, and it fails loudly when one is missing."""

from __future__ import annotations

import pytest

from bench import exam_storm
from exams.models import Attempt, AttemptAnswer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_storm(live_server):
    exam_id, people = exam_storm.prepare(examinees=6, questions=4, minutes=30)
    behaviours = ["normal", "duplicate", "second_tab", "lost_reply", "normal", "duplicate"]
    for person, behaviour in zip(people, behaviours, strict=True):
        person.behaviour = behaviour
    timings, _elapsed = exam_storm.storm(
        url=live_server.url, exam_id=exam_id, people=people, concurrency=3, think=0, seconds=60
    )
    return timings, people


def test_storm_saves_every_answer_and_reconciles_cleanly(small_storm):
    timings, people = small_storm
    assert timings.server_errors == 0
    assert exam_storm.reconcile(people) == []
    assert Attempt.objects.filter(state=Attempt.State.SUBMITTED).count() == 6
    assert all(len(person.believed) == 4 for person in people)


def test_reconciliation_reports_a_dropped_answer(small_storm):
    _timings, people = small_storm
    dropped = AttemptAnswer.objects.filter(attempt__public_id=people[0].attempt_id, position=2)
    dropped.update(response=None)
    problems = exam_storm.reconcile(people)
    assert len(problems) == 1 and "answer 3" in problems[0]
