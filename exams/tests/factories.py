"""Question bank, exams and attempts for tests, written through the services the app uses."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from exams.models import Exam, ExamSlot, PartialCredit, Question, QuestionCategory, QuestionKind
from exams.services.bank import QuestionContent, question_create


def category(
    name: str = "党章知识", *, parent: QuestionCategory | None = None, **fields: Any
) -> QuestionCategory:
    if parent is not None:
        return parent.add_child(name=name, **fields)
    return QuestionCategory.add_root(name=name, **fields)


def _options(texts: list[str], correct: set[int]) -> list[dict[str, Any]]:
    return [{"text": text, "fraction": 1.0 if i in correct else 0.0} for i, text in enumerate(texts)]


def single_choice(
    cat: QuestionCategory,
    stem: str = "中国共产党的最高理想和最终目标是什么？",
    options: list[str] | None = None,
    correct: int = 0,
    **fields: Any,
) -> Question:
    texts = options or ["实现共产主义", "全面建成小康社会", "实现四个现代化", "建设社会主义新农村"]
    content = QuestionContent(
        kind=QuestionKind.SINGLE, stem=stem, options=_options(texts, {correct}), **fields
    )
    return question_create(category=cat, content=content)


def multiple_choice(
    cat: QuestionCategory,
    stem: str = "党的纪律包括哪些？",
    options: list[str] | None = None,
    correct: set[int] | None = None,
    partial_credit: str = PartialCredit.ALL_OR_NOTHING,
    **fields: Any,
) -> Question:
    texts = options or ["政治纪律", "组织纪律", "廉洁纪律", "娱乐纪律"]
    content = QuestionContent(
        kind=QuestionKind.MULTIPLE,
        stem=stem,
        options=_options(texts, correct if correct is not None else {0, 1, 2}),
        partial_credit=partial_credit,
        **fields,
    )
    return question_create(category=cat, content=content)


def true_false(
    cat: QuestionCategory, stem: str = "预备党员的预备期为一年。", correct: bool = True, **fields
) -> Question:
    content = QuestionContent(kind=QuestionKind.TRUEFALSE, stem=stem, answer={"correct": correct}, **fields)
    return question_create(category=cat, content=content)


def fill_in(
    cat: QuestionCategory,
    stem: str = "党的最高领导机关是党的____和它所产生的中央委员会。",
    blanks: list[list[str]] | None = None,
    **fields: Any,
) -> Question:
    accepted = [
        [{"text": t, "fraction": 1.0} for t in blank]
        for blank in (blanks or [["全国代表大会", "全国代表大会"]])
    ]
    content = QuestionContent(kind=QuestionKind.FILL, stem=stem, answer={"blanks": accepted}, **fields)
    return question_create(category=cat, content=content)


def essay(
    cat: QuestionCategory, stem: str = "结合工作实际，谈谈如何发挥党员先锋模范作用。", **fields
) -> Question:
    fields.setdefault("mark", Decimal("10"))
    content = QuestionContent(
        kind=QuestionKind.ESSAY, stem=stem, rubric="联系实际 5 分，观点明确 5 分。", **fields
    )
    return question_create(category=cat, content=content)


def exam(org_unit, *, questions: list[Question] = (), **fields: Any) -> Exam:
    """A published exam open now for a day, with one fixed slot per question."""
    now = timezone.now()
    fields.setdefault("title", "党章党规结业考试")
    fields.setdefault("status", Exam.Status.PUBLISHED)
    fields.setdefault("opens_at", now - datetime.timedelta(hours=1))
    fields.setdefault("closes_at", now + datetime.timedelta(days=1))
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_options", False)
    created = Exam.objects.create(org_unit=org_unit, **fields)
    for order, question in enumerate(questions):
        ExamSlot.objects.create(exam=created, sort_order=order, question=question)
    return created
