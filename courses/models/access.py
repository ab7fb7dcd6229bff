"""Access levels (公开 / 党员 / 指定组织 / 内部) shared by courses, lessons, articles and documents."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page


class AccessLevel(models.TextChoices):
    PUBLIC = "public", _("Public: anyone, without logging in")
    MEMBERS = "members", _("Members: everyone who has logged in")
    ORG_UNITS = "org_units", _("Chosen organisations: members of the party organisations chosen below")
    INTERNAL = "internal", _("Internal: branch organizers, editors and administrators")


class AccessControlledPage(Page):
    """A page whose readers are limited by ``access_level``; enforced in ``serve`` (see permissions).

    A page is readable only if its own level and the level of every access-controlled ancestor
    allow it: a lesson of a course for 第一党支部 stays closed to others whatever the lesson says.
    """

    access_level = models.CharField(
        _("who may read this"), max_length=20, choices=AccessLevel.choices, default=AccessLevel.MEMBERS
    )
    access_org_units = ParentalManyToManyField(
        "school.OrgUnit",
        verbose_name=_("party organisations"),
        blank=True,
        related_name="+",
        help_text=_(
            "With “Chosen organisations”: members of these organisations and of the units below them."
        ),
    )

    access_panels = [
        MultiFieldPanel(
            [FieldPanel("access_level"), FieldPanel("access_org_units")],
            heading=_("Access"),
        )
    ]

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        from courses.permissions import refuse_unless_readable

        refusal = refuse_unless_readable(request, self)
        if refusal is not None:
            return refusal
        return super().serve(request, *args, **kwargs)
