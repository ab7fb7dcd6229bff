"""One place that answers "may user U act on member / org unit X".

A system administrator (or superuser) acts everywhere. A 支部管理员 acts on the
subtrees of the org units listed in ``OrgUnit.managers``. Everyone else acts on
nobody but themselves. Views, admin screens, imports and reports all ask here.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from school.models import AuditLog, Member, OrgUnit
from school.roles import Role


def is_system_admin(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return _has_group(user, Role.SYSTEM_ADMIN)


def is_branch_organizer(user) -> bool:
    return user.is_authenticated and user.is_active and _has_group(user, Role.BRANCH_ORGANIZER)


def has_role(user, role: Role) -> bool:
    return user.is_authenticated and user.is_active and _has_group(user, role)


def _has_group(user, role: Role) -> bool:
    cache = getattr(user, "_role_names_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_names_cache = cache
    return role.value in cache


def managed_roots(user) -> list[OrgUnit]:
    """The top-most org units whose subtrees the user manages (nested assignments collapse)."""
    if not is_branch_organizer(user):
        return []
    cached = getattr(user, "_managed_roots_cache", None)
    if cached is not None:
        return cached
    units = sorted(OrgUnit.objects.filter(managers=user), key=lambda u: u.path)
    roots: list[OrgUnit] = []
    for unit in units:
        if not any(unit.path.startswith(r.path) for r in roots):
            roots.append(unit)
    user._managed_roots_cache = roots
    return roots


def subtree_q(roots: list[OrgUnit], field: str) -> Q:
    """Rows whose org-unit path ``field`` lies in one of the subtrees under ``roots``."""
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{field}__startswith": root.path})
    return q


def org_units_visible_to(user) -> QuerySet[OrgUnit]:
    if is_system_admin(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(subtree_q(managed_roots(user), "path"))


def members_visible_to(user) -> QuerySet[Member]:
    if is_system_admin(user):
        return Member.objects.all()
    return Member.objects.filter(subtree_q(managed_roots(user), "org_unit__path"))


def can_manage_org_unit(user, unit: OrgUnit) -> bool:
    if is_system_admin(user):
        return True
    return any(unit.path.startswith(root.path) for root in managed_roots(user))


def can_manage_member(user, member: Member) -> bool:
    return can_manage_org_unit(user, member.org_unit)


def can_edit_member(user, member: Member) -> bool:
    """Changing a profile: an organizer may not rewrite a system administrator's name, unit or phone
    (the phone is a login), even when the administrator's record sits in the organizer's subtree."""
    if not can_manage_member(user, member):
        return False
    return is_system_admin(user) or not is_system_admin(member.user)


def can_edit_org_structure(user, unit: OrgUnit | None = None) -> bool:
    """Adding, moving and deleting org units is for system administrators only."""
    return is_system_admin(user)


def can_delete_member(user, member: Member) -> bool:
    """Deleting an account is for system administrators; organizers deactivate instead."""
    return is_system_admin(user) and member.user_id != user.pk


def can_assign_roles(user) -> bool:
    """Only system administrators grant or remove roles; an organizer cannot promote anyone."""
    return is_system_admin(user)


def can_set_member_active(user, member: Member) -> bool:
    """Nobody switches off their own login, and an organizer cannot switch off a system administrator."""
    if member.user_id == user.pk or not can_manage_member(user, member):
        return False
    return is_system_admin(user) or not is_system_admin(member.user)


def can_view_audit_log(user) -> bool:
    return is_system_admin(user)


def _manages_anything(user) -> bool:
    return is_system_admin(user) or bool(managed_roots(user))


class MemberPermissionPolicy(ModelPermissionPolicy):
    """What a role may do comes from its group permissions; where, from the functions above.

    Registered for ``Member`` so that every Wagtail admin view, button and menu item
    asks the same questions as the rest of the code.
    """

    def user_has_permission(self, user, action: str) -> bool:
        if not super().user_has_permission(user, action):
            return False
        if action == "delete":
            return is_system_admin(user)
        return _manages_anything(user)

    def user_has_permission_for_instance(self, user, action: str, instance: Member) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if action == "delete":
            return can_delete_member(user, instance)
        if action == "change":
            return can_edit_member(user, instance)
        return can_manage_member(user, instance)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet[Member]:
        if self.user_has_any_permission(user, actions):
            return members_visible_to(user)
        return Member.objects.none()


class OrgUnitPermissionPolicy(ModelPermissionPolicy):
    """Organizers view their subtree and keep its contact details current; structure is for admins.

    "change" is granted to an organizer without ``school.change_orgunit`` on purpose:
    the edit form lets them change only the secretary, contacts and address.
    """

    STRUCTURE_ACTIONS = ("add", "delete", "move")

    def user_has_permission(self, user, action: str) -> bool:
        if action in self.STRUCTURE_ACTIONS:
            django_action = "change" if action == "move" else action
            return can_edit_org_structure(user) and super().user_has_permission(user, django_action)
        if action == "change":
            return _manages_anything(user)
        return super().user_has_permission(user, action) and _manages_anything(user)

    def user_has_permission_for_instance(self, user, action: str, instance: OrgUnit) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if action in self.STRUCTURE_ACTIONS:
            return can_edit_org_structure(user, instance)
        return can_manage_org_unit(user, instance)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet[OrgUnit]:
        if self.user_has_any_permission(user, actions):
            return org_units_visible_to(user)
        return OrgUnit.objects.none()


class AuditLogPermissionPolicy(ModelPermissionPolicy):
    """The audit log is read by system administrators and written only by services."""

    def user_has_permission(self, user, action: str) -> bool:
        return action == "view" and can_view_audit_log(user)


member_permission_policy = MemberPermissionPolicy(Member)
org_unit_permission_policy = OrgUnitPermissionPolicy(OrgUnit)
audit_log_permission_policy = AuditLogPermissionPolicy(AuditLog)

# Registered here, before any admin view asks, so Wagtail never falls back to plain model permissions.
register_permission_policy(Member, member_permission_policy)
register_permission_policy(OrgUnit, org_unit_permission_policy)
register_permission_policy(AuditLog, audit_log_permission_policy)
