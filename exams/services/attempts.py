"""Sitting an exam: start, autosave, submit, and closing attempts whose time is up.

Answers never get lost and never get overwritten by something older:
- every save carries the attempt's current window token and a sequence number; a save from
  a window that is no longer current, or with an older number, is refused (409) and the page
  says so; the same save sent twice is accepted once;
- every accepted change is also appended to ``AnswerLogEntry``;
- the deadline lives on the server; saves are accepted up to ``grace_seconds`` after it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrollment
from courses.services.progress import lessons_done
from exams.exceptions import (
    AttemptFinished,
    BadAnswer,
    DeadlinePassed,
    ExamClosed,
    ExamError,
    NoAttemptsLeft,
    NotEligible,
    StaleWrite,
)
from exams.models import AnswerLogEntry, Attempt, AttemptAnswer, Exam, QuestionKind
from exams.selectors import in_audience
from exams.services.layout import layout_draw
from exams.services.results import attempt_grade
from school.models import Member

MAX_ESSAY_CHARS = 20000
MAX_BLANK_CHARS = 500


def exam_refusal(exam: Exam, member: Member, *, now: datetime.datetime | None = None) -> ExamError | None:
    """Why ``member`` may not start an attempt now (an exception to raise or show), or None."""
    now = now or timezone.now()
    if not (member.is_active and in_audience(exam, member)):
        return NotEligible(_("This exam is not for your organisation."))
    if exam.status != Exam.Status.PUBLISHED or now < exam.opens_at:
        return ExamClosed(_("The exam is not open yet."))
    if exam.has_closed(now):
        return ExamClosed(_("The exam has closed."))
    if exam.course_id:
        studying = Enrollment.objects.studying().filter(member=member, course_id=exam.course_id).exists()
        if not studying:
            return NotEligible(_("Enrol in the course before sitting its exam."))
        if exam.require_lessons_complete and not lessons_done(member, exam.course):
            return NotEligible(_("Complete every lesson of the course before sitting its exam."))
    used = exam.attempts.filter(member=member).exclude(state=Attempt.State.IN_PROGRESS).count()
    if exam.attempts_allowed and used >= exam.attempts_allowed:
        return NoAttemptsLeft(_("You have used all your attempts at this exam."))
    return None


def _deadline(exam: Exam, started: datetime.datetime) -> datetime.datetime:
    if exam.time_limit_minutes:
        return min(exam.closes_at, started + datetime.timedelta(minutes=exam.time_limit_minutes))
    return exam.closes_at


@transaction.atomic(durable=True)
def _create_attempt(*, exam: Exam, member: Member) -> Attempt:
    refusal = exam_refusal(exam, member)
    if refusal is not None:
        raise refusal
    layout = layout_draw(exam)
    now = timezone.now()
    number = exam.attempts.filter(member=member).count() + 1
    return Attempt.objects.create(
        exam=exam,
        member=member,
        number=number,
        started_at=now,
        deadline=_deadline(exam, now),
        layout=layout,
        max_score=sum(Decimal(item["mark"]) for item in layout),
    )


def attempt_start(*, exam: Exam, member: Member) -> Attempt:
    """The member's open attempt, or a new one; two starts at once still give one open attempt."""
    existing = open_attempt(exam=exam, member=member)
    if existing is not None:
        return existing
    try:
        return _create_attempt(exam=exam, member=member)
    except IntegrityError:  # a concurrent start won the unique constraint
        existing = open_attempt(exam=exam, member=member)
        if existing is None:
            raise
        return existing


def open_attempt(*, exam: Exam, member: Member) -> Attempt | None:
    attempt = Attempt.objects.filter(exam=exam, member=member, state=Attempt.State.IN_PROGRESS).first()
    if attempt is not None and attempt_close_if_overdue(attempt=attempt):
        return None
    return attempt


def attempt_open_window(*, attempt: Attempt) -> str:
    """A new window token: the window that loaded the attempt last is the one that may write.

    The token and the sequence number the new window continues from are read under the row lock
    (``attempt.last_seq`` is refreshed), so a save from the old window cannot slip in between.
    """
    token = secrets.token_hex(16)
    with transaction.atomic():
        locked = _locked(attempt.pk)
        if locked.is_open:
            locked.writer = token
            locked.save(update_fields=["writer"])
    attempt.writer, attempt.last_seq = token, locked.last_seq
    return token


