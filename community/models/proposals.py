"""Topic proposals (主题征集), votes, calls for instructors (众包) and applications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models.discussion import Visibility


class TopicProposal(models.Model):
    """A topic members want to learn (主题征集). Members vote once each; an organizer turns a popular
    one into a call for instructors."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        ADOPTED = "adopted", _("Taken up")
        DECLINED = "declined", _("Declined")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("topic"), max_length=80)
    body = models.TextField(_("why and what"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("topic proposal")
        verbose_name_plural = _("topic proposals")
        ordering = ["-vote_count", "-created_at", "-id"]
        indexes = [models.Index(fields=["visibility", "-vote_count", "-created_at"], name="proposal_ranking")]

    def __str__(self) -> str:
        return self.title


class ProposalVote(models.Model):
    proposal = models.ForeignKey(TopicProposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_vote_per_proposal_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.proposal}"


class InstructorCall(models.Model):
    """A call for an instructor (众包) to teach a course on a proposed topic."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for applications")
        FILLED = "filled", _("Instructor chosen")
        CLOSED = "closed", _("Closed")

    proposal = models.OneToOneField(
        TopicProposal, verbose_name=_("topic proposal"), on_delete=models.PROTECT, related_name="call"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("what the instructor does"), blank=True)
    closes_on = models.DateField(_("applications close on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for instructors")
        verbose_name_plural = _("calls for instructors")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Under consideration")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not chosen")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(
        InstructorCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="+"
    )
    statement = models.TextField(_("statement"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant"], name="one_application_per_call_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.call}"
