"""Attempts, their saved answers, the append-only log of every answer change, and results."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from exams.models.bank import ImmutableRowError


class Attempt(models.Model):
    """One sitting. Its deadline and question layout are fixed by the server when it starts.

    ``layout``: [{"version": QuestionVersion id, "mark": "2.0", "order": [original option indexes]}]
    in the order the member sees them. The browser only ever sees positions, never version ids.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        DISCARDED = "discarded", _("Not submitted in time")

    class Finish(models.TextChoices):
        MEMBER = "member", _("Submitted by the member")
        DEADLINE = "deadline", _("Submitted automatically at the deadline")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="attempts"
    )
    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="exam_attempts"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    finished_by = models.CharField(_("finished"), max_length=20, choices=Finish.choices, blank=True)
    layout = models.JSONField(_("question layout"), default=list)
    writer = models.CharField(_("current window"), max_length=32, blank=True)
    last_seq = models.PositiveIntegerField(_("last saved sequence"), default=0)
    last_digest = models.CharField(max_length=64, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=1, default=0)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    needs_grading = models.BooleanField(_("waiting for grading"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["exam", "member", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "member"],
                condition=models.Q(state="in_progress"),
                name="one_open_attempt_per_member",
            ),
            models.UniqueConstraint(fields=["exam", "member", "number"], name="attempt_number_once"),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.exam} · {self.member} · {self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_PROGRESS

    @property
    def percent(self):
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(self.score.__class__("0.01"))


class AttemptAnswer(models.Model):
    """The latest saved answer to one position of an attempt, and its mark."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers"
    )
    position = models.PositiveSmallIntegerField(_("question number"))
    response = models.JSONField(_("answer"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"))
    saved_at = models.DateTimeField(_("saved"))
    mark = models.DecimalField(_("marks"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("grader's comment"), blank=True)
    graded_by = models.ForeignKey(
        "school.User", verbose_name=_("graded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="one_answer_per_position")
        ]
        # The grading queue: essays of submitted attempts still without a mark.
        indexes = [
            models.Index(fields=["attempt"], condition=models.Q(mark__isnull=True), name="answer_needs_mark")
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position + 1}"


class AnswerLogEntry(models.Model):
    """Every answer change as it arrived. Rows are only ever added."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answer_log"
    )
    position = models.PositiveSmallIntegerField(_("question number"))
    response = models.JSONField(_("answer"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"))
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("answer log entry")
        verbose_name_plural = _("answer log")
        ordering = ["attempt", "pk"]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position + 1} · #{self.seq}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ImmutableRowError("the answer log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("the answer log is append-only")


class ExamResult(models.Model):
    """A member's standing in one exam under its grading method; what reports and certificates read."""

    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="results"
    )
    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="exam_results"
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    passed_at = models.DateTimeField(_("passed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        constraints = [models.UniqueConstraint(fields=["exam", "member"], name="one_result_per_member")]

    def __str__(self) -> str:
        return f"{self.exam} · {self.member}"
