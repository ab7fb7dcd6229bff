"""Question banks in Excel: the template teachers fill in, reading it back, and the bank export.

Most party schools keep their questions in a spreadsheet with columns like 题型, 题干,
选项A…, 答案, so the reader accepts the usual names for each column and the usual ways of
writing answers (ABD, A、B、D, 对/错/√/×). The workbook is opened with the defences the
member import already has (size first, zip directory before inflating, read-only
openpyxl). The export writes the same layout so an exported bank imports again unchanged;
what the layout cannot say (more than six options, answer weights) is listed on a sheet of
its own instead of being written wrongly.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation

from exams.imports import text as t
from exams.imports.types import (
    ALL_OR_NOTHING,
    EASY,
    ESSAY,
    FILL,
    HARD,
    MEDIUM,
    MULTIPLE,
    PROPORTIONAL,
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
from school.imports import cells
from school.imports.errors import InvalidImportFile
from school.imports.workbook import (
    MUTED_FONT,
    open_workbook,
    read_upload,
    sheet_rows,
    workbook_bytes,
    write_table,
)

SHEET = "题目"
OPTION_LETTERS = "ABCDEF"
EXAMPLE_MARK = "【示例】"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    width: int = 12


COLUMNS = (
    Column("kind", "题型", ("题型", "类型", "试题类型"), required=True, width=10),
    Column("stem", "题干", ("题干", "题目", "试题", "题目内容", "问题"), required=True, width=50),
    *(
        Column(f"option_{letter}", f"选项{letter}", (f"选项{letter}", letter), width=16)
        for letter in OPTION_LETTERS
    ),
    Column("answer", "答案", ("答案", "正确答案", "参考答案", "标准答案"), required=True, width=16),
    Column("scoring", "评分方式", ("评分方式",)),
    Column("mark", "分值", ("分值", "分数"), width=8),
    Column("difficulty", "难度", ("难度",), width=8),
    Column("explanation", "解析", ("解析", "答案解析", "试题解析"), width=40),
    Column("category", "分类", ("分类", "题库分类", "章节"), width=20),
    Column("tags", "知识点", ("知识点", "标签", "考点"), width=20),
)
_ALIASES = {alias: column for column in COLUMNS for alias in column.aliases}

KIND_LABELS = {
    **dict.fromkeys(("单选", "单选题", "单项选择", "单项选择题", "单选择题"), SINGLE),
    **dict.fromkeys(("多选", "多选题", "多项选择", "多项选择题", "不定项选择题"), MULTIPLE),
    **dict.fromkeys(("判断", "判断题", "是非题"), TRUEFALSE),
    **dict.fromkeys(("填空", "填空题"), FILL),
    **dict.fromkeys(("简答", "简答题", "问答题", "论述题", "主观题"), ESSAY),
}
KIND_NAMES = {SINGLE: "单选题", MULTIPLE: "多选题", TRUEFALSE: "判断题", FILL: "填空题", ESSAY: "简答题"}
TRUE_FALSE_LABELS = {
    **dict.fromkeys(("对", "正确", "√", "✓", "T", "TRUE", "是", "Y", "1"), True),
    **dict.fromkeys(("错", "错误", "×", "✗", "F", "FALSE", "否", "N", "0"), False),
}
TRUE_FALSE_NAMES = {True: "对", False: "错"}
DIFFICULTY_LABELS = {
    **dict.fromkeys(("易", "简单", "容易", "1"), EASY),
    **dict.fromkeys(("中", "中等", "一般", "适中", "2"), MEDIUM),
    **dict.fromkeys(("难", "困难", "较难", "3"), HARD),
}
DIFFICULTY_NAMES = {EASY: "易", MEDIUM: "中", HARD: "难"}
SCORING_LABELS = {
    **dict.fromkeys(("全对得分", "全对才得分", "全部选对得分"), ALL_OR_NOTHING),
    **dict.fromkeys(("少选按比例", "少选按比例得分", "按比例", "按比例得分"), PROPORTIONAL),
}
SCORING_NAMES = {ALL_OR_NOTHING: "全对得分", PROPORTIONAL: "少选按比例"}

_BLANKS = re.compile(r";")
_ALTERNATIVES = re.compile(r"\|")
_PATH = re.compile(r"[/>]")
_TAGS = re.compile(r"[,、;]")


class _NotExportable(Exception):
    pass


# --- Reading ------------------------------------------------------------------------------------


def parse_excel(data: bytes, *, name: str = "题库.xlsx") -> ImportResult:
    """Read the 题目 sheet (or the first sheet); ``name`` only shapes the messages about the file."""
    try:
        workbook = open_workbook(
            read_upload(io.BytesIO(data), name=name, size=len(data), limit=t.max_upload_bytes())
        )
        try:
            sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
            return _read_sheet(sheet_rows(sheet))
        finally:
            workbook.close()
    except InvalidImportFile as error:
        raise InvalidQuestionFile(error.message) from error


def _read_sheet(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> ImportResult:
    first = next(rows, None)
    if first is None or (not any(cells.text(value) for value in first[1]) and _all_empty(rows)):
        raise InvalidQuestionFile(_("The sheet is empty."))
    try:
        positions = _header(first[1])
    except ValueError as error:
        return ImportResult(errors=[Problem(where="", message=str(error))])
    result = ImportResult()
    count = 0
    for number, values in rows:
        row = {key: values[index] if index < len(values) else None for key, index in positions.items()}
        if not any(cells.text(value) for value in row.values()):
            continue
        count += 1
        t.check_count(count)  # stops a 100 000-row sheet after MAX_QUESTIONS rows
        _read_row(number, row, result)
    if not count:
        raise t.no_questions()
    return result


def _all_empty(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> bool:
    nearby = itertools.islice(rows, t.MAX_QUESTIONS)
    return not any(cells.text(value) for _number, values in nearby for value in values)


def _header_label(value: Any) -> str:
    """' 选项 A ', '选项Ａ', '*题干' and '分值（选填）' all name their column."""
    label = cells.text(value).replace(" ", "").replace("*", "")
    return re.sub(r"\(.*\)$", "", label).upper()


def _header(values: tuple[Any, ...]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, value in enumerate(values):
        column = _ALIASES.get(_header_label(value))
        if column is None:
            continue  # columns we do not know (序号, 备注 …) are ignored
        if column.key in positions:
            first, second = _header_label(values[positions[column.key]]), _header_label(value)
            raise ValueError(
                _("The columns “%(first)s” and “%(second)s” both mean %(column)s; keep only one.")
                % {"first": first, "second": second, "column": column.label}
            )
        positions[column.key] = index
    missing = [column.label for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        raise ValueError(
            _("The sheet has no column %(columns)s. Download the template to see the column headers.")
            % {"columns": "、".join(missing)}
        )
    return positions


def _read_row(number: int, row: dict[str, Any], result: ImportResult) -> None:
    where = t.row_where(number)
    question = ParsedQuestion(
        kind="",
        stem=t.plain_to_html(_typed(row.get("stem"))),
        where=where,
        explanation=t.plain_to_html(_typed(row.get("explanation"))),
        category=_split(row.get("category"), _PATH),
        tags=list(dict.fromkeys(_split(row.get("tags"), _TAGS))),
    )
    if _typed(row.get("stem")).startswith(EXAMPLE_MARK):
        errors = [_("This is the example row from the template; delete it before importing.")]
    else:
        errors = _row_errors(question, row)
    result.errors.extend(Problem(where=where, message=message) for message in errors)
    if not errors:
        result.questions.append(question)


def _row_errors(question: ParsedQuestion, row: dict[str, Any]) -> list[str]:
    errors = _collect(question, row, (_kind, _mark, _difficulty, _scoring))
    answer_errors = _collect(question, row, (_answer,)) if question.kind else []
    return errors + answer_errors + t.question_errors(question, check_answer=not answer_errors)


def _collect(
    question: ParsedQuestion, row: dict[str, Any], steps: Iterable[Callable[[ParsedQuestion, dict], None]]
) -> list[str]:
    errors = []
    for step in steps:
        try:
            step(question, row)
        except ValueError as error:
            errors.append(str(error))
    return errors


def _kind(question: ParsedQuestion, row: dict[str, Any]) -> None:
    question.kind = _choice(row.get("kind"), "题型", KIND_LABELS, KIND_NAMES.values())


def _mark(question: ParsedQuestion, row: dict[str, Any]) -> None:
    value = row.get("mark")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = cells.text(value).removesuffix("分").strip()
    question.mark = t.mark(raw, shown=cells.display(value)) if raw else None


def _difficulty(question: ParsedQuestion, row: dict[str, Any]) -> None:
    if cells.text(row.get("difficulty")):
        choices = ("易", "中", "难")
        question.difficulty = _choice(row.get("difficulty"), "难度", DIFFICULTY_LABELS, choices)


def _scoring(question: ParsedQuestion, row: dict[str, Any]) -> None:
    if question.kind == MULTIPLE and cells.text(row.get("scoring")):
        question.partial_credit = _choice(
            row.get("scoring"), "评分方式", SCORING_LABELS, SCORING_NAMES.values()
        )


def _choice(value: Any, column: str, labels: dict[str, Any], choices: Iterable[str]) -> Any:
    label = cells.text(value).replace(" ", "").upper()
    if label not in labels:
        raise ValueError(
            _("%(column)s “%(value)s” is not recognised; use one of: %(choices)s.")
            % {"column": column, "value": cells.display(value), "choices": "、".join(choices)}
        )
    return labels[label]


def _answer(question: ParsedQuestion, row: dict[str, Any]) -> None:
    _ANSWER_READERS[question.kind](question, row)


def _choice_answer(question: ParsedQuestion, row: dict[str, Any]) -> None:
    options = _options(row)
    question.options = list(options.values())
    _check_no_gap(options)
    t.mark_correct(options, t.choice_letters(_required_answer(row), kind=question.kind))


def _truefalse_answer(question: ParsedQuestion, row: dict[str, Any]) -> None:
    answer = _required_answer(row)
    question.correct = _choice(answer, "答案", TRUE_FALSE_LABELS, TRUE_FALSE_NAMES.values())


def _fill_answer(question: ParsedQuestion, row: dict[str, Any]) -> None:
    """Blanks separated by ；, the accepted alternatives for one blank by |."""
    blanks = _split(_required_answer(row), _BLANKS)
    question.blanks = [[_accepted(text) for text in _split(blank, _ALTERNATIVES)] for blank in blanks]


def _essay_answer(question: ParsedQuestion, row: dict[str, Any]) -> None:
    question.rubric = t.plain_to_html(_typed(row.get("answer")))


def _required_answer(row: dict[str, Any]) -> str:
    answer = cells.text(row.get("answer"))
    if not answer:
        raise ValueError(_("The answer is missing."))
    return answer


_ANSWER_READERS: dict[str, Callable[[ParsedQuestion, dict[str, Any]], None]] = {
    SINGLE: _choice_answer,
    MULTIPLE: _choice_answer,
    TRUEFALSE: _truefalse_answer,
    FILL: _fill_answer,
    ESSAY: _essay_answer,
}


def _options(row: dict[str, Any]) -> dict[str, Option]:
    """The filled-in option columns; a gap (A, B, D) is an error, as the letters would shift."""
    texts = {letter: _typed(row.get(f"option_{letter}")) for letter in OPTION_LETTERS}
    return {letter: Option(text=t.plain_to_html(text)) for letter, text in texts.items() if text}


def _check_no_gap(options: dict[str, Option]) -> None:
    for letter in OPTION_LETTERS[: OPTION_LETTERS.index(max(options)) if options else 0]:
        if letter not in options:
            raise ValueError(
                _("Option %(letter)s is empty, but a later option is filled in.") % {"letter": letter}
            )


def _accepted(text: str) -> Accepted:
    """``#1921``, ``#3.14:0.01`` and ``#1..5`` are numbers; anything else is an accepted text."""
    if text.startswith("#"):
        low, high = t.numeric_range(text[1:])
        return Accepted(min=low, max=high)
    return Accepted(text=text)