# --- answers ------------------------------------------------------------------------------------


def _choice(item: dict[str, Any], value: Any, *, single: bool) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise BadAnswer(_("An answer is not in the expected form."))
    order = item["order"]
    if any(not 0 <= i < len(order) for i in value) or len(set(value)) != len(value):
        raise BadAnswer(_("An answer names an option the question does not have."))
    if single and len(value) > 1:
        raise BadAnswer(_("A single-choice question takes one option."))
    return sorted(order[i] for i in value)


def _texts(item: dict[str, Any], value: Any) -> list[str]:
    if value is None:
        return [""] * item.get("blanks", 0)
    if (
        not isinstance(value, list)
        or len(value) != item.get("blanks")
        or not all(isinstance(v, str) for v in value)
    ):
        raise BadAnswer(_("An answer is not in the expected form."))
    if any(len(v) > MAX_BLANK_CHARS for v in value):
        raise BadAnswer(_("An answer is too long."))
    return value


def stored_response(item: dict[str, Any], value: Any) -> Any:
    """What the browser sent for one question, checked and mapped to the question's own option order."""
    kind = item["kind"]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return _choice(item, value, single=kind == QuestionKind.SINGLE)
    if kind == QuestionKind.TRUEFALSE:
        if value is not None and not isinstance(value, bool):
            raise BadAnswer(_("An answer is not in the expected form."))
        return value
    if kind == QuestionKind.FILL:
        return _texts(item, value)
    if value is not None and not isinstance(value, str):
        raise BadAnswer(_("An answer is not in the expected form."))
    if value and len(value) > MAX_ESSAY_CHARS:
        raise BadAnswer(_("An answer is too long."))
    return value or ""


