"""What a member may see of a submitted attempt, and when: the exam's review rules in one place.

Templates and JSON never decide this; they only render what ``attempt_review`` hands them,
so nothing about correct answers can reach the browser before the rules allow it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from exams.grading import is_unanswered, outcome_of
from exams.models import Attempt, Exam, QuestionKind, QuestionVersion


@dataclass(frozen=True)
class ReviewRights:
    score: bool
    correctness: bool
    answers: bool
    explanations: bool


def _allows(exam: Exam, rule: str, now: datetime.datetime) -> bool:
    if rule == Exam.Review.IMMEDIATELY:
        return True
    if rule == Exam.Review.AFTER_CLOSE:  # after the last answer can still arrive: close plus grace
        return now >= exam.closes_at + datetime.timedelta(seconds=exam.grace_seconds)
    return False


def score_visible(exam: Exam, *, now: datetime.datetime | None = None) -> bool:
    """Whether members may see their score (and so passed or not) in this exam now."""
    return _allows(exam, exam.review_score, now or timezone.now())


def review_rights(attempt: Attempt, *, now: datetime.datetime | None = None) -> ReviewRights:
    if attempt.state != Attempt.State.SUBMITTED:
        return ReviewRights(False, False, False, False)
    now = now or timezone.now()
    exam = attempt.exam
    return ReviewRights(
        score=_allows(exam, exam.review_score, now),
        correctness=_allows(exam, exam.review_correctness, now),
        answers=_allows(exam, exam.review_answers, now),
        explanations=_allows(exam, exam.review_explanations, now),
    )


@dataclass
class ReviewedOption:
    label: str
    text: str
    chosen: bool
    correct: bool | None  # None: not to be shown
    feedback: str = ""


@dataclass
class ReviewedQuestion:
    number: int
    kind: str
    kind_label: str
    stem: str
    full_mark: Decimal
    options: list[ReviewedOption] = field(default_factory=list)
    response: Any = None
    mark: Decimal | None = None  # None: hidden or not graded yet
    outcome: str | None = None
    accepted: list[list[str]] | None = None  # fill-in, when answers may be shown
    correct_value: bool | None = None  # true/false, when answers may be shown
    explanation: str = ""
    comment: str = ""


def _accepted_text(item: dict) -> str:
    return item["text"] if item.get("text") is not None else f"{item['min']:g} – {item['max']:g}"


def _reviewed(
    position: int, item: dict, version: QuestionVersion, answer, rights: ReviewRights
) -> ReviewedQuestion:
    response = answer.response if answer else None
    full = Decimal(item["mark"])
    mark = answer.mark if answer else None
    question = ReviewedQuestion(
        number=position + 1,
        kind=version.kind,
        kind_label=QuestionKind(version.kind).label,
        stem=version.stem,
        full_mark=full,
        response=response,
    )
    if version.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = set(response or [])
        for shown, original in enumerate(item["order"]):
            option = version.options[original]
            question.options.append(
                ReviewedOption(
                    label=chr(ord("A") + shown),
                    text=option["text"],
                    chosen=original in chosen,
                    correct=(option.get("fraction", 0) > 0) if rights.answers else None,
                    feedback=option.get("feedback", "") if rights.explanations else "",
                )
            )
    if rights.score:
        question.mark = mark
    if rights.correctness:
        question.outcome = outcome_of(mark, full, unanswered=is_unanswered(response))
    if rights.answers:
        if version.kind == QuestionKind.FILL:
            question.accepted = [
                [_accepted_text(a) for a in blank if a.get("fraction", 1.0) > 0]
                for blank in version.answer.get("blanks", [])
            ]
        elif version.kind == QuestionKind.TRUEFALSE:
            question.correct_value = version.answer.get("correct")
    if rights.explanations:
        question.explanation = version.explanation
    if rights.score and answer is not None:
        question.comment = answer.comment
    return question


def attempt_review(attempt: Attempt, rights: ReviewRights) -> list[ReviewedQuestion]:
    versions = QuestionVersion.objects.in_bulk([item["version"] for item in attempt.layout])
    answers = {a.position: a for a in attempt.answers.all()}
    return [
        _reviewed(position, item, versions[item["version"]], answers.get(position), rights)
        for position, item in enumerate(attempt.layout)
    ]
