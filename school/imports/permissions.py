"""Who may import members, and who may act on a given import.

Scoping (which org units a row may name) is ``school.permissions.can_manage_org_unit``;
this module only answers the questions specific to imports.
"""

from __future__ import annotations

from typing import Any

from school import permissions
from school.models import MemberImport


def can_import_members(user: Any) -> bool:
    """System admins, and branch organizers who manage at least one unit."""
    if not user.is_authenticated or not user.has_perm("school.add_member"):
        return False
    return permissions.is_system_admin(user) or bool(permissions.managed_roots(user))


def can_act_on_import(user: Any, member_import: MemberImport) -> bool:
    """Only the organizer who uploaded the sheet (or a system admin) may see, commit or cancel it."""
    if not can_import_members(user):
        return False
    return permissions.is_system_admin(user) or member_import.created_by_id == user.pk


def imports_visible_to(user: Any):
    if permissions.is_system_admin(user):
        return MemberImport.objects.all()
    return MemberImport.objects.filter(created_by=user)
