"""Exams: when, how long, how many tries, which questions, what members may review and when."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExamQuerySet(models.QuerySet):
    def published(self) -> ExamQuerySet:
        return self.filter(status=Exam.Status.PUBLISHED)


class Exam(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Overdue(models.TextChoices):
        AUTO_SUBMIT = "auto_submit", _("Submit open attempts automatically")
        DISCARD = "discard", _("Attempts not submitted in time do not count")

    class Grading(models.TextChoices):
        HIGHEST = "highest", _("Highest grade")
        LAST = "last", _("Last attempt")
        FIRST = "first", _("First attempt")
        AVERAGE = "average", _("Average of all attempts")

    class Review(models.TextChoices):
        IMMEDIATELY = "immediately", _("Right after submitting")
        AFTER_CLOSE = "after_close", _("After the exam closes")
        NEVER = "never", _("Never")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("instructions"), blank=True)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exams",
        help_text=_("Leave empty for a standalone exam, such as a training class graduation exam."),
    )
    class_name = models.CharField(
        _("training class"),
        max_length=100,
        blank=True,
        help_text=_("Shown on certificates of a standalone exam, e.g. the 2026 activists training class."),
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="exams",
        help_text=_(
            "Members of this unit and the units below it may sit the exam; it issues the certificates."
        ),
    )
    political_statuses = models.JSONField(
        _("political statuses"), default=list, blank=True, help_text=_("Empty means everyone.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    announced_at = models.DateTimeField(_("members told it is open"), null=True, blank=True, editable=False)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty means no limit until it closes.")
    )
    grace_seconds = models.PositiveIntegerField(
        _("grace period (seconds)"),
        default=60,
        validators=[MaxValueValidator(600)],
        help_text=_("Answers sent this long after the deadline are still accepted (slow networks)."),
    )
    overdue_action = models.CharField(
        _("when time runs out"), max_length=20, choices=Overdue.choices, default=Overdue.AUTO_SUBMIT
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=1, help_text=_("0 means unlimited.")
    )
    grading_method = models.CharField(
        _("grading method"), max_length=20, choices=Grading.choices, default=Grading.HIGHEST
    )
    pass_percent = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review_score = models.CharField(
        _("members see their score"), max_length=20, choices=Review.choices, default=Review.IMMEDIATELY
    )
    review_correctness = models.CharField(
        _("members see which answers were right"),
        max_length=20,
        choices=Review.choices,
        default=Review.AFTER_CLOSE,
    )
    review_answers = models.CharField(
        _("members see the correct answers"),
        max_length=20,
        choices=Review.choices,
        default=Review.AFTER_CLOSE,
    )
    review_explanations = models.CharField(
        _("members see the explanations"), max_length=20, choices=Review.choices, default=Review.AFTER_CLOSE
    )
    require_lessons_complete = models.BooleanField(
        _("all lessons of the course must be complete"),
        default=False,
        help_text=_("Only for an exam linked to a course."),
    )
    is_graduation = models.BooleanField(
        _("graduation exam"),
        default=False,
        help_text=_(
            "Passing it issues a certificate, and a linked course is complete only once it is passed."
        ),
    )
    certificate_hours = models.DecimalField(
        _("credit hours on the certificate"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty: the course's credit hours."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ExamQuerySet.as_manager()

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-opens_at"]
        permissions = [("grade_exam", "Can grade essay answers")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The exam must close after it opens.")})
        if self.require_lessons_complete and not self.course_id:
            raise ValidationError(
                {"require_lessons_complete": _("Only an exam linked to a course can require its lessons.")}
            )

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= now < self.closes_at

    def has_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    @property
    def subject(self) -> str:
        """What a certificate is for: the course, else the training class, else the exam title."""
        if self.course_id:
            return self.course.title
        return self.class_name or self.title


class ExamSlot(models.Model):
    """One place in the exam: a fixed question, or N questions drawn at random from a category."""

    exam = models.ForeignKey(Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="slots")
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    question = models.ForeignKey(
        "exams.Question",
        verbose_name=_("question"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slots",
    )
    category = models.ForeignKey(
        "exams.QuestionCategory",
        verbose_name=_("draw from category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slots",
    )
    include_subcategories = models.BooleanField(_("include subcategories"), default=True)
    kind = models.CharField(_("question type"), max_length=20, blank=True)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(
        _("number of questions"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    mark = models.DecimalField(
        _("marks per question"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty: each question's own marks."),
    )

    class Meta:
        verbose_name = _("exam question slot")
        verbose_name_plural = _("exam question slots")
        ordering = ["exam", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(question__isnull=False, category__isnull=True))
                | (models.Q(question__isnull=True, category__isnull=False)),
                name="slot_fixed_or_random",
            )
        ]

    def __str__(self) -> str:
        return str(self.question) if self.question_id else f"{self.category} × {self.count}"

    @property
    def is_random(self) -> bool:
        return self.category_id is not None
