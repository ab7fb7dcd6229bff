"""Homework (作业): an instructor sets an assignment on a course; members hand in text and files;
instructors review with a score and a comment. A late submission is kept and flagged."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Assignment(models.Model):
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    prompt = models.TextField(_("what to do"))  # sanitized HTML built by community.content
    due_at = models.DateTimeField(_("due"))
    allow_files = models.BooleanField(_("files may be attached"), default=True)
    accept_late = models.BooleanField(
        _("accept late work"), default=True, help_text=_("Late work is accepted and marked as late.")
    )
    max_score = models.PositiveSmallIntegerField(_("full marks"), default=100)
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("homework assignment")
        verbose_name_plural = _("homework assignments")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["course", "due_at"], name="assignment_on_course")]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        REVIEWED = "reviewed", _("Reviewed")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="submissions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("answer"), blank=True)  # sanitized HTML
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    is_late = models.BooleanField(_("late"), default=False)
    submitted_at = models.DateTimeField(_("handed in at"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    review_comment = models.TextField(_("comment"), blank=True)  # sanitized HTML
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("homework submission")
        verbose_name_plural = _("homework submissions")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "author"], name="one_submission_per_member"),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(score__isnull=False), name="reviewed_has_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.assignment}"


class SubmissionFile(models.Model):
    """A file handed in, stored under a random name; ``kind`` is what its content showed it to be."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to="homework/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("type"), max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
