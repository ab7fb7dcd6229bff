"""The message board (留言板 / 书记信箱): members write to their party organisation.

A letter may be anonymous to other members, never to the organizers who answer it. Organizers
reply publicly (the letter and the reply then appear on the unit's board, without the writer's
name if anonymous) or privately (only the writer reads it). A letter is public only if its writer
allowed it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models.discussion import Visibility


class Letter(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit", verbose_name=_("to"), on_delete=models.PROTECT, related_name="letters"
    )
    title = models.CharField(_("subject"), max_length=80)
    body = models.TextField(_("text"))  # sanitized HTML
    is_anonymous = models.BooleanField(
        _("anonymous to other members"),
        default=False,
        help_text=_("Organizers always see who wrote it."),
    )
    may_publish = models.BooleanField(
        _("may be answered publicly"),
        default=True,
        help_text=_("Otherwise only you and the organizers read the letter and its answers."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    moderation_reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_public = models.BooleanField(_("on the public board"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org_unit", "status", "-created_at"], name="letter_inbox"),
            models.Index(fields=["author", "-created_at"], name="letter_by_author"),
        ]

    def __str__(self) -> str:
        return self.title


class LetterReply(models.Model):
    """An organizer's answer (public or private), or a follow-up from the writer (always private)."""

    letter = models.ForeignKey(
        Letter, verbose_name=_("letter"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    from_organizer = models.BooleanField(_("from the organisation"), default=True)
    is_public = models.BooleanField(_("public"), default=False)
    body = models.TextField(_("text"))  # sanitized HTML
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("letter reply")
        verbose_name_plural = _("letter replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.letter} #{self.pk}"
