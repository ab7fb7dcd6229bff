"""Topic study groups (专题学习小组): a group board, a reading list of library items, progress.

Organizers create groups that are active at once; a member's group waits for an organizer who
manages the group's org unit (or the member) to approve it. A group with an org unit admits
members of that subtree only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StudyGroup(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Not approved")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=40)
    topic = models.CharField(_("topic"), max_length=80)
    description = models.TextField(_("description"), blank=True)  # sanitized HTML
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("open to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_groups",
        help_text=_("Members of this unit and the units under it may join. Empty: every member."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    board = models.OneToOneField(
        "community.Board",
        verbose_name=_("group board"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_group",
    )
    max_members = models.PositiveSmallIntegerField(_("most members"), default=50)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="group_listing")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"


class GroupReading(models.Model):
    """An item of the group's reading list: a course, lesson, article or policy document."""

    group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.CASCADE, related_name="readings"
    )
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("library item"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("why read it"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reading list item")
        verbose_name_plural = _("reading list items")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "page"], name="one_reading_per_page")]

    def __str__(self) -> str:
        return f"{self.group} · {self.page_id}"


class ReadingDone(models.Model):
    """A member ticked an article or policy document of the reading list as read (courses and
    lessons count from the member's real progress instead)."""

    reading = models.ForeignKey(GroupReading, on_delete=models.CASCADE, related_name="done")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("item read")
        verbose_name_plural = _("items read")
        constraints = [models.UniqueConstraint(fields=["reading", "user"], name="one_done_per_reading")]

    def __str__(self) -> str:
        return f"{self.user} · {self.reading}"
