"""Forms of the study management screens (课程指派, 报名审核) in the admin."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage, OfflineStudy
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


class OfflineStudyForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=OfflineStudy.Kind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    org_unit = forms.ModelChoiceField(label=_("organisation"), queryset=None)
    held_on = forms.DateField(label=_("held on"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("length in minutes"), min_value=1, max_value=1440)
    hours = forms.DecimalField(
        label=_("credit hours per attendee"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("99.9"),
        decimal_places=1,
        help_text=_("Leave empty to use the credit hours tiers for the length."),
    )
    attendance = forms.CharField(
        label=_("attendance list"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One attendee per line (or separated by commas): the real name, or the mobile number "
            "where two share a name."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units_visible_to(user).order_by("path")
        self.fields["org_unit"].label_from_instance = lambda unit: "　" * (unit.depth - 1) + unit.name

    def clean(self):
        cleaned = super().clean()
        unit, text = cleaned.get("org_unit"), cleaned.get("attendance")
        if unit is not None and text:
            cleaned["attendees"] = self._attendees(unit, text)
        cleaned.pop("attendance", None)  # the service takes the members it names
        return cleaned

    def _attendees(self, unit, text: str) -> list[Member]:
        names = [name for name in re.split(r"[\s,，、;；]+", text) if name]
        members = list(Member.objects.active().in_subtree(unit).select_related("org_unit"))
        by_phone = {m.phone: m for m in members if m.phone}
        by_name: dict[str, list[Member]] = {}
        for member in members:
            by_name.setdefault(member.real_name, []).append(member)
        found: dict[int, Member] = {}
        unknown, ambiguous = [], []
        for name in names:
            matches = [by_phone[name]] if name in by_phone else by_name.get(name, [])
            if len(matches) == 1:
                found[matches[0].pk] = matches[0]
            elif matches:
                ambiguous.append(name)
            else:
                unknown.append(name)
        if unknown:
            self.add_error(
                "attendance",
                _("Not found among the active members of %(unit)s: %(names)s")
                % {"unit": unit.name, "names": "、".join(unknown)},
            )
        if ambiguous:
            self.add_error(
                "attendance",
                _("More than one member has this name; write the mobile number instead: %(names)s")
                % {"names": "、".join(ambiguous)},
            )
        return list(found.values())
