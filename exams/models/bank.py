"""The question bank: a category tree, questions, and their immutable versions.

A question is an identity; what it says lives in ``QuestionVersion`` rows that are
never changed once written. Editing writes a new version; an attempt keeps the
version it was given, so a fix never silently changes a grade (a regrade does,
explicitly, and says so in the audit log).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")  # 单选
    MULTIPLE = "multiple", _("Multiple choice")  # 多选
    TRUEFALSE = "truefalse", _("True or false")  # 判断
    FILL = "fill", _("Fill in the blank")  # 填空
    ESSAY = "essay", _("Short answer")  # 简答


OBJECTIVE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUEFALSE, QuestionKind.FILL}


class PartialCredit(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("Only a fully correct answer scores")
    PROPORTIONAL = "proportional", _("Missing options score in proportion, any wrong option scores nothing")
    WEIGHTED = "weighted", _("Each option carries its own weight (Moodle)")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("Easy")
    MEDIUM = 2, _("Medium")
    HARD = 3, _("Hard")


class QuestionCategory(MP_Node):
    """A folder of questions; a tree, either shared or belonging to one course."""

    name = models.CharField(_("name"), max_length=100)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="question_categories",
        help_text=_("Leave empty for a category shared by all courses."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")

    def __str__(self) -> str:
        return self.name

    @property
    def indented_name(self) -> str:
        return "\u3000" * (self.depth - 1) + self.name

    def subtree(self) -> models.QuerySet[QuestionCategory]:
        return QuestionCategory.objects.filter(path__startswith=self.path)


class QuestionQuerySet(models.QuerySet):
    def live(self) -> QuestionQuerySet:
        return self.filter(archived=False)

    def in_category(self, category: QuestionCategory, *, with_subcategories: bool = True) -> QuestionQuerySet:
        if with_subcategories:
            return self.filter(category__path__startswith=category.path)
        return self.filter(category=category)


class Question(models.Model):
    category = models.ForeignKey(
        QuestionCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="questions"
    )
    # Denormalised from the current version so the bank can filter and draw without a join.
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, null=True, blank=True
    )
    current_version = models.ForeignKey(
        "exams.QuestionVersion",
        verbose_name=_("current version"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Archived questions are not drawn into new attempts.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["category", "kind", "difficulty"])]

    def __str__(self) -> str:
        return self.current_version.summary if self.current_version_id else f"#{self.pk}"


class ImmutableRowError(Exception):
    """A row that must never change was saved or deleted again."""


class QuestionVersion(models.Model):
    """What a question says at one point in time. Written once, never updated.

    ``options``: [{"text": html, "fraction": 1.0, "feedback": html}] for choice questions.
    ``answer``: {"correct": bool} (true/false) or {"blanks": [[{"text"|"min"/"max", "fraction"}]]} (fill).
    """

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    stem = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=dict, blank=True)
    partial_credit = models.CharField(
        _("partial credit"),
        max_length=20,
        choices=PartialCredit.choices,
        default=PartialCredit.ALL_OR_NOTHING,
    )
    explanation = models.TextField(_("explanation"), blank=True)
    rubric = models.TextField(_("grading notes"), blank=True)
    mark = models.DecimalField(
        _("marks"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, null=True, blank=True
    )
    tags = models.JSONField(_("knowledge points"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "-number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_number")]

    def __str__(self) -> str:
        return f"{self.summary} (v{self.number})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableRowError("a question version is never changed; write a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("a question version is never deleted on its own")

    @property
    def summary(self) -> str:
        from django.utils.html import strip_tags
        from django.utils.text import Truncator

        return Truncator(" ".join(strip_tags(self.stem).split())).chars(60) or self.title

    @property
    def correct_options(self) -> list[int]:
        return [index for index, option in enumerate(self.options) if option.get("fraction", 0) > 0]
