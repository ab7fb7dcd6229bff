from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.content import MAX_BODY_CHARS, MAX_TITLE_CHARS
from community.models import NoteAudience

# Generous limits on what the form accepts at all; the services give the precise message.
_BODY = {"max_length": MAX_BODY_CHARS * 2, "strip": False}


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS * 2)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), **_BODY)
    is_question = forms.BooleanField(
        label=_("This is a question (an instructor can choose the best answer)"), required=False, initial=True
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), **_BODY)
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), **_BODY)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class NoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS * 2)
    body = forms.CharField(label=_("Your study note"), widget=forms.Textarea(attrs={"rows": 12}), **_BODY)
    audience = forms.ChoiceField(
        label=_("Who may read it"),
        choices=NoteAudience.choices,
        initial=NoteAudience.BRANCH,
        widget=forms.RadioSelect,
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}), **_BODY)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=MAX_TITLE_CHARS * 2)
    body = forms.CharField(
        label=_("Why this topic, and what you would like to learn"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        **_BODY,
    )


class CallForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course to teach"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title of the call"), max_length=MAX_TITLE_CHARS * 2)
    body = forms.CharField(
        label=_("What the instructor does"), widget=forms.Textarea(attrs={"rows": 6}), required=False, **_BODY
    )
    closes_on = forms.DateField(
        label=_("Applications close on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        from courses.models import CoursePage

        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["course"].help_text = _(
            "Create the course in the admin first (it may stay without lessons): "
            "the chosen instructor builds it."
        )


class ApplicationForm(forms.Form):
    statement = forms.CharField(
        label=_("Why you would teach this course"), widget=forms.Textarea(attrs={"rows": 6}), **_BODY
    )
