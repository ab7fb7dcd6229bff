"""GIFT, Moodle's plain-text question format, read the way Moodle's own importer reads it.

This follows ``question/format/gift/format.php``: questions are separated by blank lines,
lines starting with ``//`` are comments, the answer block is the ``{…}`` in the question,
and the question type is decided from what the block holds, in Moodle's order. Where
Moodle would quietly import something odd (a second answer block, a weight that is not
a number) the question is reported as an error instead, so the teacher can fix the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from exams.imports import text as t
from exams.imports.types import (
    ESSAY,
    FILL,
    MULTIPLE,
    SINGLE,
    TRUEFALSE,
    WEIGHTED,
    Accepted,
    ImportResult,
    Option,
    ParsedQuestion,
    Problem,
)

CATEGORY = "$CATEGORY:"
MISSING_WORD = "_____"
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}

# Escaped control characters are swapped for private-use placeholders while the question is
# taken apart, and put back (as the plain character) when a piece of text is finished.
_ESCAPED = re.compile(r"\\([\\:#={}~n])")
_PLACEHOLDERS = {char: chr(0xE000 + index) for index, char in enumerate("\\:#={}~n")}
_RESTORED = str.maketrans({ph: ("\n" if char == "n" else char) for char, ph in _PLACEHOLDERS.items()})
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"%([^%]*)%")


class _LeftOut(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


@dataclass
class _Block:
    line: int  # the first line that is not a comment
    text: str

    @property
    def is_category(self) -> bool:
        return self.text.startswith(CATEGORY)


def parse_gift(text: str) -> ImportResult:
    blocks = list(_blocks(t.check_text(text)))
    questions = sum(1 for block in blocks if not block.is_category)
    t.check_count(questions)
    if not questions:
        raise t.no_questions()
    result = ImportResult()
    category: list[str] = []
    for block in blocks:
        if block.is_category:
            category = t.category_path(_restore(block.text.removeprefix(CATEGORY)))
        else:
            _read_block(block, category, result)
    return result


def _blocks(text: str) -> Iterator[_Block]:
    """Questions are the runs of lines between blank lines; ``$CATEGORY:`` lines stand alone."""
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(t.split_lines(text), start=1):
        line = raw.strip()
        if line.startswith("//"):
            continue
        if not line or line.startswith(CATEGORY):
            if lines:
                yield _Block(start, "\n".join(lines))
            lines = []
            if line:
                yield _Block(number, line)
            continue
        start = start if lines else number
        lines.append(line)
    if lines:
        yield _Block(start, "\n".join(lines))


def _read_block(block: _Block, category: list[str], result: ImportResult) -> None:
    where = t.line_where(block.line)
    title, body = _split_title(_ESCAPED.sub(lambda match: _PLACEHOLDERS[match[1]], block.text))
    try:
        question = _question(body, title=title, where=where)
    except _LeftOut as left_out:
        label = title or t.excerpt(_restore(body))
        result.skipped.append(t.left_out(where=where, title=label, kind=left_out.kind))
        return
    except ValueError as error:
        result.errors.append(Problem(where=where, message=str(error)))
        return
    errors = t.question_errors(question)
    result.errors.extend(Problem(where=where, message=message) for message in errors)
    if not errors:
        question.category = list(category)
        result.questions.append(question)


def _split_title(text: str) -> tuple[str, str]:
    if text.startswith("::") and "::" in text[2:]:
        title, body = text[2:].split("::", 1)
        return _restore(title).strip(), body.strip()
    return "", text


def _question(text: str, *, title: str, where: str) -> ParsedQuestion:
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        raise _LeftOut("description")
    if text.count("{") != 1 or text.count("}") != 1 or finish < start:
        raise ValueError(
            _(
                "The braces do not match: a question has exactly one {…} answer block "
                "(write \\{ and \\} for braces in the text)."
            )
        )
    answer, after = text[start + 1 : finish].strip(), text[finish + 1 :]
    stem_text, fmt = _format(text[:start] + (MISSING_WORD if after else "") + after)
    answer, _sep, feedback = answer.rpartition("####") if "####" in answer else (answer, "", "")
    question = ParsedQuestion(kind=ESSAY, stem=_html(stem_text, fmt), where=where, title=title)
    question.explanation = _html(*_format(feedback, fmt))
    _read_answer(question, answer.strip(), fmt)
    return question


def _read_answer(question: ParsedQuestion, answer: str, fmt: str) -> None:
    """Moodle's order: essay, numerical, multiple choice, matching, true/false, short answer."""
    verdict = answer.partition("#")[0].strip()
    if not answer:
        return
    if answer.startswith("#"):
        question.kind = FILL
        question.blanks = [_numbers(answer[1:], fmt)]
    elif "~" in answer:
        question.kind = SINGLE if "=" in answer else MULTIPLE
        question.partial_credit = WEIGHTED if question.kind == MULTIPLE else question.partial_credit
        question.options = [_option(part, fmt) for part in _parts(answer.replace("=", "~="), "~")]
    elif "=" in answer and "->" in answer:
        raise _LeftOut("matching")
    elif verdict in TRUE_FALSE:
        question.kind = TRUEFALSE  # the feedback after #wrong#right has no place in our model
        question.correct = TRUE_FALSE[verdict]
    else:
        question.kind = FILL
        question.blanks = [[_accepted(part, fmt) for part in _parts(answer, "=")]]


