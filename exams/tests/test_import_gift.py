"""GIFT import: the whole syntax of Moodle's documentation, and the files teachers get wrong."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from exams.imports import parse_upload, text
from exams.imports.gift import parse_gift
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
    ParsedQuestion,
)

FIXTURES = Path(__file__).parent / "fixtures" / "imports" / "gift"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def full() -> ImportResult:
    with translation.override("en"):
        return parse_gift(fixture("full_syntax.gift"))


def by_title(result: ImportResult, title: str) -> ParsedQuestion:
    return next(question for question in result.questions if question.title == title)


def one(gift: str) -> ParsedQuestion:
    result = parse_gift(gift)
    assert result.errors == []
    [question] = result.questions
    return question


# --- The documented syntax ------------------------------------------------------------------


def test_full_syntax_file_imports_every_supported_question(full):
    assert Counter(question.kind for question in full.questions) == {
        SINGLE: 6,
        MULTIPLE: 2,
        TRUEFALSE: 5,
        FILL: 6,
        ESSAY: 2,
    }
    assert full.errors == []
    assert len(full.skipped) == 2


def test_category_line_sets_the_category_of_the_questions_after_it(full):
    assert by_title(full, "党的性质").category == ["党章", "总纲"]
    assert by_title(full, "多行").category == ["党史"]


def test_category_prefixes_and_top_are_dropped_and_double_slashes_kept_in_names():
    assert text.category_path("$course$/top/党章/总纲") == ["党章", "总纲"]
    assert text.category_path("$system$/top/党史") == ["党史"]
    assert text.category_path("$module$/党规") == ["党规"]
    assert text.category_path("$cat1$/党章") == ["党章"]
    assert text.category_path("top/A//B/C") == ["A/B", "C"]


def test_title_between_double_colons_becomes_the_question_title(full):
    assert by_title(full, "党的性质").stem == "中国共产党是中国工人阶级的先锋队，同时是（\u3000）的先锋队。"


def test_general_feedback_after_four_hashes_becomes_the_explanation(full):
    assert by_title(full, "党的性质").explanation == '党章总纲明确规定了党的"两个先锋队"性质。'


def test_equals_marks_the_one_correct_option_of_a_single_choice(full):
    question = by_title(full, "党的性质")
    assert question.kind == SINGLE
    assert [option.fraction for option in question.options] == [1.0, 0.0, 0.0]


def test_option_feedback_after_a_hash_is_kept(full):
    assert [option.feedback for option in by_title(full, "党的性质").options] == [
        "正确。",
        "不全面。",
        "不全面。",
    ]


def test_single_choice_keeps_partial_weights_of_wrong_options(full):
    assert [option.fraction for option in by_title(full, "党的宗旨").options] == [1.0, 0.5, 0.0]


def test_options_with_weights_and_no_equals_make_a_weighted_multiple_choice(full):
    question = by_title(full, "四个意识")
    assert question.kind == MULTIPLE
    assert question.partial_credit == WEIGHTED
    assert [option.fraction for option in question.options] == [0.25, 0.25, 0.25, 0.25, -1.0]


def test_decimal_weights_that_add_up_to_a_hundred_are_accepted(full):
    assert [option.fraction for option in by_title(full, "三项").options] == [
        0.3333333,
        0.3333333,
        0.3333334,
        -0.5,
    ]


def test_true_false_accepts_t_true_f_and_false(full):
    answers = [by_title(full, title).correct for title in ("判断一", "判断二", "判断四")]
    assert answers == [True, False, False]
    assert next(q for q in full.questions if q.stem.startswith("党员有权")).correct is True


def test_true_false_general_feedback_becomes_the_explanation(full):
    assert by_title(full, "判断四").explanation == "预备党员没有表决权、选举权和被选举权。"


def test_short_answer_is_one_blank_with_every_accepted_answer_and_its_weight(full):
    assert by_title(full, "简称").blanks == [
        [
            Accepted(text="中共"),
            Accepted(text="中国共产党"),
            Accepted(text="共产党", fraction=0.5, feedback="只得一半分"),
        ]
    ]


def test_missing_word_question_leaves_a_gap_where_the_answer_block_was(full):
    question = by_title(full, "一大")
    assert question.stem == "中国共产党第一次全国代表大会于1921年7月在_____召开。"
    assert [accepted.text for accepted in question.blanks[0]] == ["上海", "上海市"]


def test_exact_numeric_answer_is_a_range_of_one_number(full):
    assert by_title(full, "建党年份").blanks == [[Accepted(min=1921.0, max=1921.0)]]


def test_numeric_answer_with_a_margin_becomes_a_range(full):
    assert by_title(full, "圆周率").blanks == [[Accepted(min=3.13, max=3.15)]]


def test_numeric_range_keeps_its_bounds(full):
    assert by_title(full, "范围").blanks == [[Accepted(min=1.0, max=5.0)]]


def test_several_numeric_answers_keep_their_weights_and_feedback(full):
    assert by_title(full, "多数值").blanks == [
        [Accepted(min=2012.0, max=2012.0), Accepted(min=2011.0, max=2013.0, fraction=0.5, feedback="接近了")]
    ]


def test_numeric_wrong_answer_feedback_after_a_tilde_is_not_an_answer():
    assert one("::Q5:: 1 到 5 之间的数？{#3:2~#完全错误}").blanks == [[Accepted(min=1.0, max=5.0)]]


def test_empty_answer_block_is_an_essay(full):
    question = by_title(full, "论述")
    assert question.kind == ESSAY
    assert question.stem == "结合工作实际，谈谈如何做一名合格党员。"


def test_html_format_is_passed_through_for_the_import_service_to_clean(full):
    assert by_title(full, "HTML 原样").stem == "<p>带有脚本的题干<script>alert(1)</script></p>"
    assert by_title(full, "论述二").explanation == "<p>要点：政治建设、思想建设。</p>"


def test_plain_and_markdown_formats_are_escaped(full):
    question = by_title(full, "格式")
    assert question.stem == "党章中 &lt;总纲&gt; 部分的作用是"
    assert [option.text for option in question.options] == ["**统领全篇**", "&lt;无&gt;"]


def test_moodle_format_is_read_as_plain_text(full):
    assert by_title(full, "格式二").stem == '"两学一做"是指'


def test_escaped_characters_are_read_literally(full):
    question = by_title(full, "转义: 特殊字符")
    assert question.stem == "在 GIFT 中 { } ~ = # : 需要转义，反斜杠写作 \\，换行写作<br>第二行。"
    assert [option.text for option in question.options] == ["1=1", "1~2"]


def test_multi_line_question_keeps_its_line_breaks(full):
    assert by_title(full, "多行").stem.count("<br>") == 2


def test_location_is_the_first_line_of_the_question_after_its_comments(full):
    assert by_title(full, "党的性质").where == "Line 7"
    assert by_title(full, "多行").where == "Line 76"


def test_matching_question_is_skipped_with_its_title(full):
    assert full.skipped[0].where == "Line 87"
    assert full.skipped[0].message == "“配对” was left out: matching questions cannot be imported."


def test_text_without_an_answer_block_is_skipped_as_a_description(full):
    assert full.skipped[1].message == "“说明” was left out: description questions cannot be imported."


def test_windows_line_endings_read_the_same(full):
    crlf = parse_gift(fixture("full_syntax.gift").replace("\n", "\r\n"))
    assert crlf.questions == full.questions


def test_questions_are_separated_by_blank_lines_only():
    result = parse_gift("第一题{T}\n第二题{F}\n\n第三题{T}")
    assert [question.stem for question in result.questions] == ["第三题"]
    assert result.errors[0].where == "Line 1"


# --- Mistakes in the file -------------------------------------------------------------------


def test_unclosed_brace_is_an_error_and_the_other_questions_still_parse():
    result = parse_gift(fixture("unclosed_brace.gift"))
    assert [question.title for question in result.questions] == ["正确的题", "另一道正确的题"]
    assert [error.where for error in result.errors] == ["Line 4"]
    assert result.errors[0].message.startswith("The braces do not match")


def test_multiple_choice_without_a_correct_answer_is_an_error():
    result = parse_gift(fixture("no_correct_answer.gift"))
    assert result.questions == []
    assert result.errors[0].message == "No option is marked as correct."


def test_answer_weight_that_is_not_a_number_is_an_error():
    result = parse_gift(fixture("bad_weight.gift"))
    assert result.errors[0].message == (
        "“一半” is not a valid answer weight; write a percentage between -100 and 100."
    )


def test_weights_of_correct_options_must_add_up_to_a_hundred():
    result = parse_gift("多选{~%50%甲 ~%40%乙 ~丙}")
    assert result.errors[0].message == "The weights of the correct options add up to 90% instead of 100%."


def test_single_choice_with_two_correct_options_is_an_error():
    result = parse_gift("单选{=甲 =乙 ~丙}")
    assert result.errors[0].message == "Single choice allows only one correct option; 2 are marked correct."


def test_choice_with_one_option_is_an_error():
    assert parse_gift("单选{=甲 ~}").errors[0].message == "A choice question needs at least two options."


def test_question_without_text_is_an_error():
    assert parse_gift("{=甲 ~乙}").errors[0].message == "The question text is empty."


def test_numeric_answer_that_is_not_a_number_is_an_error():
    assert parse_gift("年份{#一九二一}").errors[0].message == (
        "“一九二一” is not a number or a range such as 1921, 3.14:0.01 or 1..5."
    )


def test_short_answer_without_a_full_marks_answer_is_an_error():
    message = parse_gift("简称{=%50%中共}").errors[0].message
    assert message == "None of the accepted answers scores full marks."


def test_every_broken_question_is_reported_not_only_the_first():
    result = parse_gift("甲{=a ~b\n\n乙{~a ~b}\n\n丙{T}\n\n丁{#x}")
    assert [error.where for error in result.errors] == ["Line 1", "Line 3", "Line 7"]
    assert len(result.questions) == 1


def test_file_with_only_comments_has_no_questions():
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_gift(fixture("empty.gift"))
    assert caught.value.message == "No questions were found in the file."


def test_empty_upload_is_rejected():
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_upload(name="题库.gift", data=b"")
    assert caught.value.message == "The uploaded file is empty."


def test_binary_garbage_is_not_read_as_text():
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_upload(name="题库.gift", data=(FIXTURES / "garbage.gift").read_bytes())
    assert caught.value.message.startswith("The file could not be read as text.")


def test_control_characters_in_a_text_are_refused():
    with pytest.raises(InvalidQuestionFile):
        parse_gift("题目{T}\x00\x01\x02")


def test_file_with_more_questions_than_the_limit_is_rejected(monkeypatch):
    monkeypatch.setattr(text, "MAX_QUESTIONS", 3)
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_gift("\n\n".join(f"第{n}题{{T}}" for n in range(4)))
    assert caught.value.message == "The file has more than 3 questions; split it into several files."


def test_file_larger_than_the_limit_is_rejected_before_it_is_read(settings):
    settings.QUESTION_IMPORT_MAX_BYTES = 1000
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_upload(name="题库.gift", data=b"x{T}\n\n" * 200)
    assert caught.value.message.startswith("The file is 1.2")


# --- Reading the upload ---------------------------------------------------------------------


def test_utf8_file_with_a_byte_order_mark_is_read():
    result = parse_upload(name="题库.gift", data="\ufeff::甲::党章{T}".encode())
    assert result.questions[0].title == "甲"


def test_gb18030_file_from_a_chinese_windows_editor_is_read():
    result = parse_upload(name="题库.txt", data="::甲::中国共产党党章{T}".encode("gb18030"))
    assert result.questions[0].stem == "中国共产党党章"


def test_unknown_file_type_is_rejected_with_the_accepted_types():
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_upload(name="题库.docx", data=b"PK\x03\x04")
    assert ".xlsx" in caught.value.message and ".gift" in caught.value.message
