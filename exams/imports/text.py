"""Small pieces every question parser needs, so that all formats say things the same way.

Plain text becomes HTML here (escaped, line breaks kept) because the rest of the bank
stores HTML; locations and the shared whole-file checks live here so the preview reads
alike whether the file was GIFT, Moodle XML, Aiken or Excel.
"""

from __future__ import annotations

import html
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from exams.imports.types import (
    FILL,
    MULTIPLE,
    SINGLE,
    WEIGHTED,
    InvalidQuestionFile,
    Option,
    ParsedQuestion,
    Problem,
)

MAX_QUESTIONS = 5000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
TITLE_EXCERPT = 30
FULL = 0.9999  # a fraction this close to 1 is full marks (Moodle writes 83.33333 + 16.66667)

_NEWLINES = re.compile(r"\r\n|\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>|</(?:div|li|h\d)>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_LETTER_SEPARATORS = re.compile(r"[\s,、;/]+")


def max_upload_bytes() -> int:
    return getattr(settings, "QUESTION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


# --- Text and HTML --------------------------------------------------------------------------


def plain_to_html(text: str) -> str:
    """Escape plain text for the HTML fields and keep its line breaks as ``<br>``."""
    return html.escape(_NEWLINES.sub("\n", text).strip(), quote=False).replace("\n", "<br>")


def html_to_plain(markup: str) -> str:
    """The reverse for exports: tags dropped, ``<br>`` and paragraphs back to line breaks."""
    text = _TAGS.sub("", _BREAKS.sub("\n", markup))
    return html.unescape(text).strip()


def excerpt(markup: str) -> str:
    """A short plain-text label for a question that has no title."""
    text = " ".join(html_to_plain(markup).split())
    return text if len(text) <= TITLE_EXCERPT else text[:TITLE_EXCERPT] + "…"


def split_lines(text: str) -> list[str]:
    return _NEWLINES.sub("\n", text).split("\n")


# --- Locations ------------------------------------------------------------------------------


def row_where(row: int) -> str:
    return _("Row %(row)s") % {"row": row}


def line_where(line: int) -> str:
    return _("Line %(line)s") % {"line": line}


def question_where(number: int, title: str = "") -> str:
    if not title:
        return _("Question %(number)s") % {"number": number}
    label = title if len(title) <= TITLE_EXCERPT else title[:TITLE_EXCERPT] + "…"
    return _("Question %(number)s “%(title)s”") % {"number": number, "title": label}


# --- Values shared by several formats ---------------------------------------------------------


def mark(raw: object, *, shown: object = None) -> Decimal:
    """A positive mark (分值, <defaultgrade>) as a Decimal without needless trailing zeros."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0:
        raise ValueError(
            _("The mark must be a positive number, not “%(value)s”.")
            % {"value": raw if shown is None else shown}
        )
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def category_path(raw: str) -> list[str]:
    """``$course$/top/党章/总纲`` → ``["党章", "总纲"]``; Moodle writes a slash inside a name as ``//``."""
    parts = [part.replace("\0", "/").strip() for part in raw.replace("//", "\0").split("/")]
    parts = [part for part in parts if part]
    if parts and re.fullmatch(r"\$[a-z0-9]+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return parts


def numeric_range(raw: str) -> tuple[float, float]:
    """GIFT's three numeric forms: ``1921``, ``3.14:0.01`` (value and margin) and ``1..5`` (a range)."""
    value = raw.strip()
    try:
        if ".." in value[1:]:
            low, high = (Decimal(part) for part in value.split("..", 1))
        elif ":" in value[1:]:
            centre, margin = (Decimal(part) for part in value.split(":", 1))
            low, high = centre - abs(margin), centre + abs(margin)
        else:
            low = high = Decimal(value)
    except InvalidOperation:
        low = high = Decimal("NaN")
    if not (low.is_finite() and high.is_finite()) or low > high:
        raise ValueError(
            _("“%(value)s” is not a number or a range such as 1921, 3.14:0.01 or 1..5.") % {"value": raw}
        )
    return float(low), float(high)


# --- Whole-file checks ----------------------------------------------------------------------


def check_size(data: bytes) -> None:
    limit = max_upload_bytes()
    if len(data) > limit:
        raise InvalidQuestionFile(
            _("The file is %(size)s; files up to %(max)s can be imported.")
            % {"size": filesizeformat(len(data)), "max": filesizeformat(limit)}
        )
    if not data.strip():
        raise InvalidQuestionFile(_("The uploaded file is empty."))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, which Chinese Windows editors still save."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return check_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise not_text()


def check_text(text: str) -> str:
    """Refuse binary data handed in as text; a trailing DOS end-of-file mark is tolerated."""
    text = text.removeprefix("\ufeff").rstrip("\x1a")
    if _CONTROL.search(text):
        raise not_text()
    return text


def not_text() -> InvalidQuestionFile:
    return InvalidQuestionFile(
        _("The file could not be read as text. Save it as plain text (UTF-8) and upload it again.")
    )


def check_count(count: int) -> None:
    if count > MAX_QUESTIONS:
        raise InvalidQuestionFile(
            _("The file has more than %(max)s questions; split it into several files.")
            % {"max": MAX_QUESTIONS}
        )


def no_questions() -> InvalidQuestionFile:
    return InvalidQuestionFile(_("No questions were found in the file."))


# --- Checks every format applies -------------------------------------------------------------


def weight(raw: str) -> float:
    """A Moodle/GIFT answer weight in percent (``50``, ``-33.33333``) as a fraction of 1."""
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not -100 <= value <= 100:
        raise ValueError(
            _("“%(value)s” is not a valid answer weight; write a percentage between -100 and 100.")
            % {"value": raw}
        )
    return round(value / 100, 7)


def choice_letters(raw: str, *, kind: str) -> list[str]:
    """``ABD``, ``A,B,D``, ``A、B、D``, ``a b d`` or full-width ``ＡＢ`` → ``["A", "B", "D"]``."""
    folded = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if not re.fullmatch(r"[A-Z]+", folded):
        raise ValueError(
            _("“%(value)s” is not a valid answer; write the letters of the correct options, e.g. ABD.")
            % {"value": raw}
        )
    letters = list(dict.fromkeys(folded))
    if kind == SINGLE and len(letters) > 1:
        raise ValueError(
            _("Single choice allows only one correct option; %(count)s are marked correct.")
            % {"count": len(letters)}
        )
    return letters


def mark_correct(options: dict[str, Option], letters: list[str]) -> None:
    """Give the options named by ``letters`` full marks; letters that name no option are an error."""
    unknown = [letter for letter in letters if letter not in options]
    if unknown:
        raise ValueError(
            _("The answer “%(letter)s” is not one of the options.") % {"letter": "、".join(unknown)}
        )
    for letter in letters:
        options[letter].fraction = 1.0


def question_errors(question: ParsedQuestion, *, check_answer: bool = True) -> list[str]:
    """What makes a parsed question unusable, whichever file it came from.

    ``check_answer=False`` when the parser has already reported a wrong answer, so the
    teacher does not also read that no option is correct.
    """
    errors = []
    if not html_to_plain(question.stem) and "<img" not in question.stem:
        errors.append(_("The question text is empty."))
    if question.kind in (SINGLE, MULTIPLE) and len(question.options) < 2:
        errors.append(_("A choice question needs at least two options."))
    elif question.kind in (SINGLE, MULTIPLE) and check_answer:
        errors.extend(_choice_errors(question))
    if question.kind == FILL and check_answer:
        errors.extend(_blank_errors(question))
    return errors


def _choice_errors(question: ParsedQuestion) -> list[str]:
    full = sum(1 for option in question.options if option.fraction >= FULL)
    positive = sum(option.fraction for option in question.options if option.fraction > 0)
    weighted = question.kind == MULTIPLE and question.partial_credit == WEIGHTED
    if not (positive if weighted else full):
        return [_("No option is marked as correct.")]
    if question.kind == SINGLE and full > 1:
        return [
            _("Single choice allows only one correct option; %(count)s are marked correct.") % {"count": full}
        ]
    if weighted and abs(positive - 1) > 0.001:
        return [
            _("The weights of the correct options add up to %(total)s instead of %(full)s.")
            % {"total": f"{positive * 100:g}%", "full": "100%"}
        ]
    return []


def _blank_errors(question: ParsedQuestion) -> list[str]:
    if not question.blanks or not all(question.blanks):
        return [_("The answer is missing.")]
    if not all(any(accepted.fraction >= FULL for accepted in blank) for blank in question.blanks):
        return [_("None of the accepted answers scores full marks.")]
    return []


def left_out(*, where: str, title: str, kind: str) -> Problem:
    """A question of a type we do not import (matching, cloze, a description ...)."""
    return Problem(
        where=where,
        message=_("“%(title)s” was left out: %(type)s questions cannot be imported.")
        % {"title": title, "type": kind},
    )