def _parts(answer: str, separator: str) -> list[str]:
    return [part.strip() for part in answer.split(separator) if part.strip()]


def _option(part: str, fmt: str) -> Option:
    fraction, part = _weight(part, default=0.0)
    text, _sep, feedback = part.partition("#")
    return Option(text=_html(*_format(text, fmt)), fraction=fraction, feedback=_html(*_format(feedback, fmt)))


def _accepted(part: str, fmt: str) -> Accepted:
    fraction, part = _weight(part, default=1.0)
    text, _sep, feedback = part.partition("#")
    return Accepted(
        text=_restore(_format(text, fmt)[0]), fraction=fraction, feedback=_html(*_format(feedback, fmt))
    )


def _numbers(answer: str, fmt: str) -> list[Accepted]:
    """``{#3.14:0.01}``, ``{#1..5}``, ``{#=1921 =%50%1920..1922}``; ``~#…`` is wrong-answer feedback."""
    accepted = []
    for part in _parts(answer.partition("~")[0], "="):
        fraction, part = _weight(part, default=1.0)
        value, _sep, feedback = part.partition("#")
        value = _restore(_format(value, fmt)[0])
        if value == "*":
            continue
        low, high = t.numeric_range(value)
        accepted.append(
            Accepted(min=low, max=high, fraction=fraction, feedback=_html(*_format(feedback, fmt)))
        )
    if not accepted:
        raise ValueError(_("The answer is missing."))
    return accepted


def _weight(part: str, *, default: float) -> tuple[float, str]:
    if part.startswith("="):
        return 1.0, part[1:].strip()
    match = _WEIGHT.match(part)
    if match:
        return t.weight(match[1].strip()), part[match.end() :].strip()
    return default, part


def _format(text: str, default: str = "moodle") -> tuple[str, str]:
    """A leading ``[html]``, ``[moodle]``, ``[plain]`` or ``[markdown]`` sets how the text is read."""
    text = text.strip()
    match = _FORMAT.match(text)
    return (text[match.end() :].strip(), match[1]) if match else (text, default)


def _html(text: str, fmt: str) -> str:
    """HTML is passed on as written (the import service cleans it); everything else is escaped."""
    text = _restore(text).strip()
    return text if fmt == "html" else t.plain_to_html(text)


def _restore(text: str) -> str:
    return text.translate(_RESTORED)
