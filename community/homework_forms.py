"""Forms of the homework pages; the services check everything again and give the precise message."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from community.content import MAX_BODY_CHARS, MAX_TITLE_CHARS
from community.uploads import ACCEPTED_EXTENSIONS

_BODY = {"max_length": MAX_BODY_CHARS * 2, "strip": False}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS * 2)
    prompt = forms.CharField(label=_("What to do"), widget=forms.Textarea(attrs={"rows": 8}), **_BODY)
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    max_score = forms.IntegerField(label=_("Full marks"), initial=100, min_value=1, max_value=1000)
    allow_files = forms.BooleanField(label=_("Members may attach files"), required=False, initial=True)
    accept_late = forms.BooleanField(
        label=_("Accept late work (it is marked as late)"), required=False, initial=True
    )


class AssignmentEditForm(AssignmentForm):
    is_open = forms.BooleanField(label=_("Open for hand-ins"), required=False, initial=True)


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 10}), required=False, **_BODY
    )
    files = MultipleFileField(label=_("Attach files"), required=False)
    remove = forms.TypedMultipleChoiceField(
        label=_("Remove these files"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, existing=(), allow_files: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = [(row.pk, row.name) for row in existing]
        if not allow_files:
            del self.fields["files"]
            del self.fields["remove"]
        else:
            self.fields["files"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)
            self.fields["files"].help_text = _(
                "Up to %(count)d files, each at most %(size)s: PDF, Word, Excel, PowerPoint, WPS, "
                "images or plain text."
            ) % {
                "count": settings.HOMEWORK_FILES_MAX,
                "size": filesizeformat(settings.HOMEWORK_FILE_MAX_BYTES),
            }


class ReviewForm(forms.Form):
    score = forms.IntegerField(label=_("Score"), min_value=0)
    comment = forms.CharField(
        label=_("Comment for the member"), widget=forms.Textarea(attrs={"rows": 5}), required=False, **_BODY
    )

    def __init__(self, *args, max_score: int = 100, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].max_value = max_score
        self.fields["score"].widget.attrs.update({"max": max_score, "inputmode": "numeric"})
        self.fields["score"].help_text = _("Full marks: %(max)d") % {"max": max_score}
