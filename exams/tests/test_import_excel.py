"""Excel import and export: every column name and answer notation teachers use, every mistake,
the downloadable template, hostile files, and the export that imports again unchanged."""

import dataclasses
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from exams.imports import parse_upload, text
from exams.imports.excel import parse_excel, template_bytes, write_excel
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


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def xlsx(*rows: dict[str, Any], headers: list[str] | None = None, title: str = "题目") -> bytes:
    """A workbook whose header row is the union of the rows' keys (or ``headers``)."""
    headers = headers or list(dict.fromkeys(key for row in rows for key in row))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(*rows: dict[str, Any], **options: Any) -> ImportResult:
    return parse_excel(xlsx(*rows, **options))


def only(result: ImportResult) -> ParsedQuestion:
    assert result.errors == []
    [question] = result.questions
    return question


def messages(result: ImportResult) -> list[str]:
    return [error.message for error in result.errors]


def file_error(data: bytes, name: str = "题库.xlsx") -> str:
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_upload(name=name, data=data)
    return caught.value.message


def single(**values: Any) -> dict[str, Any]:
    row = {
        "题型": "单选题",
        "题干": "党的根本宗旨是什么？",
        "选项A": "为人民服务",
        "选项B": "全心全意为人民服务",
    }
    return row | {"答案": "B"} | values


def renamed(row: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {(new if key == old else key): value for key, value in row.items()}


FULL_ROW = single(分值=2, 难度="易", 解析="见党章总纲。", 分类="党章/总纲", 知识点="宗旨")


# --- Reading rows ---------------------------------------------------------------------------


def test_single_choice_row_is_read():
    question = only(parse(FULL_ROW))
    assert question.kind == SINGLE
    assert question.stem == "党的根本宗旨是什么？"
    assert [(option.text, option.fraction) for option in question.options] == [
        ("为人民服务", 0.0),
        ("全心全意为人民服务", 1.0),
    ]
    assert (question.mark, question.difficulty, question.explanation) == (Decimal("2"), EASY, "见党章总纲。")
    assert (question.category, question.tags, question.where) == (["党章", "总纲"], ["宗旨"], "Row 2")


@pytest.mark.parametrize(
    ("column", "alias"),
    [
        ("题干", "题目"),
        ("题干", "试题"),
        ("题干", "题目内容"),
        ("题干", "问题"),
        ("答案", "正确答案"),
        ("答案", "参考答案"),
        ("答案", "标准答案"),
        ("解析", "答案解析"),
        ("解析", "试题解析"),
        ("题型", "类型"),
        ("题型", "试题类型"),
        ("分值", "分数"),
        ("知识点", "标签"),
        ("知识点", "考点"),
        ("分类", "题库分类"),
        ("分类", "章节"),
        ("选项A", "A"),
        ("选项A", "选项 A"),
        ("选项A", "选项Ａ"),
        ("题型", " 题　型 "),
        ("题干", "*题干"),
        ("分值", "分值（选填）"),
    ],
)
def test_every_column_alias_is_recognised(column, alias):
    assert only(parse(renamed(FULL_ROW, column, alias))) == only(parse(FULL_ROW))


@pytest.mark.parametrize(
    "answer", ["ABD", "A,B,D", "A，B，D", "A、B、D", "A B D", "abd", "ＡＢＤ", "A;B;D", "DBA"]
)
def test_every_answer_notation_marks_the_same_options(answer):
    row = single(题型="多选题", 选项C="个人纪律", 选项D="群众纪律", 答案=answer)
    assert [option.fraction for option in only(parse(row)).options] == [1.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        *[(label, SINGLE) for label in ("单选", "单选题", "单项选择", "单项选择题", "单选择题")],
        *[(label, MULTIPLE) for label in ("多选", "多选题", "多项选择", "多项选择题", "不定项选择题")],
    ],
)
def test_every_choice_type_label_is_recognised(label, kind):
    assert only(parse(single(题型=label))).kind == kind


@pytest.mark.parametrize("label", ["判断", "判断题", "是非题"])
def test_every_true_false_type_label_is_recognised(label):
    assert only(parse({"题型": label, "题干": "党章是党的根本大法。", "答案": "对"})).kind == TRUEFALSE


@pytest.mark.parametrize(("label", "kind"), [("填空", FILL), ("填空题", FILL)])
def test_every_fill_type_label_is_recognised(label, kind):
    assert only(parse({"题型": label, "题干": "党成立于____年。", "答案": "1921"})).kind == kind


