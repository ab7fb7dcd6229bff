"""Starting, saving and submitting attempts: the server keeps the deadline and never loses an answer."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from exams.exceptions import (
    AttemptFinished,
    BadAnswer,
    DeadlinePassed,
    ExamClosed,
    NoAttemptsLeft,
    StaleWrite,
)
from exams.models import AnswerLogEntry, Attempt, AttemptAnswer, Exam, ExamResult, ExamSlot, ImmutableRowError
from exams.services.attempts import (
    attempt_open_window,
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
    exam_refusal,
)
from exams.services.layout import layout_draw
from exams.tests import factories

# Positions in ``objective_exam``: 0 单选 (first option right), 1 多选 (0,1,2), 2 判断 (true), 3 填空.
ALL_RIGHT = {"0": [0], "1": [0, 1, 2], "2": True, "3": ["全国代表大会"]}


def started(exam: Exam, member) -> tuple[Attempt, str]:
    attempt = attempt_start(exam=exam, member=member)
    return attempt, attempt_open_window(attempt=attempt)


def test_start_fixes_the_deadline_from_the_time_limit(objective_exam, member_a1):
    objective_exam.time_limit_minutes = 30
    objective_exam.save()
    attempt = attempt_start(exam=objective_exam, member=member_a1)
    assert attempt.deadline - attempt.started_at == datetime.timedelta(minutes=30)
    assert attempt.max_score == Decimal("4")
    assert len(attempt.layout) == 4


def test_deadline_is_never_after_the_exam_closes(objective_exam, member_a1):
    objective_exam.time_limit_minutes = 600
    objective_exam.closes_at = timezone.now() + datetime.timedelta(minutes=10)
    objective_exam.save()
    assert attempt_start(exam=objective_exam, member=member_a1).deadline == objective_exam.closes_at


def test_starting_twice_returns_the_open_attempt(objective_exam, member_a1):
    first = attempt_start(exam=objective_exam, member=member_a1)
    assert attempt_start(exam=objective_exam, member=member_a1) == first
    assert Attempt.objects.count() == 1


def test_database_refuses_a_second_open_attempt(objective_exam, member_a1):
    first = attempt_start(exam=objective_exam, member=member_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            exam=objective_exam,
            member=member_a1,
            number=2,
            started_at=first.started_at,
            deadline=first.deadline,
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_give_one_open_attempt(org_tree, bank, member_a1):
    exam = factories.exam(org_tree.committee, questions=bank.objective)
    barrier = threading.Barrier(4)
    started_ids, errors = [], []

    def start() -> None:
        try:
            barrier.wait()
            started_ids.append(attempt_start(exam=exam, member=member_a1).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Attempt.objects.filter(exam=exam, member=member_a1).count() == 1
    assert len(set(started_ids)) == 1


def test_saved_answers_are_stored_and_logged(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [2], "2": False})
    assert dict(attempt.answers.values_list("position", "response")) == {0: [2], 2: False}
    assert AnswerLogEntry.objects.filter(attempt=attempt).count() == 2


def test_an_answer_sent_again_unchanged_keeps_the_save_that_changed_it(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [2]})
    attempt_save(attempt=attempt, writer=writer, seq=2, answers={"0": [2], "2": True})
    attempt_save(attempt=attempt, writer=writer, seq=3, answers={"0": [1], "2": True})
    assert {a.position: (a.response, a.seq) for a in attempt.answers.all()} == {0: ([1], 3), 2: (True, 2)}
    assert AnswerLogEntry.objects.filter(attempt=attempt).count() == 5


def test_the_same_save_sent_twice_is_accepted_once(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [1]})
    again = attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [1]})
    assert again.duplicate
    assert AnswerLogEntry.objects.filter(attempt=attempt).count() == 1


def test_stale_autosave_is_rejected(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=5, answers={"0": [1]})
    with pytest.raises(StaleWrite):
        attempt_save(attempt=attempt, writer=writer, seq=4, answers={"0": [3]})
    with pytest.raises(StaleWrite):
        attempt_save(attempt=attempt, writer=writer, seq=5, answers={"0": [3]})
    assert attempt.answers.get(position=0).response == [1]


def test_a_second_window_takes_over_and_the_first_is_refused(objective_exam, member_a1):
    attempt, first_window = started(objective_exam, member_a1)
    second_window = attempt_open_window(attempt=attempt)
    with pytest.raises(StaleWrite) as refused:
        attempt_save(attempt=attempt, writer=first_window, seq=1, answers={"0": [1]})
    assert refused.value.code == "other_window"
    attempt_save(attempt=attempt, writer=second_window, seq=1, answers={"0": [2]})
    assert attempt.answers.get(position=0).response == [2]


@pytest.mark.parametrize(
    "answers",
    [
        {"9": [0]},  # not in the attempt
        {"-1": [0]},
        {"x": [0]},
        {"0": [7]},  # no such option
        {"0": [0, 1]},  # two options for single choice
        {"0": "A"},
        {"1": [0, 0]},
        {"2": "true"},
        {"3": ["a", "b"]},  # one blank only
        {"3": "全国代表大会"},
        {"0": [True]},
        [],
    ],
)
def test_malformed_answers_are_refused_and_change_nothing(objective_exam, member_a1, answers):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [1]})
    with pytest.raises(BadAnswer):
        attempt_save(attempt=attempt, writer=writer, seq=2, answers=answers)
    attempt.refresh_from_db()
    assert attempt.last_seq == 1
    assert list(attempt.answers.values_list("position", "response")) == [(0, [1])]
    assert AnswerLogEntry.objects.filter(attempt=attempt).count() == 1


def test_saves_within_the_grace_period_are_accepted_and_later_ones_refused(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=30))
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=61))
    with pytest.raises(DeadlinePassed):
        attempt_save(attempt=attempt, writer=writer, seq=2, answers={"0": [3]})
    assert attempt.answers.get(position=0).response == [0]


def test_submit_grades_objective_answers(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers=ALL_RIGHT)
    submitted = attempt_submit(attempt=attempt, writer=writer)
    assert submitted.state == Attempt.State.SUBMITTED
    assert submitted.score == Decimal("4.00")
    assert submitted.passed is True
    assert ExamResult.objects.get(exam=objective_exam, member=member_a1).passed


def test_submit_stores_the_last_unsaved_answers_first(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    submitted = attempt_submit(attempt=attempt, writer=writer, seq=1, answers={"0": [0], "2": False})
    assert submitted.score == Decimal("1.00")
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 4  # unanswered positions get a row


def test_submit_is_idempotent(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    first = attempt_submit(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})
    second = attempt_submit(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})
    third = attempt_submit(attempt=attempt, writer=writer)
    assert second.submitted_at == third.submitted_at == first.submitted_at
    assert second.score == first.score


def test_answers_arriving_after_submit_are_refused_not_silently_dropped(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_submit(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})
    with pytest.raises(AttemptFinished):
        attempt_submit(attempt=attempt, writer=writer, seq=2, answers={"0": [1]})
    assert attempt.answers.get(position=0).response == [0]


def test_a_replaced_window_cannot_submit(objective_exam, member_a1):
    attempt, old_window = started(objective_exam, member_a1)
    new_window = attempt_open_window(attempt=attempt)
    with pytest.raises(StaleWrite):
        attempt_submit(attempt=attempt, writer=old_window)
    attempt.refresh_from_db()
    assert attempt.is_open
    attempt_submit(attempt=attempt, writer=new_window, seq=1, answers={"0": [0]})
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED and attempt.answers.get(position=0).response == [0]


def test_a_new_window_continues_from_the_last_saved_sequence(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=Attempt.objects.get(pk=attempt.pk), writer=writer, seq=3, answers={"0": [1]})
    attempt_open_window(attempt=attempt)  # the stale in-memory row is refreshed under the lock
    assert attempt.last_seq == 3


def test_fixed_questions_are_never_taken_by_an_earlier_random_draw(org_tree, bank, member_a1):
    exam = factories.exam(org_tree.committee)
    ExamSlot.objects.create(exam=exam, sort_order=0, category=bank.category, count=4)
    ExamSlot.objects.create(exam=exam, sort_order=1, question=bank.single)
    for _ in range(5):
        layout = layout_draw(exam)
        assert len(layout) == 5
        assert len({item["version"] for item in layout}) == 5


def test_saving_after_submit_is_refused(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_submit(attempt=attempt, writer=writer)
    with pytest.raises(AttemptFinished):
        attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})


def test_overdue_attempts_are_submitted_with_their_saved_answers(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [0]})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    assert attempts_close_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED
    assert attempt.finished_by == Attempt.Finish.DEADLINE
    assert attempt.score == Decimal("1.00")


def test_overdue_attempts_are_discarded_when_the_exam_says_so(objective_exam, member_a1):
    objective_exam.overdue_action = Exam.Overdue.DISCARD
    objective_exam.save()
    attempt, _writer = started(objective_exam, member_a1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    attempts_close_overdue()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.DISCARDED


def test_an_overdue_attempt_is_closed_when_the_member_comes_back(objective_exam, member_a1):
    objective_exam.attempts_allowed = 2
    objective_exam.save()
    attempt, _writer = started(objective_exam, member_a1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=5))
    second = attempt_start(exam=objective_exam, member=member_a1)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED
    assert second.number == 2


def test_no_more_attempts_than_allowed(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_submit(attempt=attempt, writer=writer)
    with pytest.raises(NoAttemptsLeft):
        attempt_start(exam=objective_exam, member=member_a1)


def test_closed_and_unpublished_exams_cannot_be_started(objective_exam, member_a1):
    objective_exam.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    objective_exam.opens_at = timezone.now() - datetime.timedelta(days=1)
    objective_exam.save()
    with pytest.raises(ExamClosed):
        attempt_start(exam=objective_exam, member=member_a1)


def test_members_outside_the_audience_may_not_start(org_tree, bank, member_a1, member_a2):
    exam = factories.exam(org_tree.branch_a2, questions=bank.objective)
    assert exam_refusal(exam, member_a1) is not None
    assert exam_refusal(exam, member_a2) is None


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", "75.00"), ("first", "25.00"), ("last", "50.00"), ("average", "50.00")],
)
def test_grading_method_decides_the_result(objective_exam, member_a1, method, expected):
    objective_exam.attempts_allowed = 0
    objective_exam.grading_method = method
    objective_exam.save()
    for answers in ({"0": [0]}, {"0": [0], "2": True, "1": [0, 1, 2]}, {"0": [0], "2": True}):
        attempt, writer = started(objective_exam, member_a1)
        attempt_submit(attempt=attempt, writer=writer, seq=1, answers=answers)
    assert ExamResult.objects.get(member=member_a1).percent == Decimal(expected)


def test_the_answer_log_is_append_only(objective_exam, member_a1):
    attempt, writer = started(objective_exam, member_a1)
    attempt_save(attempt=attempt, writer=writer, seq=1, answers={"0": [1]})
    entry = AnswerLogEntry.objects.get()
    entry.response = [0]
    with pytest.raises(ImmutableRowError):
        entry.save()
    with pytest.raises(ImmutableRowError):
        entry.delete()
