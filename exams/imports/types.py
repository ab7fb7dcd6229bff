"""What every question importer produces: plain data, no models, no database.

Parsers (Excel, GIFT, Moodle XML, Aiken) turn a file into an ``ImportResult``; the
import service shows it as a preview and writes it in one transaction only when
``errors`` is empty. ``skipped`` questions (a type we do not support, a description)
carry a message each and do not stop the rest of the file from importing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Question kinds, the same values as ``exams.models.QuestionKind``.
SINGLE = "single"  # 单选
MULTIPLE = "multiple"  # 多选
TRUEFALSE = "truefalse"  # 判断
FILL = "fill"  # 填空
ESSAY = "essay"  # 简答
KINDS = (SINGLE, MULTIPLE, TRUEFALSE, FILL, ESSAY)

# Partial-credit rules for multiple choice, the same values as ``exams.models.PartialCredit``.
ALL_OR_NOTHING = "all_or_nothing"  # 全对才得分
PROPORTIONAL = "proportional"  # 少选按比例得分，错选不得分
WEIGHTED = "weighted"  # each option's fraction is added (Moodle/GIFT weights), total floored at 0

# Difficulty, the same values as ``exams.models.Difficulty``.
EASY, MEDIUM, HARD = 1, 2, 3


@dataclass
class Option:
    """One choice. ``text`` is HTML (plain text must be escaped by the parser)."""

    text: str
    fraction: float = 0.0  # 1.0 = fully correct; Moodle/GIFT may give 0.5, -0.25 ...
    feedback: str = ""


@dataclass
class Accepted:
    """One accepted answer for one blank: a text, or a numeric range (min <= x <= max)."""

    text: str | None = None
    min: float | None = None
    max: float | None = None
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class ParsedQuestion:
    kind: str
    stem: str  # HTML; the import service sanitizes it with nh3 before anything is stored
    where: str  # where in the file, for messages: "第 5 行", "第 12–15 行", "第 3 题"
    title: str = ""  # GIFT ::title::, Moodle <name>; may be empty
    options: list[Option] = field(default_factory=list)  # SINGLE, MULTIPLE
    partial_credit: str = ALL_OR_NOTHING  # MULTIPLE only
    correct: bool | None = None  # TRUEFALSE only
    blanks: list[list[Accepted]] = field(default_factory=list)  # FILL: one list of accepted answers per blank
    rubric: str = ""  # ESSAY: grader information / reference answer
    explanation: str = ""  # 解析 (GIFT ####general feedback, Moodle generalfeedback), HTML
    mark: Decimal | None = None  # 分值; None = the default of 1
    difficulty: int | None = None  # EASY / MEDIUM / HARD or None
    category: list[str] = field(default_factory=list)  # path below the import target, e.g. ["党章", "总纲"]
    tags: list[str] = field(default_factory=list)  # 知识点


@dataclass
class Problem:
    where: str  # "第 5 行", "第 3 题", "" for the whole file
    message: str  # already translated (gettext at parse time)


@dataclass
class ImportResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)  # any error: nothing is written
    skipped: list[Problem] = field(default_factory=list)  # unsupported questions left out, with why

    @property
    def ok(self) -> bool:
        return not self.errors


class InvalidQuestionFile(Exception):
    """The file as a whole cannot be read (wrong type, broken XML, too big, zip bomb)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