@pytest.mark.parametrize("label", ["简答", "简答题", "问答题", "论述题", "主观题"])
def test_every_essay_type_label_is_recognised(label):
    assert only(parse({"题型": label, "题干": "谈谈体会。", "答案": ""})).kind == ESSAY


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        *[(label, True) for label in ("对", "正确", "√", "✓", "T", "true", "TRUE", "是", "Y", "1", 1, True)],
        *[(label, False) for label in ("错", "错误", "×", "✗", "F", "false", "否", "N", "0", 0, False, "ｆ")],
    ],
)
def test_every_true_false_notation_is_recognised(answer, correct):
    assert only(parse({"题型": "判断题", "题干": "党章是党的根本大法。", "答案": answer})).correct is correct


@pytest.mark.parametrize(
    ("label", "difficulty"),
    [
        *[(label, EASY) for label in ("易", "简单", "容易", "1", 1)],
        *[(label, MEDIUM) for label in ("中", "中等", "一般", "适中", "2", 2.0)],
        *[(label, HARD) for label in ("难", "困难", "较难", "3", 3)],
        ("", None),
        (None, None),
    ],
)
def test_every_difficulty_label_is_recognised(label, difficulty):
    assert only(parse(single(难度=label))).difficulty == difficulty


@pytest.mark.parametrize(
    ("value", "mark"),
    [
        (2.0, Decimal("2")),
        (2, Decimal("2")),
        (1.5, Decimal("1.5")),
        ("0.5", Decimal("0.5")),
        ("3分", Decimal("3")),
    ],
)
def test_mark_is_read_from_numbers_and_text(value, mark):
    read = only(parse(single(分值=value))).mark
    assert read == mark and str(read) == str(mark)


def test_empty_mark_means_the_default():
    assert only(parse(single(分值=None))).mark is None


def test_fill_answer_has_blanks_separated_by_semicolons_and_alternatives_by_bars():
    row = {"题型": "填空题", "题干": "____成立于____年。", "答案": "中国共产党|中共；1921"}
    assert only(parse(row)).blanks == [
        [Accepted(text="中国共产党"), Accepted(text="中共")],
        [Accepted(text="1921")],
    ]


def test_fill_answer_accepts_half_width_semicolons_and_full_width_bars():
    row = {"题型": "填空题", "题干": "____成立于____年。", "答案": "中国共产党｜中共;1921"}
    assert len(only(parse(row)).blanks) == 2


@pytest.mark.parametrize(
    ("answer", "low", "high"), [("#1921", 1921, 1921), ("#3.14:0.01", 3.13, 3.15), ("#1..5", 1, 5)]
)
def test_fill_answer_starting_with_a_hash_is_a_number(answer, low, high):
    row = {"题型": "填空题", "题干": "数是____。", "答案": answer}
    assert only(parse(row)).blanks == [[Accepted(min=low, max=high)]]


def test_essay_answer_becomes_the_rubric():
    row = {"题型": "简答题", "题干": "谈谈体会。", "答案": "要点一\n要点二"}
    assert only(parse(row)).rubric == "要点一<br>要点二"


@pytest.mark.parametrize("path", ["党章/总纲", "党章>总纲", "党章 > 总纲", "党章／总纲", " 党章 / 总纲 /"])
def test_category_path_is_split_into_levels(path):
    assert only(parse(single(分类=path))).category == ["党章", "总纲"]


def test_tags_are_split_on_every_separator():
    question = only(parse(single(知识点="党章,总纲，纪律、作风;廉洁；党史、党章")))
    assert question.tags == ["党章", "总纲", "纪律", "作风", "廉洁", "党史"]


@pytest.mark.parametrize(
    ("scoring", "partial_credit"),
    [
        ("少选按比例", PROPORTIONAL),
        ("按比例", PROPORTIONAL),
        ("全对得分", ALL_OR_NOTHING),
        ("", ALL_OR_NOTHING),
    ],
)
def test_multiple_choice_scoring_rule_is_read(scoring, partial_credit):
    row = single(题型="多选题", 答案="AB", 评分方式=scoring)
    assert only(parse(row)).partial_credit == partial_credit


def test_stem_is_kept_as_typed_and_escaped():
    question = only(parse(single(题干="“三会一课”（　）\n第二行 <b>&")))
    assert question.stem == "“三会一课”（　）<br>第二行 &lt;b&gt;&amp;"


