"""Study notes (学习心得), their comments and likes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models.discussion import Report, Visibility


class NoteAudience(models.TextChoices):
    """Who may read a study note besides its author (and never beyond the readers of its page)."""

    PRIVATE = "private", _("Only me")
    BRANCH = "branch", _("My party branch")
    EVERYONE = "everyone", _("Every member")


class StudyNote(models.Model):
    """A member's 学习心得 on a lesson, course, article or policy document (or on nothing in particular).

    ``org_unit`` is the author's 支部 when the note was written: "my party branch" means its members
    (and the organizers above it), even if the author moves later.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    page_title = models.CharField(_("about (title)"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))
    audience = models.CharField(
        _("who may read it"), max_length=10, choices=NoteAudience.choices, default=NoteAudience.BRANCH
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    moderation_reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    featured_at = models.DateTimeField(_("featured at"), null=True, blank=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("study note")
        verbose_name_plural = _("study notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["audience", "visibility", "-created_at"], name="note_listing"),
            models.Index(fields=["page", "-created_at"], name="note_on_page"),
            models.Index(fields=["author", "-created_at"], name="note_by_author"),
        ]

    def __str__(self) -> str:
        return self.title


class NoteComment(models.Model):
    note = models.ForeignKey(
        StudyNote, verbose_name=_("study note"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} · {self.note}"


class NoteLike(models.Model):
    note = models.ForeignKey(StudyNote, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("liked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="one_like_per_note_and_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.note}"


class NoteReport(Report):
    note = models.ForeignKey(
        StudyNote, verbose_name=_("study note"), on_delete=models.CASCADE, related_name="reports"
    )

    class Meta(Report.Meta):
        verbose_name = _("study note report")
        verbose_name_plural = _("study note reports")
        constraints = [
            models.UniqueConstraint(fields=["note", "reporter"], name="one_report_per_note_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.note}: {self.reason}"
