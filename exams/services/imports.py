"""Question files: upload, preview, and a write that is all or nothing.

The upload is parsed once to refuse unreadable files before anything is stored; the
preview and the final write parse the stored bytes again, so what is written is exactly
what was previewed and no half-parsed state is kept anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.exceptions import ExamError
from exams.imports import parse_upload
from exams.imports.types import Accepted, ImportResult, InvalidQuestionFile, Option, ParsedQuestion, Problem
from exams.models import QuestionCategory, QuestionImport, QuestionKind, QuestionVersion
from exams.services.bank import QuestionContent, question_add, validate
from school.services.audit import audit_record


class ImportRefused(ExamError):
    code = "import_refused"


def _option(option: Option) -> dict[str, Any]:
    data: dict[str, Any] = {"text": option.text, "fraction": option.fraction}
    if option.feedback:
        data["feedback"] = option.feedback
    return data


def _accepted(item: Accepted) -> dict[str, Any]:
    data: dict[str, Any] = {"fraction": item.fraction}
    if item.text is not None:
        data["text"] = item.text
    else:
        data["min"], data["max"] = item.min, item.max
    return data


def content_from_parsed(parsed: ParsedQuestion) -> QuestionContent:
    answer: dict[str, Any] = {}
    if parsed.kind == QuestionKind.TRUEFALSE:
        answer = {"correct": parsed.correct}
    elif parsed.kind == QuestionKind.FILL:
        answer = {"blanks": [[_accepted(a) for a in blank] for blank in parsed.blanks]}
    return QuestionContent(
        kind=parsed.kind,
        stem=parsed.stem,
        options=[_option(o) for o in parsed.options],
        answer=answer,
        partial_credit=parsed.partial_credit,
        explanation=parsed.explanation,
        rubric=parsed.rubric,
        mark=parsed.mark if parsed.mark is not None else Decimal("1"),
        difficulty=parsed.difficulty,
        tags=list(parsed.tags),
        title=parsed.title,
    )


def parsed_from_version(version: QuestionVersion, *, category: list[str]) -> ParsedQuestion:
    """The other way round, for exporting the bank to Excel."""
    blanks = [
        [
            Accepted(text=a.get("text"), min=a.get("min"), max=a.get("max"), fraction=a.get("fraction", 1.0))
            for a in blank
        ]
        for blank in version.answer.get("blanks", [])
    ]
    return ParsedQuestion(
        kind=version.kind,
        stem=version.stem,
        where="",
        title=version.title,
        options=[Option(o["text"], o.get("fraction", 0.0), o.get("feedback", "")) for o in version.options],
        partial_credit=version.partial_credit,
        correct=version.answer.get("correct"),
        blanks=blanks,
        rubric=version.rubric,
        explanation=version.explanation,
        mark=version.mark,
        difficulty=version.difficulty,
        category=category,
        tags=list(version.tags),
    )


@dataclass
class Preview:
    result: ImportResult
    contents: list[QuestionContent] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def can_import(self) -> bool:
        return not self.errors and bool(self.contents)


def _parse(name: str, data: bytes) -> ImportResult:
    try:
        return parse_upload(name=name, data=data)
    except InvalidQuestionFile as refused:
        raise ImportRefused(refused.message) from refused


def import_preview(question_import: QuestionImport) -> Preview:
    """Parse the stored file and check each question as the bank would; nothing is written."""
    result = _parse(question_import.filename, bytes(question_import.data))
    preview = Preview(result=result, errors=list(result.errors))
    for parsed in result.questions:
        content = content_from_parsed(parsed).cleaned()
        problems = validate(content)
        preview.errors += [Problem(where=parsed.where, message=message) for message in problems]
        preview.contents.append(content)
    if not result.questions and not result.errors:
        preview.errors.append(Problem(where="", message=_("The file contains no questions.")))
    return preview


def question_import_upload(
    *, file: IO[bytes], name: str, size: int | None, category: QuestionCategory, acting_user
) -> QuestionImport:
    """Store an upload for preview; unreadable, empty or oversized files are refused here."""
    limit = settings.QUESTION_IMPORT_MAX_BYTES
    data = file.read(limit + 1)
    if len(data) > limit or (size or 0) > limit:
        raise ImportRefused(
            _("The file is %(size)s; the limit is %(max)s.")
            % {"size": filesizeformat(size or len(data)), "max": filesizeformat(limit)}
        )
    _parse(name, data)
    return QuestionImport.objects.create(
        uploaded_by=acting_user, category=category, filename=name[:200], data=data
    )


def _category_for(root: QuestionCategory, path: list[str], cache: dict[tuple[str, ...], QuestionCategory]):
    node = root
    for depth in range(len(path)):
        key = tuple(path[: depth + 1])
        if key not in cache:
            name = path[depth].strip()[:100]
            child = node.get_children().filter(name=name).first()
            if child is None:  # re-read: treebeard's add_child needs the parent's current numchild
                child = QuestionCategory.objects.get(pk=node.pk).add_child(name=name, course=root.course)
            cache[key] = child
        node = cache[key]
    return node


@transaction.atomic(durable=True)
def question_import_commit(*, question_import: QuestionImport, acting_user) -> int:
    """Write every question of the file, or none: any error refuses the whole file."""
    locked = QuestionImport.objects.select_for_update().get(pk=question_import.pk)
    if locked.status == QuestionImport.Status.IMPORTED:
        return locked.imported_count
    preview = import_preview(locked)
    if not preview.can_import:
        raise ImportRefused(_("The file has errors; correct them and upload it again. Nothing was imported."))
    root = QuestionCategory.objects.get(pk=locked.category_id)
    cache: dict[tuple[str, ...], QuestionCategory] = {}
    for parsed, content in zip(preview.result.questions, preview.contents, strict=True):
        category = _category_for(root, parsed.category, cache)
        question_add(category=category, content=content, acting_user=acting_user)
    locked.status = QuestionImport.Status.IMPORTED
    locked.imported_count = len(preview.contents)
    locked.imported_at = timezone.now()
    locked.save(update_fields=["status", "imported_count", "imported_at"])
    audit_record(
        actor=acting_user,
        action="questions.imported",
        target=locked,
        count=locked.imported_count,
        category=root.name,
    )
    return locked.imported_count