def test_empty_rows_are_skipped_and_rows_keep_their_excel_numbers():
    result = parse(single(), {}, {"题型": None, "题干": "  "}, single())
    assert [question.where for question in result.questions] == ["Row 2", "Row 5"]


def test_unknown_columns_are_ignored():
    assert only(parse(single(序号=1, 备注="不导入"))).kind == SINGLE


def test_sheet_called_questions_is_read_even_when_it_is_not_the_first():
    workbook = load_workbook(io.BytesIO(xlsx(single(), title="题目")))
    workbook.create_sheet("封面", 0).append(["本题库由组织部编制"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(parse_excel(buffer.getvalue()).questions) == 1


def test_first_sheet_is_read_when_there_is_no_questions_sheet():
    assert len(parse(single(), title="Sheet1").questions) == 1


# --- Mistakes in rows -----------------------------------------------------------------------


def test_answer_that_is_not_among_the_options_is_an_error():
    result = parse(single(答案="E"))
    assert result.errors == [Problem(where="Row 2", message="The answer “E” is not one of the options.")]
    assert result.questions == []


def test_unknown_question_type_is_an_error():
    assert messages(parse(single(题型="连线题"))) == [
        "题型 “连线题” is not recognised; use one of: 单选题、多选题、判断题、填空题、简答题."
    ]


def test_unknown_difficulty_is_an_error():
    assert messages(parse(single(难度="很难"))) == ["难度 “很难” is not recognised; use one of: 易、中、难."]


@pytest.mark.parametrize("mark", [0, -1, "两分", "abc"])
def test_mark_that_is_not_a_positive_number_is_an_error(mark):
    assert messages(parse(single(分值=mark))) == [f"The mark must be a positive number, not “{mark}”."]


def test_weighted_scoring_is_not_available_in_excel():
    assert messages(parse(single(题型="多选题", 答案="AB", 评分方式="按权重"))) == [
        "评分方式 “按权重” is not recognised; use one of: 全对得分、少选按比例."
    ]


def test_single_choice_with_several_letters_is_an_error():
    assert messages(parse(single(答案="AB"))) == [
        "Single choice allows only one correct option; 2 are marked correct."
    ]


def test_answer_that_is_not_letters_is_an_error():
    assert messages(parse(single(答案="第二个"))) == [
        "“第二个” is not a valid answer; write the letters of the correct options, e.g. ABD."
    ]


def test_unrecognisable_true_false_answer_is_an_error():
    row = {"题型": "判断题", "题干": "党章是党的根本大法。", "答案": "不对"}
    assert messages(parse(row))[0].startswith("答案 “不对” is not recognised")


def test_question_without_text_is_an_error():
    assert messages(parse(single(题干=""))) == ["The question text is empty."]


def test_gap_between_options_is_an_error():
    row = single(选项B=None, 选项C="全心全意为人民服务", 答案="C")
    assert messages(parse(row)) == ["Option B is empty, but a later option is filled in."]


def test_choice_with_one_option_is_an_error():
    assert messages(parse(single(选项B=None, 答案="A"))) == ["A choice question needs at least two options."]


@pytest.mark.parametrize("kind", ["单选题", "判断题", "填空题"])
def test_missing_answer_is_an_error(kind):
    assert messages(parse(single(题型=kind, 答案=None))) == ["The answer is missing."]


def test_numeric_fill_answer_that_is_not_a_number_is_an_error():
    row = {"题型": "填空题", "题干": "数是____。", "答案": "#一千"}
    assert messages(parse(row)) == ["“一千” is not a number or a range such as 1921, 3.14:0.01 or 1..5."]


def test_every_mistake_in_every_row_is_reported():
    result = parse(single(), single(难度="很难", 分值=0, 答案="F"), single(题型="连线题"))
    assert [error.where for error in result.errors] == ["Row 3", "Row 3", "Row 3", "Row 4"]
    assert len(result.questions) == 1


def test_missing_required_column_is_a_file_level_error():
    result = parse({"题型": "单选题", "题干": "党的根本宗旨是什么？", "选项A": "甲", "选项B": "乙"})
    assert result.errors == [
        Problem(
            where="", message="The sheet has no column 答案. Download the template to see the column headers."
        )
    ]
    assert result.questions == []


def test_every_missing_required_column_is_named():
    assert messages(parse({"试卷": "甲", "题干": "乙"}))[0].startswith("The sheet has no column 题型、答案.")


def test_two_columns_with_the_same_meaning_are_an_error():
    result = parse(single(题目="重复"))
    assert messages(result) == ["The columns “题干” and “题目” both mean 题干; keep only one."]


# --- The template ---------------------------------------------------------------------------


def template_rows() -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(template_bytes()))["题目"].values)


