"""Forms of the message board. The services give the precise messages; the forms only bound input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.content import MAX_BODY_CHARS, MAX_TITLE_CHARS

# Generous limits on what the form accepts at all (a 1 MB paste stops here, with a message).
_BODY = {"max_length": MAX_BODY_CHARS * 2, "strip": False}

PUBLIC, PRIVATE = "public", "private"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit) -> str:
        return gettext("%(unit)s (%(kind)s)") % {"unit": unit.name, "kind": unit.get_kind_display()}


class LetterForm(forms.Form):
    org_unit = UnitChoiceField(
        label=_("To"), queryset=None, empty_label=None, widget=forms.RadioSelect, required=True
    )
    title = forms.CharField(label=_("Subject"), max_length=MAX_TITLE_CHARS * 2)
    body = forms.CharField(label=_("Your letter"), widget=forms.Textarea(attrs={"rows": 10}), **_BODY)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous to other members"),
        required=False,
        help_text=_("The organizers who answer always see your name."),
    )
    may_publish = forms.BooleanField(
        label=_("The organisation may answer publicly on the message board"),
        required=False,
        initial=True,
        help_text=_("Untick it and only you and the organizers read the letter and its answers."),
    )

    def __init__(self, *args, units: list, **kwargs) -> None:
        """``units``: where the writer may write (their own unit and those above it)."""
        super().__init__(*args, **kwargs)
        from school.models import OrgUnit

        self.fields["org_unit"].queryset = OrgUnit.objects.filter(
            pk__in=[unit.pk for unit in units]
        ).order_by("-depth")


class LetterAnswerForm(forms.Form):
    """An organizer's answer. Both audiences validate; the service refuses a public answer the
    writer did not allow, with its own message."""

    body = forms.CharField(
        label=_("Your answer to the letter"), widget=forms.Textarea(attrs={"rows": 6}), **_BODY
    )
    audience = forms.ChoiceField(
        label=_("Who reads the answer"),
        choices=[
            (PUBLIC, _("Public: the letter and the answer appear on the message board")),
            (PRIVATE, _("Only the writer")),
        ],
        initial=PRIVATE,
        widget=forms.RadioSelect,
    )


class FollowUpForm(forms.Form):
    body = forms.CharField(
        label=_("Add to your letter"),
        help_text=_("Only the organizers read it. An answered letter waits for an answer again."),
        widget=forms.Textarea(attrs={"rows": 4}),
        **_BODY,
    )
