"""Aiken, the simplest plain-text format for single-choice questions.

A question is its text (one or more lines), the options ``A. …`` one per line and an
``ANSWER: B`` line that ends it. Chinese teachers type ``Ａ．``, ``A、`` and ``答案：B``,
so those are read too. A question that reaches the next one without an answer line is
reported rather than guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from exams.imports import text as t
from exams.imports.types import SINGLE, ImportResult, Option, ParsedQuestion, Problem

_OPTION = re.compile(r"([A-ZＡ-Ｚ])\s*[.)．）、]\s*(.*)")
_ANSWER = re.compile(r"(?:ANSWER|答案)\s*[:：]\s*(.*)", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem: list[str] = field(default_factory=list)
    options: dict[str, Option] = field(default_factory=dict)
    answer: str | None = None


def looks_like_aiken(text: str) -> bool:
    """Aiken files have answer lines and no GIFT answer blocks."""
    lines = [line.strip() for line in t.split_lines(text)]
    return "{" not in text and any(_ANSWER.fullmatch(line) for line in lines)


def parse_aiken(text: str) -> ImportResult:
    drafts = list(_drafts(t.check_text(text)))
    t.check_count(len(drafts))
    if not drafts:
        raise t.no_questions()
    result = ImportResult()
    for draft in drafts:
        _read_draft(draft, result)
    return result


def _drafts(text: str) -> Iterator[_Draft]:
    draft: _Draft | None = None
    for number, raw in enumerate(t.split_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        answer, option = _ANSWER.fullmatch(line), _OPTION.fullmatch(line)
        if draft is None or (draft.options and not answer and not option):
            if draft is not None:
                yield draft  # the next question began before this one had an answer line
            draft = _Draft(line=number)
        if answer:
            draft.answer = answer[1]
            yield draft
            draft = None
        elif option:
            draft.options[unicodedata.normalize("NFKC", option[1])] = Option(text=t.plain_to_html(option[2]))
        else:
            draft.stem.append(line)
    if draft is not None:
        yield draft


def _read_draft(draft: _Draft, result: ImportResult) -> None:
    where = t.line_where(draft.line)
    question = ParsedQuestion(
        kind=SINGLE,
        stem=t.plain_to_html("\n".join(draft.stem)),
        where=where,
        options=list(draft.options.values()),
    )
    answer_errors = _answer_errors(draft)
    errors = answer_errors + t.question_errors(question, check_answer=not answer_errors)
    result.errors.extend(Problem(where=where, message=message) for message in errors)
    if not errors:
        result.questions.append(question)


def _answer_errors(draft: _Draft) -> list[str]:
    if not (draft.answer or "").strip():
        return [_("The answer is missing.")]
    try:
        t.mark_correct(draft.options, t.choice_letters(draft.answer, kind=SINGLE))
    except ValueError as error:
        return [str(error)]
    return []
