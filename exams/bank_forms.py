"""Admin forms for the question bank: one form per question type, all producing a ``QuestionContent``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from courses.models import CoursePage
from exams.models import Difficulty, PartialCredit, QuestionCategory, QuestionKind, QuestionVersion
from exams.services.bank import MAX_OPTIONS, QuestionContent, validate

_NUMERIC_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)\s*$")
_TAG_SEPARATORS = re.compile(r"[,，、;；]")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QuestionCategory) -> str:
        return obj.indented_name


def category_field(**kwargs: Any) -> CategoryChoiceField:
    return CategoryChoiceField(queryset=QuestionCategory.objects.order_by("path"), **kwargs)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_lazy("Name"), max_length=100)
    parent = category_field(label=_lazy("Inside"), required=False, empty_label=_lazy("(top level)"))
    course = forms.ModelChoiceField(
        label=_lazy("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        required=False,
        empty_label=_lazy("(shared by all courses)"),
    )


class QuestionForm(forms.Form):
    """Fields every question has; subclasses add what their type needs."""

    kind: str = ""
    category = category_field(label=_lazy("Category"))
    stem = forms.CharField(
        label=_lazy("Question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_lazy(
            "Plain text or simple HTML (bold, lists, tables, images by URL); scripts and styles are removed."
        ),
    )
    mark = forms.DecimalField(
        label=_lazy("Marks"), min_value=Decimal("0.1"), max_value=Decimal("1000"), initial=1
    )
    difficulty = forms.TypedChoiceField(
        label=_lazy("Difficulty"),
        choices=[("", "—"), *Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    tags = forms.CharField(
        label=_lazy("Knowledge points"),
        required=False,
        help_text=_lazy("Separated by commas, e.g. 党章, 组织原则"),
    )
    explanation = forms.CharField(
        label=_lazy("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def kind_answer(self) -> dict[str, Any]:
        return {}

    def content(self) -> QuestionContent:
        data = self.cleaned_data
        return QuestionContent(
            kind=self.kind,
            stem=data["stem"],
            mark=data["mark"],
            difficulty=data.get("difficulty"),
            tags=[t.strip() for t in _TAG_SEPARATORS.split(data.get("tags") or "") if t.strip()],
            explanation=data.get("explanation") or "",
            **self.kind_answer(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            for problem in validate(self.content().cleaned()):
                self.add_error(None, problem)
        return cleaned

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        return {
            "category": category,
            "stem": version.stem,
            "mark": version.mark,
            "difficulty": version.difficulty,
            "tags": ", ".join(version.tags),
            "explanation": version.explanation,
        }


class ChoiceQuestionForm(QuestionForm):
    kind = QuestionKind.SINGLE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_OPTIONS):
            letter = chr(ord("A") + i)
            self.fields[f"option_{i}"] = forms.CharField(
                label=_("Option %(letter)s") % {"letter": letter}, required=False
            )
            self.fields[f"correct_{i}"] = forms.BooleanField(label=_("correct"), required=False)

    def option_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"option_{i}"], self[f"correct_{i}"]) for i in range(MAX_OPTIONS)]

    def kind_answer(self) -> dict[str, Any]:
        options = []
        for i in range(MAX_OPTIONS):
            text = (self.cleaned_data.get(f"option_{i}") or "").strip()
            if text:
                options.append(
                    {"text": text, "fraction": 1.0 if self.cleaned_data.get(f"correct_{i}") else 0.0}
                )
        return {"options": options}

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        initial = super().initial_from(version, category)
        for i, option in enumerate(version.options):
            initial[f"option_{i}"] = option["text"]
            initial[f"correct_{i}"] = option.get("fraction", 0) > 0
        return initial


class MultipleChoiceQuestionForm(ChoiceQuestionForm):
    kind = QuestionKind.MULTIPLE
    partial_credit = forms.ChoiceField(
        label=_lazy("Partial credit"),
        choices=PartialCredit.choices,
        initial=PartialCredit.ALL_OR_NOTHING,
        help_text=_lazy(
            "Saving here with weights gives the correct options equal shares and wrong ones none."
        ),
    )

    def kind_answer(self) -> dict[str, Any]:
        answer = super().kind_answer()
        rule = self.cleaned_data.get("partial_credit", PartialCredit.ALL_OR_NOTHING)
        if rule == PartialCredit.WEIGHTED:
            correct = [o for o in answer["options"] if o["fraction"] > 0]
            for option in answer["options"]:
                option["fraction"] = round(1 / len(correct), 4) if option["fraction"] > 0 else 0.0
        return {**answer, "partial_credit": rule}

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        return {**super().initial_from(version, category), "partial_credit": version.partial_credit}


class TrueFalseQuestionForm(QuestionForm):
    kind = QuestionKind.TRUEFALSE
    correct = forms.TypedChoiceField(
        label=_lazy("The statement is"),
        choices=[("true", _lazy("True")), ("false", _lazy("False"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )

    def kind_answer(self) -> dict[str, Any]:
        return {"answer": {"correct": self.cleaned_data["correct"]}}

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        value = "true" if version.answer.get("correct") else "false"
        return {**super().initial_from(version, category), "correct": value}


def _accepted(text: str) -> dict[str, Any]:
    numeric = _NUMERIC_RANGE.match(text)
    if numeric:
        return {"min": float(numeric.group(1)), "max": float(numeric.group(2)), "fraction": 1.0}
    return {"text": text, "fraction": 1.0}


def _accepted_text(item: dict[str, Any]) -> str:
    if item.get("text") is not None:
        return item["text"]
    return f"{item['min']:g}..{item['max']:g}"


class FillQuestionForm(QuestionForm):
    kind = QuestionKind.FILL
    blanks = forms.CharField(
        label=_lazy("Accepted answers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy(
            "One line per blank; several accepted answers on one line separated by |. "
            "A number range as 3.13..3.15. Width, case and spaces are ignored when marking."
        ),
    )

    def kind_answer(self) -> dict[str, Any]:
        lines = [line for line in (self.cleaned_data.get("blanks") or "").splitlines() if line.strip()]
        blanks = [[_accepted(t.strip()) for t in re.split(r"[|｜]", line) if t.strip()] for line in lines]
        return {"answer": {"blanks": blanks}}

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        lines = ["|".join(_accepted_text(a) for a in blank) for blank in version.answer.get("blanks", [])]
        return {**super().initial_from(version, category), "blanks": "\n".join(lines)}


class EssayQuestionForm(QuestionForm):
    kind = QuestionKind.ESSAY
    rubric = forms.CharField(
        label=_lazy("Grading notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_lazy("A reference answer and how to award marks; graders see it, members never do."),
    )

    def kind_answer(self) -> dict[str, Any]:
        return {"rubric": self.cleaned_data.get("rubric") or ""}

    @classmethod
    def initial_from(cls, version: QuestionVersion, category: QuestionCategory) -> dict[str, Any]:
        return {**super().initial_from(version, category), "rubric": version.rubric}


FORMS: dict[str, type[QuestionForm]] = {
    QuestionKind.SINGLE: ChoiceQuestionForm,
    QuestionKind.MULTIPLE: MultipleChoiceQuestionForm,
    QuestionKind.TRUEFALSE: TrueFalseQuestionForm,
    QuestionKind.FILL: FillQuestionForm,
    QuestionKind.ESSAY: EssayQuestionForm,
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Question file"),
        help_text=_lazy(
            "Excel (.xlsx, from our template), Moodle GIFT (.gift/.txt), Moodle XML (.xml) or Aiken (.txt)."
        ),
    )
    category = category_field(label=_lazy("Import into"))
