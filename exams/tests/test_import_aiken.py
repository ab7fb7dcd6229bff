"""Aiken import: single-choice questions in plain text, as teachers type them in Chinese."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from exams.imports import parse_upload
from exams.imports.aiken import parse_aiken
from exams.imports.types import SINGLE, ImportResult, InvalidQuestionFile, ParsedQuestion

FIXTURES = Path(__file__).parent / "fixtures" / "imports" / "aiken"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def good() -> ImportResult:
    return parse_aiken(fixture("questions.txt"))


@pytest.fixture
def broken() -> ImportResult:
    return parse_aiken(fixture("broken.txt"))


def correct_texts(question: ParsedQuestion) -> list[str]:
    return [option.text for option in question.options if option.fraction == 1.0]


def test_every_question_is_a_single_choice_with_one_correct_option(good):
    assert good.errors == []
    assert [question.kind for question in good.questions] == [SINGLE] * 4
    assert [correct_texts(question) for question in good.questions] == [
        ["1921年"],
        ["全心全意为人民服务"],
        ["实现共产主义"],
        ["党课"],
    ]


def test_options_with_a_dot_or_a_parenthesis_are_read(good):
    assert [option.text for option in good.questions[1].options] == [
        "为人民服务",
        "全心全意为人民服务",
        "实现共产主义",
    ]


def test_full_width_letters_and_chinese_answer_line_are_read(good):
    assert len(good.questions[2].options) == 3


def test_question_text_may_run_over_several_lines(good):
    assert good.questions[1].stem == "党的根本宗旨是<br>什么？"


def test_location_is_the_first_line_of_the_question(good):
    assert [question.where for question in good.questions] == ["Line 1", "Line 8", "Line 15", "Line 21"]


def test_text_is_escaped_as_html():
    result = parse_aiken("<b>党章</b> & 党规\nA. <甲>\nB. 乙\nANSWER: A")
    assert result.questions[0].stem == "&lt;b&gt;党章&lt;/b&gt; &amp; 党规"
    assert result.questions[0].options[0].text == "&lt;甲&gt;"


def test_question_without_an_answer_line_is_an_error(broken):
    assert broken.errors[0].where == "Line 1"
    assert broken.errors[0].message == "The answer is missing."


def test_answer_letter_that_is_not_an_option_is_an_error(broken):
    assert broken.errors[1].where == "Line 5"
    assert broken.errors[1].message == "The answer “E” is not one of the options."


def test_question_with_fewer_than_two_options_is_an_error(broken):
    assert broken.errors[2].where == "Line 10"
    assert broken.errors[2].message == "A choice question needs at least two options."


def test_broken_questions_do_not_stop_the_good_ones(broken):
    assert len(broken.errors) == 3
    assert [question.stem for question in broken.questions] == ["正确的题目：党的组织原则是"]


def test_answer_with_several_letters_is_an_error():
    result = parse_aiken("题目\nA. 甲\nB. 乙\nANSWER: AB")
    assert result.errors[0].message == "Single choice allows only one correct option; 2 are marked correct."


def test_empty_text_has_no_questions():
    with pytest.raises(InvalidQuestionFile) as caught:
        parse_aiken("\n\n")
    assert caught.value.message == "No questions were found in the file."


def test_txt_upload_that_reads_as_aiken_is_parsed_as_aiken():
    result = parse_upload(name="题库.txt", data=(FIXTURES / "questions.txt").read_bytes())
    assert len(result.questions) == 4


def test_txt_upload_with_answer_blocks_is_parsed_as_gift():
    result = parse_upload(name="题库.txt", data="党章是党的根本大法。{T}".encode())
    assert result.questions[0].correct is True


def test_aiken_suffix_is_always_parsed_as_aiken():
    result = parse_upload(name="题库.aiken", data="题目\nA. 甲\nB. 乙\nANSWER: B".encode("gb18030"))
    assert result.questions[0].options[1].fraction == 1.0
