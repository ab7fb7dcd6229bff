"""One place that answers "may user U act on member / org unit X".

A system administrator (or superuser) acts everywhere. A 支部管理员 acts on the
subtrees of the org units listed in ``OrgUnit.managers``. Everyone else acts on
nobody but themselves. Views, admin screens, imports and reports all ask here.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from school.models import Member, OrgUnit
from school.roles import Role


def is_system_admin(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return _has_group(user, Role.SYSTEM_ADMIN)


def is_branch_organizer(user) -> bool:
    return user.is_authenticated and user.is_active and _has_group(user, Role.BRANCH_ORGANIZER)


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


def _subtree_q(roots: list[OrgUnit], field: str) -> Q:
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{field}__startswith": root.path})
    return q


def org_units_visible_to(user) -> QuerySet[OrgUnit]:
    if is_system_admin(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(_subtree_q(managed_roots(user), "path"))


def members_visible_to(user) -> QuerySet[Member]:
    if is_system_admin(user):
        return Member.objects.all()
    return Member.objects.filter(_subtree_q(managed_roots(user), "org_unit__path"))


def can_manage_org_unit(user, unit: OrgUnit) -> bool:
    if is_system_admin(user):
        return True
    return any(unit.path.startswith(root.path) for root in managed_roots(user))


def can_manage_member(user, member: Member) -> bool:
    return can_manage_org_unit(user, member.org_unit)


def can_edit_org_structure(user, unit: OrgUnit | None = None) -> bool:
    """Adding, moving and deleting org units is for system administrators only."""
    return is_system_admin(user)
