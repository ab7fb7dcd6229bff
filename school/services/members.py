"""Writes that create or change members and their accounts."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from school import permissions
from school.models import Member, OrgUnit
from school.roles import Role
from school.services.audit import audit_record

User = get_user_model()


def member_create(
    *,
    acting_user,
    real_name: str,
    org_unit: OrgUnit,
    password: str,
    username: str = "",
    phone: str | None = None,
    gender: str = "",
    political_status: str = Member.PoliticalStatus.MASSES,
    joined_party_on: datetime.date | None = None,
    roles: tuple[Role, ...] = (Role.LEARNER,),
    must_change_password: bool = True,
    audit: bool = True,
) -> Member:
    """Create the account and the member profile together.

    Does not open its own transaction so that an import can create many members in
    one; callers that create one member wrap it in ``transaction.atomic``.
    """
    if acting_user is not None and not permissions.can_manage_org_unit(acting_user, org_unit):
        raise PermissionDenied(_("You may not add members to this organisation unit."))
    user = User(username=username or phone, must_change_password=must_change_password)
    user.set_password(password)
    user.save()
    if roles:
        user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    member = Member.objects.create(
        user=user,
        real_name=real_name,
        org_unit=org_unit,
        phone=phone or None,
        gender=gender,
        political_status=political_status,
        joined_party_on=joined_party_on,
    )
    if audit:
        audit_record(actor=acting_user, action="member.created", target=member, org_unit=org_unit.pk)
    return member


@transaction.atomic
def member_set_active(*, acting_user, member: Member, active: bool) -> Member:
    """Deactivating a member also blocks the login; nothing is deleted."""
    if not permissions.can_manage_member(acting_user, member):
        raise PermissionDenied(_("You may not manage this member."))
    member.is_active = active
    member.save(update_fields=["is_active", "updated_at"])
    member.user.is_active = active
    member.user.save(update_fields=["is_active"])
    audit_record(actor=acting_user, action="member.activated" if active else "member.deactivated", target=member)
    return member