def browser_response(item: dict[str, Any], stored: Any) -> Any:
    """A stored response in the shuffled positions the member sees (the inverse of ``stored_response``)."""
    if item["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        position = {original: shown for shown, original in enumerate(item["order"])}
        return sorted(position[i] for i in stored or [] if i in position)
    return stored


def _checked_answers(attempt: Attempt, answers: Any) -> dict[int, Any]:
    if not isinstance(answers, dict):
        raise BadAnswer(_("The answers are not in the expected form."))
    checked = {}
    for key, value in answers.items():
        try:
            position = int(key)
        except (TypeError, ValueError):
            raise BadAnswer(_("An answer is for a question that is not in this attempt.")) from None
        if not 0 <= position < len(attempt.layout):
            raise BadAnswer(_("An answer is for a question that is not in this attempt."))
        checked[position] = stored_response(attempt.layout[position], value)
    return checked


def _digest(writer: str, seq: int, answers: Any) -> str:
    body = json.dumps([writer, seq, answers], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _write_answers(attempt: Attempt, answers: dict[int, Any], *, seq: int, now: datetime.datetime) -> None:
    """New and changed answers in one upsert (an answer sent again unchanged keeps its seq and time);
    every answer sent goes to the log."""
    stored = dict(attempt.answers.filter(position__in=answers).values_list("position", "response"))
    written = [
        AttemptAnswer(attempt=attempt, position=position, response=response, seq=seq, saved_at=now)
        for position, response in answers.items()
        if position not in stored or stored[position] != response
    ]
    if written:
        AttemptAnswer.objects.bulk_create(
            written,
            update_conflicts=True,
            unique_fields=["attempt", "position"],
            update_fields=["response", "seq", "saved_at"],
        )
    log = [AnswerLogEntry(attempt=attempt, position=p, response=r, seq=seq) for p, r in answers.items()]
    AnswerLogEntry.objects.bulk_create(log)


@dataclass(frozen=True)
class Saved:
    seq: int
    duplicate: bool


def _accept(attempt: Attempt, *, writer: str, seq: Any, answers: Any, now: datetime.datetime) -> Saved:
    """Check and store one save on a locked, open attempt."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise BadAnswer(_("The save is missing its sequence number."))
    if writer != attempt.writer:
        raise StaleWrite(
            _("This exam was opened in another window or device. Continue there, or reload this page."),
            code="other_window",
        )
    digest = _digest(writer, seq, answers)
    if seq == attempt.last_seq and digest == attempt.last_digest:
        return Saved(seq=seq, duplicate=True)
    if seq <= attempt.last_seq:
        raise StaleWrite(_("These answers are older than what is already saved. Reload the page."))
    checked = _checked_answers(attempt, answers)
    _write_answers(attempt, checked, seq=seq, now=now)
    attempt.last_seq, attempt.last_digest = seq, digest
    attempt.save(update_fields=["last_seq", "last_digest"])
    return Saved(seq=seq, duplicate=False)


def _locked(attempt_id: int) -> Attempt:
    """The attempt row locked, and only it: the exam row stays free for every other examinee."""
    return Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt_id)


def _past_grace(attempt: Attempt, now: datetime.datetime) -> bool:
    return now > attempt.deadline + datetime.timedelta(seconds=attempt.exam.grace_seconds)


@transaction.atomic(durable=True)
def attempt_save(*, attempt: Attempt, writer: str, seq: Any, answers: Any) -> Saved:
    """Store changed answers; refuses stale, malformed, late and finished saves with an ExamError."""
    now = timezone.now()  # when the save arrived, not when the lock was granted
    locked = _locked(attempt.pk)
    if not locked.is_open:
        raise AttemptFinished(_("This attempt has already been submitted."))
    if _past_grace(locked, now):
        raise DeadlinePassed(_("Time is up: answers can no longer be changed."))
    return _accept(locked, writer=writer, seq=seq, answers=answers, now=now)


def attempt_submit(*, attempt: Attempt, writer: str, seq: Any = None, answers: Any = None) -> Attempt:
    """Store the last answers (if any) and submit; submitting again returns the submitted attempt.

    Only the attempt's current window may submit. Submitting a closed attempt again is accepted only
    when it carries nothing new: answers that were never stored get ``AttemptFinished`` (409), so the
    page keeps them and says so instead of showing a result without them.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = _locked(attempt.pk)
        if not locked.is_open:
            if answers and _digest(writer, seq, answers) != locked.last_digest:
                raise AttemptFinished(_("This attempt was already submitted without your latest answers."))
            return locked
        if writer != locked.writer:
            raise StaleWrite(
                _("This exam was opened in another window or device. Continue there, or reload this page."),
                code="other_window",
            )
        if _past_grace(locked, now):
            _close_overdue(locked, now=now)
            return locked
        if answers:
            _accept(locked, writer=writer, seq=seq, answers=answers, now=now)
        _finish(locked, by=Attempt.Finish.MEMBER, now=now)
        return locked


def _finish(attempt: Attempt, *, by: str, now: datetime.datetime) -> None:
    attempt.state = Attempt.State.SUBMITTED
    attempt.submitted_at = now
    attempt.finished_by = by
    attempt.save(update_fields=["state", "submitted_at", "finished_by"])
    attempt_grade(attempt=attempt)


def _close_overdue(attempt: Attempt, *, now: datetime.datetime) -> None:
    if attempt.exam.overdue_action == Exam.Overdue.DISCARD:
        attempt.state = Attempt.State.DISCARDED
        attempt.save(update_fields=["state"])
        return
    _finish(attempt, by=Attempt.Finish.DEADLINE, now=min(now, attempt.deadline))


def attempt_close_if_overdue(*, attempt: Attempt) -> bool:
    """Submit (or discard) an attempt whose deadline and grace have passed; True if it closed it."""
    if not attempt.is_open or not _past_grace(attempt, timezone.now()):
        return False
    with transaction.atomic():
        locked = _locked(attempt.pk)
        if not locked.is_open:
            return True
        _close_overdue(locked, now=timezone.now())
    attempt.refresh_from_db()
    return True


def attempts_close_overdue() -> int:
    """Close every overdue open attempt (the periodic task); returns how many it closed."""
    overdue = Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline__lt=timezone.now())
    closed = 0
    for attempt in overdue.select_related("exam").iterator():
        closed += attempt_close_if_overdue(attempt=attempt)
    return closed
