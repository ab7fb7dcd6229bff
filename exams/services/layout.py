"""Drawing an attempt's questions: fixed slots, random draws by category, type and difficulty, shuffles."""

from __future__ import annotations

import random
from typing import Any

from django.utils.translation import gettext as _

from exams.exceptions import ExamError
from exams.models import Exam, Question, QuestionKind

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


def _item(version, mark, *, shuffle_options: bool, rng: random.Random) -> dict[str, Any]:
    order = list(range(len(version.options)))
    if shuffle_options and version.kind in CHOICE_KINDS:
        rng.shuffle(order)
    item = {"version": version.pk, "kind": version.kind, "mark": str(mark or version.mark), "order": order}
    if version.kind == QuestionKind.FILL:
        item["blanks"] = len(version.answer.get("blanks", []))
    return item


def _drawn(slot, used: set[int], rng: random.Random) -> list[Question]:
    candidates = Question.objects.live().in_category(
        slot.category, with_subcategories=slot.include_subcategories
    )
    if slot.kind:
        candidates = candidates.filter(kind=slot.kind)
    if slot.difficulty:
        candidates = candidates.filter(difficulty=slot.difficulty)
    ids = list(candidates.exclude(pk__in=used).values_list("pk", flat=True))
    if len(ids) < slot.count:
        raise ExamError(
            _("This exam cannot draw its questions (the bank has too few); please tell the exam organizer."),
            code="bank_too_small",
        )
    chosen = rng.sample(ids, slot.count)
    found = Question.objects.select_related("current_version").in_bulk(chosen)
    return [found[pk] for pk in chosen]


def layout_draw(exam: Exam, *, rng: random.Random | None = None) -> list[dict[str, Any]]:
    """The frozen list of questions for a new attempt; raises ``ExamError`` if it cannot be drawn."""
    rng = rng or random.SystemRandom()
    slots = list(exam.slots.select_related("question__current_version", "category"))
    # Fixed questions are reserved first, so a random draw never takes one and leaves its slot empty.
    items, used = [], {slot.question_id for slot in slots if not slot.is_random}
    drawn: set[int] = set()
    for slot in slots:
        questions = _drawn(slot, used, rng) if slot.is_random else [slot.question]
        for question in questions:
            if question.current_version is None or question.pk in drawn:
                continue
            used.add(question.pk)
            drawn.add(question.pk)
            items.append(
                _item(question.current_version, slot.mark, shuffle_options=exam.shuffle_options, rng=rng)
            )
    if not items:
        raise ExamError(_("This exam has no questions yet."), code="no_questions")
    if exam.shuffle_questions:
        rng.shuffle(items)
    return items
