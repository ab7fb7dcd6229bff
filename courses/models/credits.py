"""The 学时 ledger and the study rules organizers configure (completion threshold, annual hours)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class CreditHourEntry(models.Model):
    """Credit hours a member earned, written once: per completed course, or per offline session."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Online course")
        OFFLINE = "offline", _("Offline study")

    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="credit_hours"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    offline = models.ForeignKey(
        "courses.OfflineStudy",
        verbose_name=_("offline study"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="entries",
    )
    title = models.CharField(_("what"), max_length=200)
    hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1)
    earned_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("credit hours entry")
        verbose_name_plural = _("credit hours")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"],
                condition=models.Q(kind="course"),
                name="course_credit_hours_once",
            ),
            models.UniqueConstraint(
                fields=["member", "offline"],
                condition=models.Q(kind="offline"),
                name="offline_credit_hours_once",
            ),
        ]
        indexes = [models.Index(fields=["member", "earned_on"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.title} · {self.hours}"


@register_setting(icon="time")
class StudySettings(BaseGenericSetting):
    completion_percent = models.PositiveSmallIntegerField(
        _("share of a video to watch (%)"),
        default=90,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_("A video lesson is complete once this much of it has been watched."),
    )
    reading_percent = models.PositiveSmallIntegerField(
        _("minimum reading time (percent of the estimated minutes)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A text lesson is complete after this much of its estimated time, read to the end."),
    )
    annual_credit_hours = models.DecimalField(
        _("credit hours required per year"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("32.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("study rules")


class CreditTier(models.Model):
    """学时 by length: a lesson or an offline session of at least ``min_minutes`` earns ``hours``."""

    min_minutes = models.PositiveSmallIntegerField(_("from minutes"), unique=True)
    hours = models.DecimalField(
        _("credit hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("credit hours tier")
        verbose_name_plural = _("credit hours tiers")
        ordering = ["min_minutes"]

    def __str__(self) -> str:
        return f"≥ {self.min_minutes} min: {self.hours}"


def hours_for_minutes(minutes: float, tiers: list[CreditTier] | None = None) -> Decimal:
    """The hours of the highest tier ``minutes`` reaches; none below the lowest tier.

    Pass ``tiers`` (all of them) when asking for many lengths at once.
    """
    if tiers is None:
        tiers = list(CreditTier.objects.filter(min_minutes__lte=minutes))
    reached = [tier for tier in tiers if tier.min_minutes <= minutes]
    return max(reached, key=lambda tier: tier.min_minutes).hours if reached else Decimal("0")


class OfflineStudy(models.Model):
    """集中学习, 三会一课, 党课 held in person: organizers record who attended; each earns the hours."""

    class Kind(models.TextChoices):
        GROUP_STUDY = "group_study", _("Group study")  # 集中学习
        THREE_MEETINGS = "three_meetings", _("Three meetings and one lesson")  # 三会一课
        PARTY_LESSON = "party_lesson", _("Party lesson")  # 党课
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    org_unit = models.ForeignKey(
        "school.OrgUnit", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"))
    minutes = models.PositiveSmallIntegerField(
        _("length in minutes"), validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    hours = models.DecimalField(_("credit hours per attendee"), max_digits=4, decimal_places=1)
    attendees = models.ManyToManyField("school.Member", verbose_name=_("attendees"), related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offline study")
        verbose_name_plural = _("offline study")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title
