"""Moodle XML import: a real Moodle 4 export, unsupported types, and hostile or broken XML."""

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from exams.imports import parse_upload, text
from exams.imports.moodle_xml import parse_moodle_xml
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

FIXTURES = Path(__file__).parent / "fixtures" / "imports" / "moodle"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def export() -> ImportResult:
    with translation.override("en"):
        return parse_moodle_xml((FIXTURES / "moodle4_export.xml").read_bytes())


def by_title(result: ImportResult, title: str) -> ParsedQuestion:
    return next(question for question in result.questions if question.title == title)


def quiz(*questions: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>' + "".join(questions) + "</quiz>").encode()


def question(kind: str, body: str, *, name: str = "题", stem: str = "题干") -> str:
    return (
        f'<question type="{kind}"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text><![CDATA[{stem}]]></text></questiontext>{body}</question>'
    )


def answer(fraction: str, value: str, extra: str = "") -> str:
    return f'<answer fraction="{fraction}" format="html"><text>{value}</text>{extra}</answer>'


def file_error(data: bytes) -> str:
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_moodle_xml(data)
    return caught.value.message


# --- A Moodle 4 export -----------------------------------------------------------------------


def test_moodle4_export_imports_every_supported_question(export):
    assert Counter(question.kind for question in export.questions) == {
        SINGLE: 2,
        MULTIPLE: 1,
        TRUEFALSE: 2,
        FILL: 2,
        ESSAY: 1,
    }
    assert export.errors == []


def test_unsupported_types_are_skipped_and_named(export):
    messages = [
        problem.message for problem in export.skipped if "questions cannot be imported" in problem.message
    ]
    assert messages == [
        "“会议与地点” was left out: matching questions cannot be imported.",
        "“阅读材料” was left out: description questions cannot be imported.",
        "“完形填空” was left out: cloze questions cannot be imported.",
    ]


def test_category_items_set_the_category_of_the_questions_after_them(export):
    assert by_title(export, "党的性质").category == ["党章", "总纲"]
    assert by_title(export, "一大召开地点").category == ["党史"]


def test_location_counts_questions_without_category_items_and_names_them(export):
    assert by_title(export, "党的性质").where == "Question 1 “党的性质”"
    assert by_title(export, "一大召开地点").where == "Question 6 “一大召开地点”"


def test_html_question_text_from_cdata_is_kept_as_html(export):
    assert by_title(export, "党的性质").stem.startswith('<p dir="ltr" style="text-align: left;">中国共产党')


def test_default_grade_becomes_the_mark(export):
    assert by_title(export, "党的性质").mark == Decimal("2")
    assert by_title(export, "初心使命").mark == Decimal("10")


def test_tags_are_read(export):
    assert by_title(export, "党的性质").tags == ["党的性质", "党章"]


def test_general_feedback_becomes_the_explanation(export):
    assert by_title(export, "党的性质").explanation == "<p>见党章总纲第一段。</p>"


def test_single_choice_keeps_its_options_feedback_and_fractions(export):
    options = by_title(export, "党的性质").options
    assert [option.fraction for option in options] == [1.0, 0.0, 0.0, 0.0]
    assert options[0].text == "<p>先锋队</p>"
    assert options[0].feedback == "<p>正确。</p>"


def test_single_choice_keeps_partial_fractions(export):
    assert [option.fraction for option in by_title(export, "党旗").options] == [1.0, 0.5, 0.0]


def test_multiple_choice_with_percentages_is_weighted(export):
    question = by_title(export, "作风建设")
    assert question.kind == MULTIPLE
    assert question.partial_credit == WEIGHTED
    assert [option.fraction for option in question.options] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_moodle_auto_format_and_plain_text_are_escaped(export):
    assert (
        by_title(export, "预备期").stem == "预备党员的预备期为两年 &lt;错&gt; 还是一年？判断：预备期为两年。"
    )
    assert by_title(export, "党旗").options[0].text == "红色"


def test_true_false_answer_follows_the_fraction_of_true_and_false(export):
    assert by_title(export, "最高领导机关").correct is True
    assert by_title(export, "预备期").correct is False


def test_short_answer_is_one_blank_with_fractions_and_feedback(export):
    assert by_title(export, "一大召开地点").blanks == [
        [
            Accepted(text="上海"),
            Accepted(text="上海市"),
            Accepted(text="嘉兴", fraction=0.5, feedback="<p>闭幕会议在嘉兴南湖举行。</p>"),
        ]
    ]


def test_numerical_answers_become_ranges_from_their_tolerance_and_the_catch_all_is_dropped(export):
    assert by_title(export, "建党年份").blanks == [
        [
            Accepted(min=1921.0, max=1921.0),
            Accepted(min=1920.0, max=1922.0, fraction=0.5, feedback="<p>差一年。</p>"),
        ]
    ]


def test_essay_grader_information_becomes_the_rubric(export):
    assert (
        by_title(export, "初心使命").rubric == "<p>要点：为中国人民谋幸福，为中华民族谋复兴；联系实际。</p>"
    )


def test_embedded_image_is_left_out_and_the_question_is_kept_with_a_note(export):
    assert by_title(export, "党旗").stem == "<p>下图是中国共产党党旗吗？请选择党旗的颜色：</p>"
    assert export.skipped[0].where == "Question 3 “党旗”"
    assert export.skipped[0].message == "The image “党旗.png” was left out; add it again after the import."


def test_script_in_html_is_passed_through_for_the_import_service_to_clean():
    result = parse_moodle_xml(quiz(question("essay", "", stem="<p>题<script>alert(1)</script></p>")))
    assert result.questions[0].stem == "<p>题<script>alert(1)</script></p>"


def test_other_question_types_are_skipped_with_their_type():
    kinds = ["ddwtos", "calculated", "calculatedsimple", "calculatedmulti", "randomsamatch", "gapselect"]
    result = parse_moodle_xml(quiz(*(question(kind, "", name=kind) for kind in kinds)))
    assert result.questions == []
    assert [problem.message.split(": ")[1] for problem in result.skipped] == [
        f"{kind} questions cannot be imported." for kind in kinds
    ]


def test_upload_with_xml_suffix_is_read_as_moodle_xml():
    result = parse_upload(name="moodle.XML", data=(FIXTURES / "moodle4_export.xml").read_bytes())
    assert len(result.questions) == 8


# --- Questions that are wrong ----------------------------------------------------------------


def test_single_choice_with_two_full_marks_answers_is_an_error():
    body = "<single>true</single>" + answer("100", "甲") + answer("100", "乙")
    result = parse_moodle_xml(quiz(question("multichoice", body)))
    assert result.errors[0].message == "Single choice allows only one correct option; 2 are marked correct."


def test_fraction_that_is_not_a_number_is_an_error():
    body = "<single>true</single>" + answer("全对", "甲") + answer("0", "乙")
    result = parse_moodle_xml(quiz(question("multichoice", body)))
    assert result.errors[0].message.startswith("“全对” is not a valid answer weight")


def test_default_grade_that_is_not_positive_is_an_error():
    body = "<defaultgrade>0</defaultgrade>" + answer("100", "true") + answer("0", "false")
    result = parse_moodle_xml(quiz(question("truefalse", body)))
    assert result.errors[0].message == "The mark must be a positive number, not “0”."


def test_true_false_without_a_recognisable_answer_is_an_error():
    result = parse_moodle_xml(quiz(question("truefalse", answer("100", "对") + answer("0", "错"))))
    assert result.errors[0].message == "The true/false answer could not be recognised."


def test_every_broken_question_is_reported_with_its_number():
    broken = question("multichoice", answer("0", "甲") + answer("0", "乙"), name="无答案")
    good = question("essay", "")
    result = parse_moodle_xml(quiz(broken, good, broken))
    assert [error.where for error in result.errors] == ["Question 1 “无答案”", "Question 3 “无答案”"]
    assert len(result.questions) == 1


def test_question_without_a_name_is_located_by_number_only():
    result = parse_moodle_xml(quiz(question("essay", "", name="", stem="")))
    assert result.errors[0].where == "Question 1"


# --- Files that are not usable ---------------------------------------------------------------


def test_truncated_file_is_rejected_with_the_line_of_the_error():
    assert file_error((FIXTURES / "broken.xml").read_bytes()).startswith(
        "The file is not valid XML: the error is at line 13"
    )


def test_external_entity_is_refused_and_nothing_is_read_from_disk():
    message = file_error((FIXTURES / "xxe.xml").read_bytes())
    assert message == "The XML file declares a document type or entities, which are not allowed."
    assert "root:" not in message


def test_billion_laughs_is_refused_before_expansion():
    message = file_error((FIXTURES / "billion_laughs.xml").read_bytes())
    assert message == "The XML file declares a document type or entities, which are not allowed."


def test_xml_that_is_not_a_moodle_quiz_is_rejected():
    assert file_error((FIXTURES / "wrong_root.xml").read_bytes()) == (
        "This is not a Moodle XML question file: its root element is <questestinterop>, not <quiz>."
    )


def test_quiz_with_only_categories_has_no_questions():
    category = '<question type="category"><category><text>$course$/top/党章</text></category></question>'
    assert file_error(quiz(category)) == "No questions were found in the file."


def test_empty_file_is_rejected():
    assert file_error(b"  \n") == "The uploaded file is empty."


def test_file_with_more_questions_than_the_limit_is_rejected(monkeypatch):
    monkeypatch.setattr(text, "MAX_QUESTIONS", 2)
    assert file_error(quiz(*[question("essay", "")] * 3)) == (
        "The file has more than 2 questions; split it into several files."
    )
