"""Offline study (集中学习, 三会一课, 党课): organizers record attendance; attendees earn the hours."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.exceptions import EnrollmentRefused
from courses.models import CreditHourEntry, OfflineStudy, hours_for_minutes
from school.models import Member, OrgUnit
from school.permissions import can_manage_org_unit
from school.services.audit import audit_record


@transaction.atomic(durable=True)
def offline_study_record(
    *,
    acting_user: Any,
    kind: str,
    title: str,
    org_unit: OrgUnit,
    held_on: datetime.date,
    minutes: int,
    attendees: list[Member],
    hours: Decimal | None = None,
) -> OfflineStudy:
    """Record a session and write each attendee's credit hours (by the tiers unless ``hours``)."""
    if not can_manage_org_unit(acting_user, org_unit):
        raise PermissionDenied(_("You may only record study of the organisations you manage."))
    if held_on > timezone.localdate():
        raise EnrollmentRefused(_("A session cannot be recorded before it is held."))
    if not attendees:
        raise EnrollmentRefused(_("Add at least one attendee."))
    outside = [
        m.real_name for m in attendees if not m.org_unit.path.startswith(org_unit.path) or not m.is_active
    ]
    if outside:
        raise EnrollmentRefused(
            _("Not active members of %(unit)s: %(names)s")
            % {"unit": org_unit.name, "names": "、".join(outside)}
        )
    hours = hours_for_minutes(minutes) if hours is None else hours
    study = OfflineStudy.objects.create(
        kind=kind,
        title=title,
        org_unit=org_unit,
        held_on=held_on,
        minutes=minutes,
        hours=hours,
        created_by=acting_user,
    )
    study.attendees.set(attendees)
    label = f"{study.get_kind_display()}：{title}"
    CreditHourEntry.objects.bulk_create(
        [
            CreditHourEntry(
                member=member,
                kind=CreditHourEntry.Kind.OFFLINE,
                offline=study,
                title=label[:200],
                hours=hours,
                earned_on=held_on,
                created_by=acting_user,
            )
            for member in attendees
        ]
    )
    audit_record(
        actor=acting_user,
        action="offline_study.recorded",
        target=study,
        org_unit_id=org_unit.pk,
        attendees=len(attendees),
        hours=str(hours),
    )
    return study