def test_template_example_rows_are_rejected_if_left_in():
    result = parse_excel(template_bytes())
    assert [(error.where, error.message) for error in result.errors] == [
        (f"Row {row}", "This is the example row from the template; delete it before importing.")
        for row in (2, 3, 4)
    ]


def test_template_examples_are_valid_questions_once_marked_as_real():
    headers, *rows = template_rows()
    examples = [
        dict(zip(headers, (str(v).removeprefix("【示例】") if v else v for v in row), strict=True))
        for row in rows
    ]
    result = parse(*examples, headers=list(headers))
    assert [question.kind for question in result.questions] == [SINGLE, MULTIPLE, FILL]
    assert result.questions[1].partial_credit == PROPORTIONAL


def test_template_filled_in_after_deleting_the_examples_imports():
    workbook = load_workbook(io.BytesIO(template_bytes()))
    sheet = workbook["题目"]
    sheet.delete_rows(2, 3)
    sheet.append(["判断题", "党章是党的根本大法。", None, None, None, None, None, None, "对"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert only(parse_excel(buffer.getvalue())).correct is True


def test_template_explains_every_column_on_an_instructions_sheet():
    workbook = load_workbook(io.BytesIO(template_bytes()))
    assert workbook.sheetnames == ["题目", "Instructions"]
    explained = [
        row[0] for row in workbook["Instructions"].iter_rows(min_row=2, max_row=11, values_only=True)
    ]
    assert explained == [
        "题型",
        "题干",
        "选项A–选项F",
        "答案",
        "评分方式",
        "分值",
        "难度",
        "解析",
        "分类",
        "知识点",
    ]


# --- Files that cannot be read --------------------------------------------------------------


def test_zip_bomb_is_rejected_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in zipfile.ZipFile(io.BytesIO(xlsx(single()))).infolist():
            bomb.writestr(item.filename, b"<x/>")
        with bomb.open("xl/worksheets/padding.xml", "w") as padding:
            for _chunk in range(70):
                padding.write(b"\0" * 1024 * 1024)
    assert len(buffer.getvalue()) < 1024 * 1024
    assert file_error(buffer.getvalue()).startswith("The workbook unpacks to more than")


def test_pdf_named_xlsx_is_rejected():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    assert file_error(pdf) == "Only Excel workbooks (.xlsx) can be imported; “题库.xlsx” is not one."


def test_old_xls_renamed_to_xlsx_is_rejected():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    assert "old-style .xls" in file_error(ole)


def test_xls_upload_is_asked_to_be_saved_as_xlsx():
    assert "save it as" in file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, name="题库.xls")


def test_damaged_workbook_is_rejected():
    assert file_error(b"PK\x03\x04" + b"\x17" * 5000).startswith(
        "The file could not be read as an Excel workbook."
    )


def test_workbook_larger_than_the_limit_is_rejected(settings):
    settings.QUESTION_IMPORT_MAX_BYTES = 1024
    assert file_error(xlsx(single())).startswith("The file is ")


def test_sheet_with_a_hundred_thousand_rows_is_rejected():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题目")
    sheet.append(["题型", "题干", "答案"])
    for number in range(100_000):
        sheet.append(["判断题", f"第{number}题", "对"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert file_error(buffer.getvalue()) == (
        f"The file has more than {text.MAX_QUESTIONS} questions; split it into several files."
    )


@pytest.mark.parametrize("headers", [[None], ["", None, " "]])
def test_empty_sheet_is_rejected(headers):
    assert file_error(xlsx(headers=headers)) == "The sheet is empty."


def test_workbook_without_any_cells_is_rejected():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert file_error(buffer.getvalue()) == "The sheet is empty."


def test_header_without_rows_has_no_questions():
    assert file_error(xlsx(headers=["题型", "题干", "答案"])) == "No questions were found in the file."


# --- Export ---------------------------------------------------------------------------------

BANK = [
    ParsedQuestion(
        kind=SINGLE,
        stem="党的根本宗旨是什么？",
        where="",
        options=[Option("为人民服务"), Option("全心全意为人民服务", 1.0), Option("实现共产主义")],
        explanation="见党章总纲。",
        mark=Decimal("2"),
        difficulty=EASY,
        category=["党章", "总纲"],
        tags=["宗旨", "总纲"],
    ),
    ParsedQuestion(
        kind=MULTIPLE,
        stem="党的纪律包括",
        where="",
        options=[
            Option(text, 1.0 if text != "学术纪律" else 0.0)
            for text in ["政治纪律", "组织纪律", "学术纪律", "群众纪律", "工作纪律", "生活纪律"]
        ],
        partial_credit=PROPORTIONAL,
        mark=Decimal("1.5"),
        difficulty=HARD,
    ),
    ParsedQuestion(
        kind=MULTIPLE, stem="下列正确的是", where="", options=[Option("甲", 1.0), Option("乙", 1.0)]
    ),
    ParsedQuestion(kind=TRUEFALSE, stem="预备党员有表决权。", where="", correct=False, difficulty=MEDIUM),
    ParsedQuestion(kind=TRUEFALSE, stem="=党章是党的根本大法", where="", correct=True),
    ParsedQuestion(
        kind=FILL,
        stem="____成立于____年，圆周率约为____。",
        where="",
        blanks=[
            [Accepted(text="中国共产党"), Accepted(text="中共")],
            [Accepted(min=1921.0, max=1921.0)],
            [Accepted(min=3.13, max=3.15)],
        ],
    ),
    ParsedQuestion(kind=ESSAY, stem="第一行<br>第二行 &lt;b&gt; &amp;", where="", rubric="要点一<br>要点二"),
    ParsedQuestion(kind=ESSAY, stem="谈谈体会。", where=""),
]


def without_where(questions: list[ParsedQuestion]) -> list[ParsedQuestion]:
    return [dataclasses.replace(question, where="") for question in questions]


def test_exported_bank_imports_again_unchanged():
    result = parse_excel(write_excel(BANK))
    assert result.errors == []
    assert without_where(result.questions) == BANK


def test_export_writes_html_as_plain_text_with_line_breaks():
    sheet = load_workbook(io.BytesIO(write_excel(BANK)))["题目"]
    assert sheet["B8"].value == "第一行\n第二行 <b> &"


def test_export_keeps_a_text_starting_with_equals_as_text_not_a_formula():
    sheet = load_workbook(io.BytesIO(write_excel(BANK)))["题目"]
    assert sheet["B6"].data_type == "s"
    assert sheet["B6"].value == "=党章是党的根本大法"


def test_export_drops_answers_that_score_nothing():
    question = ParsedQuestion(
        kind=FILL, stem="简称", where="", blanks=[[Accepted(text="中共"), Accepted(text="*", fraction=0.0)]]
    )
    assert only(parse_excel(write_excel([question]))).blanks == [[Accepted(text="中共")]]


def test_question_with_more_than_six_options_is_listed_as_not_exported():
    seven = ParsedQuestion(
        kind=SINGLE,
        stem="七个选项",
        where="",
        title="七选一",
        options=[Option(str(n), float(n == 0)) for n in range(7)],
    )
    workbook = load_workbook(io.BytesIO(write_excel([BANK[0], seven])))
    assert workbook["题目"].max_row == 2
    assert list(workbook["Not exported"].values)[1] == ("七选一", "It has more than 6 options.")


def test_weighted_question_is_listed_as_not_exported():
    weighted = dataclasses.replace(
        BANK[2], partial_credit=WEIGHTED, options=[Option("甲", 0.5), Option("乙", 0.5)]
    )
    workbook = load_workbook(io.BytesIO(write_excel([weighted])))
    assert workbook["题目"].max_row == 1
    assert list(workbook["Not exported"].values)[1] == (
        "下列正确的是",
        "Its answers carry partial-credit weights, which the Excel template cannot express.",
    )


def test_partial_credit_short_answer_is_listed_as_not_exported():
    partial = ParsedQuestion(kind=FILL, stem="简称", where="", blanks=[[Accepted(text="中共", fraction=0.5)]])
    assert "Not exported" in load_workbook(io.BytesIO(write_excel([partial]))).sheetnames


def test_answer_containing_a_separator_is_listed_as_not_exported():
    odd = ParsedQuestion(kind=FILL, stem="符号", where="", blanks=[[Accepted(text="a|b")]])
    assert "Not exported" in load_workbook(io.BytesIO(write_excel([odd]))).sheetnames


def test_export_without_problems_has_no_not_exported_sheet():
    assert load_workbook(io.BytesIO(write_excel(BANK))).sheetnames == ["题目"]
