"""Moodle XML, the format Moodle exports a question bank in, read like ``question/format/xml/format.php``.

The file is untrusted XML, so it is parsed by defusedxml with document type declarations
refused: no entity expansion (billion laughs), no external entities (a file that asks for
/etc/passwd). Images travel inside the file as base64 ``<file>`` elements that the bank
cannot store; the ``<img>`` is dropped and the preview says so, the question itself stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
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
    InvalidQuestionFile,
    Option,
    ParsedQuestion,
    Problem,
)

_EMBEDDED_IMAGE = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*["']@@PLUGINFILE@@/([^"']*)["'][^>]*>""", re.IGNORECASE
)


class _Texts:
    """Turns Moodle's ``<x format="…"><text>…</text></x>`` into HTML, remembering the images left out."""

    def __init__(self, default_format: str) -> None:
        self.default_format = default_format
        self.images: list[str] = []

    def html(self, node: Element | None) -> str:
        if node is None:
            return ""
        raw = (node.findtext("text") or "").strip()
        if node.get("format", self.default_format) != "html":
            return t.plain_to_html(raw)  # moodle_auto_format, plain_text, markdown
        return _EMBEDDED_IMAGE.sub(self._leave_out_image, raw)

    def _leave_out_image(self, match: re.Match[str]) -> str:
        self.images.append(unquote(match[1]))
        return ""


def parse_moodle_xml(data: bytes) -> ImportResult:
    t.check_size(data)
    elements = _root(data).findall("question")
    count = sum(1 for element in elements if element.get("type") != "category")
    t.check_count(count)
    if not count:
        raise t.no_questions()
    result = ImportResult()
    category: list[str] = []
    number = 0
    for element in elements:
        if element.get("type") == "category":
            category = t.category_path(element.findtext("category/text") or "")
            continue
        number += 1
        _read_question(element, number=number, category=category, result=result)
    return result


def _root(data: bytes) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise InvalidQuestionFile(
            _("The XML file declares a document type or entities, which are not allowed.")
        ) from error
    except ParseError as error:
        line, column = error.position
        raise InvalidQuestionFile(
            _("The file is not valid XML: the error is at line %(line)s, column %(column)s.")
            % {"line": line, "column": column + 1}
        ) from error
    if root.tag != "quiz":
        raise InvalidQuestionFile(
            _("This is not a Moodle XML question file: its root element is <%(root)s>, not <quiz>.")
            % {"root": root.tag}
        )
    return root


def _read_question(element: Element, *, number: int, category: list[str], result: ImportResult) -> None:
    title = (element.findtext("name/text") or "").strip()
    where = t.question_where(number, title)
    stem_node = element.find("questiontext")
    texts = _Texts("html" if stem_node is None else stem_node.get("format", "html"))
    question = ParsedQuestion(kind="", stem=texts.html(stem_node), where=where, title=title)
    reader = _READERS.get(element.get("type", ""))
    if reader is None:
        label = title or t.excerpt(question.stem)
        result.skipped.append(t.left_out(where=where, title=label, kind=element.get("type", "")))
        return
    try:
        _read_common(element, question, texts)
        reader(element, question, texts)
    except ValueError as error:
        result.errors.append(Problem(where=where, message=str(error)))
        return
    errors = t.question_errors(question)
    result.errors.extend(Problem(where=where, message=message) for message in errors)
    if not errors:
        question.category = list(category)
        result.questions.append(question)
        result.skipped.extend(Problem(where=where, message=_image_note(name)) for name in texts.images)


def _image_note(name: str) -> str:
    return _("The image “%(name)s” was left out; add it again after the import.") % {"name": name}


def _read_common(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    question.explanation = texts.html(element.find("generalfeedback"))
    grade = (element.findtext("defaultgrade") or "").strip()
    question.mark = t.mark(grade) if grade else None
    question.tags = [
        tag for tag in ((node.findtext("text") or "").strip() for node in element.findall("tags/tag")) if tag
    ]


def _fraction(answer: Element) -> float:
    return t.weight(answer.get("fraction", "0").strip())


def _multichoice(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
    question.kind = SINGLE if single else MULTIPLE
    question.partial_credit = question.partial_credit if single else WEIGHTED
    question.options = [
        Option(
            text=texts.html(answer), fraction=_fraction(answer), feedback=texts.html(answer.find("feedback"))
        )
        for answer in element.findall("answer")
    ]


def _truefalse(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    question.kind = TRUEFALSE
    fractions = {
        (answer.findtext("text") or "").strip().lower(): _fraction(answer)
        for answer in element.findall("answer")
    }
    if fractions.get("true", 0) >= t.FULL:
        question.correct = True
    elif fractions.get("false", 0) >= t.FULL:
        question.correct = False
    else:
        raise ValueError(_("The true/false answer could not be recognised."))


def _shortanswer(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    question.kind = FILL
    accepted = []
    for answer in element.findall("answer"):
        text = (answer.findtext("text") or "").strip()
        if text:
            feedback = texts.html(answer.find("feedback"))
            accepted.append(Accepted(text=text, fraction=_fraction(answer), feedback=feedback))
    question.blanks = [accepted]


def _numerical(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    """Each answer is a value and a tolerance; ``*`` only carries feedback for any other answer."""
    question.kind = FILL
    accepted = []
    for answer in element.findall("answer"):
        value = (answer.findtext("text") or "").strip()
        if value in ("", "*"):
            continue
        t.numeric_range(value)
        tolerance = (answer.findtext("tolerance") or "").strip() or "0"
        low, high = t.numeric_range(f"{value}:{tolerance}")
        feedback = texts.html(answer.find("feedback"))
        accepted.append(Accepted(min=low, max=high, fraction=_fraction(answer), feedback=feedback))
    question.blanks = [accepted]


def _essay(element: Element, question: ParsedQuestion, texts: _Texts) -> None:
    question.kind = ESSAY
    question.rubric = texts.html(element.find("graderinfo"))


_READERS: dict[str, Callable[[Element, ParsedQuestion, _Texts], None]] = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "essay": _essay,
}
