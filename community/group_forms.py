"""Forms of the topic study groups. Generous limits; ``community.groups`` gives the precise message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community import permissions
from community.content import MAX_BODY_CHARS
from community.groups import MAX_MEMBERS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_TOPIC_CHARS, MIN_MEMBERS


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the group"),
        max_length=MAX_NAME_CHARS * 2,
        help_text=_("For example: Party history study group"),
    )
    topic = forms.CharField(
        label=_("Topic of study"),
        max_length=MAX_TOPIC_CHARS * 2,
        help_text=_("For example: the spirit of the 20th Party Congress"),
    )
    description = forms.CharField(
        label=_("What the group reads and how it meets"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=MAX_BODY_CHARS * 2,
        strip=False,
    )
    org_unit = forms.ModelChoiceField(
        label=_("Open to"),
        queryset=None,
        required=False,
        empty_label=_("Every member"),
        help_text=_("Members of the chosen organisation and the units under it may join."),
    )
    max_members = forms.IntegerField(
        label=_("Most members"), min_value=MIN_MEMBERS, max_value=MAX_MEMBERS, initial=30
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = permissions.units_for_groups(user).order_by("path")


class ReadingForm(forms.Form):
    page = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Why read it (optional)"), max_length=MAX_NOTE_CHARS * 2, required=False)


class MemberForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