def _typed(value: Any) -> str:
    """A cell as the teacher typed it (no folding), only the surrounding whitespace trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split(value: Any, separators: re.Pattern[str]) -> list[str]:
    return [part.strip() for part in separators.split(cells.text(value)) if part.strip()]


# --- Writing ------------------------------------------------------------------------------------


def write_excel(questions: Iterable[ParsedQuestion]) -> bytes:
    """The bank in the template's layout; questions it cannot express go to a separate sheet."""
    rows, left_out = [], []
    for question in questions:
        try:
            rows.append(_export_row(question))
        except _NotExportable as reason:
            left_out.append([question.title or t.excerpt(question.stem), str(reason)])
    workbook = Workbook()
    _write_questions(workbook.active, rows)
    if left_out:
        write_table(
            workbook.create_sheet(_("Not exported")), [_("Question"), _("Reason")], left_out, [40, 80]
        )
    return workbook_bytes(workbook)


def _write_questions(sheet: Any, rows: list[list[Any]]) -> None:
    sheet.title = SHEET
    write_table(sheet, [column.label for column in COLUMNS], rows, [column.width for column in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a text that starts with "=" stays text, never a formula
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _export_row(question: ParsedQuestion) -> list[Any]:
    values = {
        "kind": KIND_NAMES[question.kind],
        "stem": _cell(question.stem),
        "answer": _export_answer(question),
        "mark": question.mark,
        "difficulty": DIFFICULTY_NAMES.get(question.difficulty, ""),
        "explanation": _cell(question.explanation),
        "category": "/".join(question.category),
        "tags": "、".join(question.tags),
    }
    if question.kind in (SINGLE, MULTIPLE):
        values.update(
            {
                f"option_{OPTION_LETTERS[index]}": _cell(option.text)
                for index, option in enumerate(question.options)
            }
        )
    if question.kind == MULTIPLE:
        values["scoring"] = SCORING_NAMES[question.partial_credit]
    return [values.get(column.key, "") for column in COLUMNS]


def _export_answer(question: ParsedQuestion) -> str:
    if question.kind in (SINGLE, MULTIPLE):
        return _export_letters(question)
    if question.kind == TRUEFALSE:
        return TRUE_FALSE_NAMES[bool(question.correct)]
    if question.kind == FILL:
        return "；".join(
            "|".join(_export_accepted(a) for a in blank if a.fraction > 0) for blank in question.blanks
        )
    return _cell(question.rubric)


def _export_letters(question: ParsedQuestion) -> str:
    if len(question.options) > len(OPTION_LETTERS):
        raise _NotExportable(_("It has more than %(max)s options.") % {"max": len(OPTION_LETTERS)})
    weighted = question.kind == MULTIPLE and question.partial_credit == WEIGHTED
    if weighted or any(option.fraction not in (0, 1) for option in question.options):
        raise _NotExportable(_weights_note())
    return "".join(OPTION_LETTERS[index] for index, o in enumerate(question.options) if o.fraction == 1)


def _export_accepted(accepted: Accepted) -> str:
    if accepted.fraction != 1:
        raise _NotExportable(_weights_note())
    if accepted.text is None:
        low, high = _number(accepted.min), _number(accepted.max)
        return f"#{low}" if low == high else f"#{low}..{high}"
    if re.search(r"[;|；｜]", accepted.text) or accepted.text.startswith("#"):
        raise _NotExportable(
            _("An accepted answer contains ; or | or starts with #, which the template uses as separators.")
        )
    return accepted.text


def _weights_note() -> str:
    return _("Its answers carry partial-credit weights, which the Excel template cannot express.")


def _number(value: float | None) -> str:
    value = float(value or 0)
    return str(int(value)) if value.is_integer() else repr(value)


def _cell(markup: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", t.html_to_plain(markup))


# --- The template -------------------------------------------------------------------------------

EXAMPLES = (
    {
        "kind": "单选题",
        "stem": EXAMPLE_MARK + "中国共产党第一次全国代表大会是在哪一年召开的？",
        "option_A": "1919年",
        "option_B": "1921年",
        "option_C": "1927年",
        "option_D": "1949年",
        "answer": "B",
        "mark": 1,
        "difficulty": "易",
        "explanation": "1921年7月，中国共产党第一次全国代表大会召开，宣告了中国共产党的诞生。",
        "category": "党史/建党时期",
        "tags": "党的创立、一大",
    },
    {
        "kind": "多选题",
        "stem": EXAMPLE_MARK + "下列属于党的纪律的有哪些？",
        "option_A": "政治纪律",
        "option_B": "组织纪律",
        "option_C": "学术纪律",
        "option_D": "群众纪律",
        "answer": "A、B、D",
        "scoring": "少选按比例",
        "mark": 2,
        "difficulty": "中",
        "explanation": "党的纪律包括政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律和生活纪律。",
        "category": "党规党纪/纪律处分条例",
        "tags": "六项纪律",
    },
    {
        "kind": "填空题",
        "stem": EXAMPLE_MARK + "中国共产党第一次全国代表大会于____年在____召开。",
        "answer": "1921；上海|上海市",
        "mark": 2,
        "difficulty": "易",
        "category": "党史/建党时期",
        "tags": "一大",
    },
)


def template_bytes() -> bytes:
    """The 题目 sheet with grey example rows (rejected if left in) and the instructions sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    rows = [[example.get(column.key, "") for column in COLUMNS] for example in EXAMPLES]
    write_table(sheet, [column.label for column in COLUMNS], rows, [column.width for column in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.font = MUTED_FONT
    _add_choice_list(sheet, "题型", KIND_NAMES.values())
    _add_choice_list(sheet, "难度", DIFFICULTY_NAMES.values())
    _add_choice_list(sheet, "评分方式", SCORING_NAMES.values())
    _add_instructions(workbook.create_sheet(_("Instructions")))
    return workbook_bytes(workbook)


def _add_choice_list(sheet: Any, label: str, choices: Iterable[str]) -> None:
    letter = sheet.cell(row=1, column=[column.label for column in COLUMNS].index(label) + 1).column_letter
    validation = DataValidation(type="list", formula1='"{}"'.format(",".join(choices)), allow_blank=True)
    validation.add(f"{letter}2:{letter}{t.MAX_QUESTIONS + 1}")
    sheet.add_data_validation(validation)


def _column_help() -> dict[str, str]:
    return {
        "题型": _("One of: %(choices)s.") % {"choices": "、".join(KIND_NAMES.values())},
        "题干": _("The question text. Line breaks in the cell are kept."),
        "选项A–选项F": _(
            "The options of a choice question, filled in from 选项A without gaps; at most %(max)s."
        )
        % {"max": len(OPTION_LETTERS)},
        "答案": _(
            "Choice: the letters of the correct options, e.g. B or ABD. True or false: %(truefalse)s. "
            "Fill in the blank: one answer per blank separated by ；, alternatives for the same blank "
            "separated by |, e.g. 1921；上海|上海市; a number is written #1921, #3.14:0.01 (with a margin) "
            "or #1..5 (a range). Short answer: the reference answer, may be empty."
        )
        % {"truefalse": "对、错"},
        "评分方式": _(
            "Multiple choice only: %(choices)s; empty means the answer must be fully correct to score."
        )
        % {"choices": "、".join(SCORING_NAMES.values())},
        "分值": _("A positive number; empty means the default mark."),
        "难度": _("One of: %(choices)s.") % {"choices": "、".join(DIFFICULTY_NAMES.values())},
        "解析": _("Shown to learners after they answer; may be empty."),
        "分类": _(
            "Sub-category below the category you import into, levels separated by /, "
            "e.g. 党章/总纲; may be empty."
        ),
        "知识点": _("Tags separated by 、 or commas; may be empty."),
    }


def _add_instructions(sheet: Any) -> None:
    required = {column.label for column in COLUMNS if column.required}
    rows = [
        (label, _("Required") if label in required else _("Optional"), help_text)
        for label, help_text in _column_help().items()
    ]
    write_table(sheet, [_("Column"), _("Required?"), _("How to fill it in")], rows, [14, 10, 90])
    sheet.append([])
    notes = [
        _("Fill in one question per row on the 题目 sheet and delete the grey example rows."),
        _("Keep the header row; columns may be in any order."),
        _("At most %(rows)s questions and %(size)s per file.")
        % {"rows": t.MAX_QUESTIONS, "size": filesizeformat(t.max_upload_bytes())},
    ]
    for note in notes:
        sheet.append([note])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
