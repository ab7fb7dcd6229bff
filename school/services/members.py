"""Writes that create or change members and their accounts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
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
    password: str | None,
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
    one; callers that create one member wrap it in ``transaction.atomic``. A ``password``
    of None leaves the account with an unusable password until the caller sets one.
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
    audit_record(
        actor=acting_user, action="member.activated" if active else "member.deactivated", target=member
    )
    return member


class MemberError(Exception):
    """A member write that cannot be done as asked; ``message`` is shown to the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class MemberIdentityTaken(MemberError):
    """Someone registered the same mobile number or login name at the same moment."""

    def __init__(self) -> None:
        super().__init__(_("This mobile number or login name is already registered."), field="phone")


def member_register(
    *, acting_user, password: str, roles: Iterable[Role] | None = None, **profile: Any
) -> Member:
    """Add one member from the admin: account and profile together, or neither.

    ``profile`` takes the keyword arguments of ``member_create`` (real_name, org_unit,
    username, phone …). The password is an initial one that the member must replace at
    first login. Only a system administrator may choose roles; everyone else creates learners.
    """
    if roles is not None and not permissions.can_assign_roles(acting_user):
        raise PermissionDenied(_("You may not assign roles."))
    granted = tuple(roles) if roles is not None else (Role.LEARNER,)
    try:
        with transaction.atomic(durable=True):
            member = member_create(acting_user=acting_user, password=password, roles=granted, **profile)
            if set(granted) != {Role.LEARNER}:
                audit_record(
                    actor=acting_user,
                    action="member.roles_changed",
                    target=member,
                    added=_role_names(granted),
                )
    except IntegrityError as exc:
        raise MemberIdentityTaken() from exc
    return member


def member_update(
    *,
    acting_user,
    member: Member,
    real_name: str,
    phone: str | None,
    gender: str,
    org_unit: OrgUnit,
    political_status: str,
    joined_party_on: datetime.date | None,
    is_active: bool | None = None,
    roles: Iterable[Role] | None = None,
) -> Member:
    """Change a member's profile; ``None`` for ``is_active`` or ``roles`` leaves them as they are.

    Both the member's current unit and the new one must lie in the acting user's
    scope, so an organizer cannot move anyone out of (or into) their subtree.
    """
    profile = {
        "real_name": real_name,
        "phone": phone or None,
        "gender": gender,
        "org_unit": org_unit,
        "political_status": political_status,
        "joined_party_on": joined_party_on,
    }
    try:
        with transaction.atomic(durable=True):
            locked = Member.objects.select_for_update().select_related("user", "org_unit").get(pk=member.pk)
            _check_may_update(acting_user, locked, org_unit, roles)
            _update_profile(acting_user, locked, profile)
            if roles is not None:
                _set_roles(acting_user, locked, roles)
            if is_active is not None and is_active != locked.is_active:
                _check_may_set_active(acting_user, locked)
                member_set_active(acting_user=acting_user, member=locked, active=is_active)
    except IntegrityError as exc:
        raise MemberIdentityTaken() from exc
    return locked


def member_delete(*, acting_user, member: Member) -> None:
    """Delete the account and its profile; refused while other records still need the account."""
    if not permissions.can_delete_member(acting_user, member):
        raise PermissionDenied(_("Only a system administrator may delete members."))
    try:
        with transaction.atomic(durable=True):
            audit_record(
                actor=acting_user,
                action="member.deleted",
                target=member,
                username=member.user.username,
                org_unit=member.org_unit_id,
            )
            member.user.delete()
    except ProtectedError as exc:
        raise MemberError(
            _("This member's records must be kept, so the account cannot be deleted. Deactivate it instead.")
        ) from exc


def _check_may_update(acting_user, member: Member, org_unit: OrgUnit, roles: Iterable[Role] | None) -> None:
    if not permissions.can_edit_member(acting_user, member):
        raise PermissionDenied(_("You may not manage this member."))
    if not permissions.can_manage_org_unit(acting_user, org_unit):
        raise PermissionDenied(_("You may not move members to this organisation unit."))
    if roles is not None and not permissions.can_assign_roles(acting_user):
        raise PermissionDenied(_("You may not assign roles."))


def _check_may_set_active(acting_user, member: Member) -> None:
    if member.user_id == acting_user.pk:
        raise MemberError(_("You cannot deactivate your own account."), field="is_active")
    if not permissions.can_set_member_active(acting_user, member):
        raise PermissionDenied(_("You may not deactivate this account."))


def _update_profile(acting_user, member: Member, profile: dict[str, Any]) -> None:
    changes = {
        field: [_audit_value(getattr(member, field)), _audit_value(value)]
        for field, value in profile.items()
        if getattr(member, field) != value
    }
    if not changes:
        return
    old_phone = member.phone
    for field, value in profile.items():
        setattr(member, field, value)
    member.save(update_fields=[*profile, "updated_at"])
    if member.phone and old_phone and member.user.username == old_phone:
        # An account named after the old number follows the number, which frees the old one.
        member.user.username = member.phone
        member.user.save(update_fields=["username"])
    audit_record(actor=acting_user, action="member.updated", target=member, changes=changes)


def _set_roles(acting_user, member: Member, roles: Iterable[Role]) -> None:
    role_names = {role.value for role in Role}
    wanted = {Role(role).value for role in roles}
    current = set(member.user.groups.filter(name__in=role_names).values_list("name", flat=True))
    if wanted == current:
        return
    if member.user_id == acting_user.pk and Role.SYSTEM_ADMIN.value in current - wanted:
        raise MemberError(_("You cannot remove your own system administrator role."), field="roles")
    member.user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    member.user.groups.add(*Group.objects.filter(name__in=wanted - current))
    audit_record(
        actor=acting_user,
        action="member.roles_changed",
        target=member,
        added=sorted(wanted - current),
        removed=sorted(current - wanted),
    )


def _role_names(roles: Iterable[Role]) -> list[str]:
    return sorted(Role(role).value for role in roles)


def _audit_value(value: Any) -> Any:
    if isinstance(value, OrgUnit):
        return {"id": value.pk, "name": value.name}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
