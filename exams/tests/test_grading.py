"""Marking one answer: every question type, partial-credit rules, folding of typed answers."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from exams.grading import Outcome, fold, mark_response

TWO = Decimal("2")


def choice(kind: str, fractions: list[float], partial_credit: str = "all_or_nothing") -> SimpleNamespace:
    options = [{"text": str(i), "fraction": f} for i, f in enumerate(fractions)]
    return SimpleNamespace(kind=kind, options=options, answer={}, partial_credit=partial_credit)


def fill(*blanks: list[dict]) -> SimpleNamespace:
    return SimpleNamespace(kind="fill", options=[], answer={"blanks": list(blanks)}, partial_credit="")


def test_single_choice_scores_only_the_correct_option():
    question = choice("single", [0, 1, 0])
    assert mark_response(question, [1], mark=TWO).mark == Decimal("2.00")
    assert mark_response(question, [0], mark=TWO).outcome == Outcome.WRONG


def test_single_choice_with_two_options_chosen_scores_nothing():
    assert mark_response(choice("single", [1, 0]), [0, 1], mark=TWO).mark == 0


def test_multiple_choice_all_or_nothing_needs_exactly_the_correct_set():
    question = choice("multiple", [1, 1, 0, 1])
    assert mark_response(question, [0, 1, 3], mark=TWO).outcome == Outcome.CORRECT
    assert mark_response(question, [0, 1], mark=TWO).mark == 0


@pytest.mark.parametrize(
    ("chosen", "expected"), [([0, 1, 3], "2.00"), ([0, 1], "1.33"), ([0], "0.67"), ([0, 2], "0.00")]
)
def test_multiple_choice_proportional_scores_missing_options_in_proportion_and_wrong_ones_zero(
    chosen, expected
):
    question = choice("multiple", [1, 1, 0, 1], partial_credit="proportional")
    assert mark_response(question, chosen, mark=TWO).mark == Decimal(expected)


def test_weighted_multiple_choice_adds_weights_and_never_goes_below_zero():
    question = choice("multiple", [0.5, 0.5, -1, 0], partial_credit="weighted")
    assert mark_response(question, [0], mark=TWO).mark == Decimal("1.00")
    assert mark_response(question, [0, 2], mark=TWO).mark == Decimal("0.00")


def test_true_false_compares_the_boolean():
    question = SimpleNamespace(kind="truefalse", options=[], answer={"correct": False}, partial_credit="")
    assert mark_response(question, False, mark=TWO).outcome == Outcome.CORRECT
    assert mark_response(question, True, mark=TWO).outcome == Outcome.WRONG


def test_fill_in_accepts_any_listed_answer_ignoring_width_case_and_spaces():
    question = fill([{"text": "中国共产党", "fraction": 1}, {"text": "CPC", "fraction": 1}])
    assert mark_response(question, [" ｃｐｃ "], mark=TWO).outcome == Outcome.CORRECT
    assert mark_response(question, ["中国共产党。"], mark=TWO).outcome == Outcome.CORRECT
    assert mark_response(question, ["共产党"], mark=TWO).outcome == Outcome.WRONG


def test_fill_in_with_two_blanks_scores_each_blank():
    question = fill([{"text": "1921", "fraction": 1}], [{"text": "上海", "fraction": 1}])
    assert mark_response(question, ["１９２１", "北京"], mark=TWO).mark == Decimal("1.00")


def test_numeric_blank_accepts_a_range():
    question = fill([{"min": 3.13, "max": 3.15, "fraction": 1}])
    assert mark_response(question, ["3.14"], mark=TWO).outcome == Outcome.CORRECT
    assert mark_response(question, ["3.2"], mark=TWO).outcome == Outcome.WRONG
    assert mark_response(question, ["三点一四"], mark=TWO).outcome == Outcome.WRONG


def test_partially_accepted_answer_gets_its_fraction():
    question = fill([{"text": "党的建设", "fraction": 1}, {"text": "党建", "fraction": 0.5}])
    assert mark_response(question, ["党建"], mark=TWO).mark == Decimal("1.00")


def test_essay_waits_for_a_person_unless_left_empty():
    question = SimpleNamespace(kind="essay", options=[], answer={}, partial_credit="")
    assert mark_response(question, "我的体会……", mark=TWO).mark is None
    assert mark_response(question, "  ", mark=TWO).outcome == Outcome.UNANSWERED


def test_unanswered_questions_score_zero():
    assert mark_response(choice("single", [1, 0]), [], mark=TWO).outcome == Outcome.UNANSWERED


def test_fold_turns_full_width_into_half_width_and_ignores_case():
    assert fold("ＡＢＣ　１２３") == fold("abc 123")
