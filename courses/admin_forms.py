"""Forms of the study management screens (课程指派, 报名审核) in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from school.models import Member
from school.permissions import org_units_visible_to


class CourseAssignmentForm(forms.Form):
    title = forms.CharField(
        label=_("training class"),
        max_length=100,
        help_text=_("For example: the second training class for party members, 2026"),
    )
    course = forms.ModelChoiceField(label=_("course"), queryset=CoursePage.objects.none())
    org_unit = forms.ModelChoiceField(
        label=_("organisation"),
        queryset=None,
        help_text=_("Its members and those of the units below it."),
    )
    political_statuses = forms.MultipleChoiceField(
        label=_("political statuses"),
        choices=Member.PoliticalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for everyone."),
    )
    deadline = forms.DateField(label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["org_unit"].queryset = org_units_visible_to(user).order_by("path")
        self.fields["org_unit"].label_from_instance = lambda unit: "　" * (unit.depth - 1) + unit.name

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline has already passed."))
        return deadline
