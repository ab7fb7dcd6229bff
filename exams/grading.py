"""Marking one answer: pure functions, no database. Used on submit and again on regrade.

Responses are stored in the question's own option order (the browser's shuffled positions
are mapped back by the attempt service): single/multiple a list of option indexes,
true/false a bool, fill-in a list of strings (one per blank), essay a string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from exams.models.bank import PartialCredit, QuestionKind

CENT = Decimal("0.01")


class Outcome:
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"
    UNANSWERED = "unanswered"
    MANUAL = "manual"  # waits for a grader


@dataclass(frozen=True)
class Marked:
    mark: Decimal | None  # None: a person must grade it
    outcome: str


def fold(value: str) -> str:
    """Compare typed answers the way people mean them: full-/half-width, case and spacing folded."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip("。.，,；;！!？? ")


def _number(value: str) -> float | None:
    try:
        return float(fold(value).replace(" ", ""))
    except ValueError:
        return None


def _accepts(accepted: dict[str, Any], typed: str) -> bool:
    if accepted.get("text") is not None:
        return fold(accepted["text"]) == fold(typed)
    number = _number(typed)
    return number is not None and accepted["min"] - 1e-9 <= number <= accepted["max"] + 1e-9


def _blank_fraction(accepted: list[dict[str, Any]], typed: str) -> float:
    if not (typed or "").strip():
        return 0.0
    return max((a.get("fraction", 1.0) for a in accepted if _accepts(a, typed)), default=0.0)


def _choice_fraction(options: list[dict], chosen: set[int], partial_credit: str, kind: str) -> float:
    fractions = [float(o.get("fraction", 0)) for o in options]
    if kind == QuestionKind.SINGLE or partial_credit == PartialCredit.WEIGHTED:
        return max(0.0, min(1.0, sum(fractions[i] for i in chosen)))
    correct = {i for i, f in enumerate(fractions) if f > 0}
    if chosen == correct:
        return 1.0
    if partial_credit == PartialCredit.PROPORTIONAL and chosen and chosen <= correct:
        return len(chosen) / len(correct)
    return 0.0


def _fraction(kind: str, options: list, answer: dict, partial_credit: str, response: Any) -> float:
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = {i for i in response if isinstance(i, int) and 0 <= i < len(options)}
        if kind == QuestionKind.SINGLE and len(chosen) > 1:
            return 0.0
        return _choice_fraction(options, chosen, partial_credit, kind)
    if kind == QuestionKind.TRUEFALSE:
        return 1.0 if response is answer.get("correct") else 0.0
    blanks = answer.get("blanks", [])
    typed = list(response) + [""] * (len(blanks) - len(response))
    return sum(_blank_fraction(accepted, t) for accepted, t in zip(blanks, typed, strict=False)) / len(blanks)


def is_unanswered(response: Any) -> bool:
    if response is None:
        return True
    if isinstance(response, str):
        return not response.strip()
    if isinstance(response, list):
        return not any(str(item).strip() for item in response)
    return False


def mark_response(version: Any, response: Any, *, mark: Decimal) -> Marked:
    """Marks for ``response`` to ``version`` (a QuestionVersion or anything with its fields)."""
    if version.kind == QuestionKind.ESSAY:
        if is_unanswered(response):
            return Marked(Decimal("0.00"), Outcome.UNANSWERED)
        return Marked(None, Outcome.MANUAL)
    if is_unanswered(response):
        return Marked(Decimal("0.00"), Outcome.UNANSWERED)
    fraction = _fraction(version.kind, version.options, version.answer, version.partial_credit, response)
    awarded = (mark * Decimal(str(fraction))).quantize(CENT, rounding=ROUND_HALF_UP)
    if fraction >= 0.9999:
        return Marked(mark.quantize(CENT), Outcome.CORRECT)
    return Marked(awarded, Outcome.PARTIAL if awarded > 0 else Outcome.WRONG)


def outcome_of(mark: Decimal | None, full: Decimal, *, unanswered: bool) -> str:
    """Right/wrong for a stored mark (e.g. after manual grading)."""
    if mark is None:
        return Outcome.MANUAL
    if unanswered:
        return Outcome.UNANSWERED
    if mark >= full:
        return Outcome.CORRECT
    return Outcome.PARTIAL if mark > 0 else Outcome.WRONG
