"""Forms of the exam screens in the admin (考试, 阅卷): the exam's settings, its question slots, a mark.

Which organisation units an exam may be organised by: a system administrator any; a 支部管理员
the units of the subtrees they manage; an instructor without managed units any unit, because
instructors teach school-wide (the exam stays theirs through ``created_by``). An exam keeps its
current unit as a choice even if the person editing could not pick it for a new exam.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from exams.models import Difficulty, Exam, Question, QuestionCategory, QuestionKind
from school.models import Member, OrgUnit
from school.permissions import is_system_admin, managed_roots, org_units_visible_to

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_TIME_LIMIT = 7 * 24 * 60
MAX_SLOT_MARK = Decimal("1000")


def exam_org_units_for(user: Any) -> QuerySet[OrgUnit]:
    """The units ``user`` may organise an exam for (see the module docstring)."""
    if is_system_admin(user) or managed_roots(user):
        return org_units_visible_to(user)
    return OrgUnit.objects.all()


def _indented(unit: OrgUnit) -> str:
    return unit.indented_name


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


EXAM_FIELDSETS = (
    (_("Basic information"), ("title", "description", "course", "class_name")),
    (_("Timing"), ("opens_at", "closes_at", "time_limit_minutes", "grace_seconds", "overdue_action")),
    (
        _("Attempts and grading"),
        ("attempts_allowed", "grading_method", "pass_percent", "shuffle_questions", "shuffle_options"),
    ),
    (
        _("What members may review"),
        ("review_score", "review_correctness", "review_answers", "review_explanations"),
    ),
    (_("Audience and eligibility"), ("org_unit", "political_statuses", "require_lessons_complete")),
    (_("Certificate"), ("is_graduation", "certificate_hours")),
)


class ExamForm(forms.ModelForm):
    political_statuses = forms.MultipleChoiceField(
        label=_("political statuses"),
        choices=Member.PoliticalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for everyone."),
    )
    opens_at = forms.DateTimeField(label=_("opens"), widget=_datetime_widget())
    closes_at = forms.DateTimeField(label=_("closes"), widget=_datetime_widget())
    time_limit_minutes = forms.IntegerField(
        label=_("time limit (minutes)"),
        required=False,
        min_value=1,
        max_value=MAX_TIME_LIMIT,
        help_text=_("Empty means no limit until it closes. An attempt never runs past the closing time."),
    )
    attempts_allowed = forms.IntegerField(
        label=_("attempts allowed"), min_value=0, max_value=100, initial=1, help_text=_("0 means unlimited.")
    )
    certificate_hours = forms.DecimalField(
        label=_("credit hours on the certificate"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("999.9"),
        decimal_places=1,
        help_text=_("Empty: the course's credit hours."),
    )

    class Meta:
        model = Exam
        fields = [name for _label, names in EXAM_FIELDSETS for name in names]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = exam_org_units_for(user)
        courses = CoursePage.objects.live()
        if self.instance.pk:
            units = units | OrgUnit.objects.filter(pk=self.instance.org_unit_id)
            courses = courses | CoursePage.objects.filter(pk=self.instance.course_id)
        self.fields["org_unit"].queryset = units.order_by("path")
        self.fields["org_unit"].label_from_instance = _indented
        self.fields["course"].queryset = courses.order_by("title")

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(label, [self[name] for name in names]) for label, names in EXAM_FIELDSETS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The exam must close after it opens."))
        if cleaned.get("require_lessons_complete") and not cleaned.get("course"):
            self.add_error(
                "require_lessons_complete", _("Only an exam linked to a course can require its lessons.")
            )
        self._check_certificate(cleaned)
        return cleaned

    def _check_certificate(self, cleaned: dict[str, Any]) -> None:
        hours = cleaned.get("certificate_hours")
        if hours is not None and not cleaned.get("is_graduation"):
            self.add_error(
                "certificate_hours", _("Only a graduation exam issues certificates; leave the hours empty.")
            )
        if cleaned.get("is_graduation") and hours is None and not cleaned.get("course"):
            self.add_error(
                "certificate_hours",
                _("A graduation exam without a course needs the credit hours to certify."),
            )


class FixedSlotForm(forms.Form):
    """One chosen question; the page lists the choices (filtered by category and text) itself."""

    question = forms.ModelChoiceField(
        label=_("question"),
        queryset=Question.objects.live().filter(current_version__isnull=False),
        error_messages={"invalid_choice": _("Choose a question of the bank that is not archived.")},
    )
    mark = forms.DecimalField(
        label=_("marks"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=MAX_SLOT_MARK,
        decimal_places=1,
        help_text=_("Empty: the question's own marks."),
    )

    def __init__(self, *args: Any, exam: Exam, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "fixed")
        super().__init__(*args, **kwargs)
        self.exam = exam

    def clean_question(self) -> Question:
        question = self.cleaned_data["question"]
        if self.exam.slots.filter(question=question).exists():
            raise forms.ValidationError(_("This question is already in the exam."))
        return question


class RandomSlotForm(forms.Form):
    category = forms.ModelChoiceField(label=_("draw from category"), queryset=QuestionCategory.objects.none())
    include_subcategories = forms.BooleanField(label=_("include subcategories"), required=False, initial=True)
    kind = forms.ChoiceField(
        label=_("question type"), required=False, choices=[("", _("Any type")), *QuestionKind.choices]
    )
    difficulty = forms.TypedChoiceField(
        label=_("difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any difficulty")), *Difficulty.choices],
    )
    count = forms.IntegerField(label=_("number of questions"), min_value=1, max_value=500, initial=1)
    mark = forms.DecimalField(
        label=_("marks per question"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=MAX_SLOT_MARK,
        decimal_places=1,
        help_text=_("Empty: each question's own marks."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "random")
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = QuestionCategory.objects.order_by("path")
        self.fields["category"].label_from_instance = lambda category: category.indented_name


class GradeForm(forms.Form):
    mark = forms.DecimalField(label=_("marks"), max_digits=7, decimal_places=2)
    comment = forms.CharField(
        label=_("comment for the member"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, full: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full = full
        self.fields["mark"].widget.attrs.update({"min": "0", "max": str(full), "step": "0.01"})
        self.fields["mark"].help_text = _("From 0 to %(full)s; decimals such as 7.5 are fine.") % {
            "full": _plain(full)
        }

    def clean_mark(self) -> Decimal:
        mark = self.cleaned_data["mark"]
        if not Decimal("0") <= mark <= self.full:
            raise forms.ValidationError(
                _("The mark must be between 0 and %(full)s.") % {"full": _plain(self.full)}
            )
        return mark


def _plain(value: Decimal) -> str:
    """10.0 → 10, 7.50 → 7.5: marks as people write them."""
    return format(value.normalize(), "f")
