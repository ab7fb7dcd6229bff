"""The notification centre's rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One line in a user's notification centre. The text is rendered at display time from ``kind``
    (in the reader's language) with ``actor`` and ``subject``."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        MENTION = "mention", _("Mention")
        BEST_ANSWER = "best_answer", _("Best answer")
        QUESTION_ANSWERED = "question_answered", _("Question answered")
        NOTE_COMMENT = "note_comment", _("Comment on a study note")
        NOTE_FEATURED = "note_featured", _("Study note featured")
        CALL_OPENED = "call_opened", _("Call for instructors")
        APPLICATION_ACCEPTED = "application_accepted", _("Application accepted")
        APPLICATION_DECLINED = "application_declined", _("Application not chosen")
        POST_HIDDEN = "post_hidden", _("Post hidden")
        POST_RESTORED = "post_restored", _("Post restored")
        HOMEWORK_REVIEWED = "homework_reviewed", _("Homework reviewed")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Proposal accepted")
        COURSE_ASSIGNED = "course_assigned", _("Course assigned")
        EXAM_OPEN = "exam_open", _("Exam open")
        HOMEWORK_SET = "homework_set", _("New homework")
        LETTER_RECEIVED = "letter_received", _("New letter to the organisation")
        LETTER_ANSWERED = "letter_answered", _("Letter answered")
        GROUP_PENDING = "group_pending", _("Study group waiting for approval")
        GROUP_APPROVED = "group_approved", _("Study group approved")
        GROUP_DECLINED = "group_declined", _("Study group not approved")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("about"), max_length=200)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"
