"""Writing the question bank: every change is a new, immutable version."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from exams.exceptions import InvalidQuestion
from exams.models import PartialCredit, Question, QuestionCategory, QuestionKind, QuestionVersion
from school.richtext import sanitize
from school.services.audit import audit_record

MAX_OPTIONS = 10
MAX_MARK = Decimal("1000")


@dataclass
class QuestionContent:
    """Everything one version says, before it is checked and stored."""

    kind: str
    stem: str
    options: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    partial_credit: str = PartialCredit.ALL_OR_NOTHING
    explanation: str = ""
    rubric: str = ""
    mark: Decimal = Decimal("1")
    difficulty: int | None = None
    tags: list[str] = field(default_factory=list)
    title: str = ""

    def cleaned(self) -> QuestionContent:
        """Sanitized HTML and tidy values; ``validate`` decides whether it is a question."""
        options = [
            {
                "text": sanitize(o.get("text", "")),
                "fraction": float(o.get("fraction", 0)),
                **({"feedback": sanitize(o["feedback"])} if o.get("feedback") else {}),
            }
            for o in self.options
        ]
        tags = [t.strip()[:50] for t in self.tags if t and t.strip()]
        return QuestionContent(
            kind=self.kind,
            stem=sanitize(self.stem),
            options=options if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
            answer=self.answer if self.kind in (QuestionKind.TRUEFALSE, QuestionKind.FILL) else {},
            partial_credit=self.partial_credit
            if self.kind == QuestionKind.MULTIPLE
            else PartialCredit.ALL_OR_NOTHING,
            explanation=sanitize(self.explanation),
            rubric=sanitize(self.rubric) if self.kind == QuestionKind.ESSAY else "",
            mark=self.mark,
            difficulty=self.difficulty,
            tags=list(dict.fromkeys(tags))[:20],
            title=(self.title or "").strip()[:200],
        )


def _has_text(html: str) -> bool:
    return bool(strip_tags(html).strip()) or "<img" in html


def _choice_problems(content: QuestionContent) -> list[str]:
    problems = []
    if not 2 <= len(content.options) <= MAX_OPTIONS:
        problems.append(_("A choice question needs between 2 and %(max)s options.") % {"max": MAX_OPTIONS})
    if any(not _has_text(o["text"]) for o in content.options):
        problems.append(_("Every option needs some text."))
    fractions = [o["fraction"] for o in content.options]
    if any(f > 1 or f < -1 for f in fractions):
        problems.append(_("Option weights must lie between -100% and 100%."))
    correct = [f for f in fractions if f > 0]
    if content.kind == QuestionKind.SINGLE and sum(1 for f in fractions if f >= 0.9999) != 1:
        problems.append(_("A single-choice question needs exactly one correct option."))
    if content.kind == QuestionKind.MULTIPLE and not correct:
        problems.append(_("A multiple-choice question needs at least one correct option."))
    return problems


def _fill_problems(content: QuestionContent) -> list[str]:
    blanks = content.answer.get("blanks")
    if not isinstance(blanks, list) or not blanks:
        return [_("A fill-in question needs at least one blank with an accepted answer.")]
    for accepted in blanks:
        if not isinstance(accepted, list) or not accepted:
            return [_("Every blank needs at least one accepted answer.")]
        for item in accepted:
            text = item.get("text")
            numeric = item.get("min") is not None and item.get("max") is not None
            if not ((isinstance(text, str) and text.strip()) or (numeric and item["min"] <= item["max"])):
                return [_("Every accepted answer needs a text or a numeric range.")]
    return []


def validate(content: QuestionContent) -> list[str]:
    problems = []
    if content.kind not in QuestionKind.values:
        return [_("Unknown question type.")]
    if not _has_text(content.stem):
        problems.append(_("The question text is empty."))
    try:
        mark = Decimal(content.mark)
    except (InvalidOperation, TypeError, ValueError):
        mark = Decimal("-1")
    if not Decimal("0.1") <= mark <= MAX_MARK:
        problems.append(_("Marks must be a number between 0.1 and 1000."))
    if content.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        problems += _choice_problems(content)
    elif content.kind == QuestionKind.TRUEFALSE and not isinstance(content.answer.get("correct"), bool):
        problems.append(_("Say whether the statement is true or false."))
    elif content.kind == QuestionKind.FILL:
        problems += _fill_problems(content)
    return problems


def _checked(content: QuestionContent) -> QuestionContent:
    content = content.cleaned()
    problems = validate(content)
    if problems:
        raise InvalidQuestion(problems)
    return content


def _write_version(
    *, question: Question, content: QuestionContent, number: int, acting_user
) -> QuestionVersion:
    version = QuestionVersion.objects.create(
        question=question, number=number, created_by=acting_user, **asdict(content)
    )
    question.current_version = version
    question.kind = content.kind
    question.difficulty = content.difficulty
    question.save(update_fields=["current_version", "kind", "difficulty", "updated_at"])
    return version


def question_add(*, category: QuestionCategory, content: QuestionContent, acting_user=None) -> Question:
    """Store a new question; inside a caller's transaction when importing many."""
    content = _checked(content)
    question = Question.objects.create(
        category=category, kind=content.kind, difficulty=content.difficulty, created_by=acting_user
    )
    _write_version(question=question, content=content, number=1, acting_user=acting_user)
    return question


@transaction.atomic
def question_create(*, category: QuestionCategory, content: QuestionContent, acting_user=None) -> Question:
    question = question_add(category=category, content=content, acting_user=acting_user)
    audit_record(actor=acting_user, action="question.created", target=question)
    return question


def _same(version: QuestionVersion, content: QuestionContent) -> bool:
    return all(getattr(version, name) == value for name, value in asdict(content).items())


@transaction.atomic
def question_revise(*, question: Question, content: QuestionContent, acting_user=None) -> QuestionVersion:
    """A new version when something changed; attempts keep the version they were given."""
    content = _checked(content)
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current_version
    if current is not None and _same(current, content):
        return current
    number = (current.number if current else 0) + 1
    version = _write_version(question=question, content=content, number=number, acting_user=acting_user)
    audit_record(actor=acting_user, action="question.revised", target=question, version=number)
    return version


def content_of(version: QuestionVersion) -> QuestionContent:
    return QuestionContent(**{name: getattr(version, name) for name in QuestionContent.__dataclass_fields__})
