"""Who studies which course: enrolments, 专题班 assignments with their rosters, approval requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CourseAssignment(models.Model):
    """A course assigned by an organizer to an org subtree (and political statuses) with a deadline.

    Its roster is the enrolments that point at it, created when it is assigned.
    """

    title = models.CharField(
        _("training class"),
        max_length=100,
        help_text=_("For example: the second training class for party members, 2026"),
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="assignments"
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="course_assignments",
        help_text=_("Its members and those of the units below it."),
    )
    political_statuses = models.JSONField(_("political statuses"), default=list, blank=True)
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course assignment")
        verbose_name_plural = _("course assignments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class EnrollmentQuerySet(models.QuerySet):
    def studying(self) -> EnrollmentQuerySet:
        return self.filter(status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED])


class Enrollment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Studying")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Not approved")

    class Source(models.TextChoices):
        SELF = "self", _("Enrolled themselves")
        ASSIGNED = "assigned", _("Assigned")
        APPLIED = "applied", _("Applied")

    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("how"), max_length=20, choices=Source.choices, default=Source.SELF)
    assignment = models.ForeignKey(
        CourseAssignment,
        verbose_name=_("training class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("last lesson studied"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_studied_at = models.DateTimeField(_("last studied at"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["member", "course"], name="one_enrollment_per_course")]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["member", "status"]),
            # The overdue list of the statistics walks this and stops after the first rows.
            models.Index(
                fields=["deadline"],
                condition=models.Q(status="active", source="assigned"),
                name="enrollment_open_assigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.course}"

    @property
    def is_studying(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.deadline is not None and today > self.deadline
