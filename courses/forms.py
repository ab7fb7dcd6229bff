"""Admin forms of the course and library pages: what editors may not get wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from school.models import Member


class AccessControlledPageForm(WagtailAdminPageForm):
    """“Chosen organisations” without any organisation would shut everyone out by mistake."""

    def clean(self):
        cleaned = super().clean()
        from courses.models.access import AccessLevel

        if cleaned.get("access_level") == AccessLevel.ORG_UNITS and not cleaned.get("access_org_units"):
            self.add_error("access_org_units", _("Choose at least one party organisation."))
        return cleaned

    @property
    def is_publishing(self) -> bool:
        return "action-publish" in self.data


class CoursePageForm(AccessControlledPageForm):
    audience_statuses = forms.MultipleChoiceField(
        label=_("for members who are"),
        choices=Member.PoliticalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for everyone."),
    )

    def clean(self):
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("The course cannot close before it opens."))
        if self.is_publishing and not self._has_live_lessons():
            raise forms.ValidationError(
                _("A course can be published only once at least one of its lessons is published.")
            )
        return cleaned

    def _has_live_lessons(self) -> bool:
        from courses.models import LessonPage

        page = self.instance
        return bool(page.pk) and LessonPage.objects.child_of(page).live().exists()


class LessonPageForm(AccessControlledPageForm):
    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("video") and not cleaned.get("body"):
            raise forms.ValidationError(_("A lesson needs a video, a text, or both."))
        return cleaned
