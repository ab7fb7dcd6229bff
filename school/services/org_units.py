"""Writes on the organisation tree: add, change, move and delete units.

Tree writes always re-read the nodes they touch under a row lock: treebeard keeps
siblings sorted by name, so adding or moving one node can change other nodes' paths,
and a node read earlier in the request may carry a stale one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from school import permissions
from school.models import Member, OrgUnit
from school.roles import Role
from school.services.audit import audit_record
from search.services import search_reindex_restricted_on_commit

User = get_user_model()
Kind = OrgUnit.Kind

# A 党小组 always sits inside a 党支部; every other kind may head a tree of its own.
ROOT_KINDS = {Kind.COMMITTEE, Kind.GENERAL_BRANCH, Kind.BRANCH}

DETAIL_FIELDS = ("secretary", "contact_name", "contact_phone", "address")
STRUCTURE_FIELDS = ("name", "kind", "code")


class OrgUnitError(Exception):
    """A tree write that would break the org structure; ``message`` is shown as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def kind_error(*, parent: OrgUnit | None, kind: str) -> str | None:
    """Why a unit of ``kind`` may not sit directly below ``parent``, or None if it may."""
    if parent is None:
        if kind in ROOT_KINDS:
            return None
        return _("A party group must belong to a party branch.")
    allowed = OrgUnit.ALLOWED_CHILDREN[Kind(parent.kind)]
    if kind in allowed:
        return None
    if not allowed:
        return _("A %(parent_kind)s cannot have sub-units.") % {"parent_kind": Kind(parent.kind).label}
    labels = "、".join(str(k.label) for k in Kind if k in allowed)
    return _("A %(parent_kind)s can only contain: %(allowed)s.") % {
        "parent_kind": Kind(parent.kind).label,
        "allowed": labels,
    }


def org_unit_create(
    *,
    acting_user,
    parent: OrgUnit | None,
    name: str,
    kind: str,
    code: str = "",
    secretary: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    managers: Iterable[Any] = (),
) -> OrgUnit:
    """Add a unit below ``parent`` (or a new top-level unit), following the kind rules."""
    _require_structure_rights(acting_user)
    managers = _checked_managers(managers)
    fields = {
        "name": name,
        "kind": kind,
        "code": code,
        "secretary": secretary,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "address": address,
    }
    with transaction.atomic(durable=True):
        parent = _locked(parent)
        _check_kind(parent, kind)
        _check_name_free(parent, name)
        unit = parent.add_child(**fields) if parent is not None else OrgUnit.add_root(**fields)
        unit.managers.set(managers)
        audit_record(
            actor=acting_user,
            action="org_unit.created",
            target=unit,
            parent=parent.pk if parent is not None else None,
            kind=kind,
            managers=sorted(user.pk for user in managers),
        )
    return unit


def org_unit_update(
    *,
    acting_user,
    unit: OrgUnit,
    details: dict[str, str],
    structure: dict[str, str] | None = None,
    managers: Iterable[Any] | None = None,
) -> OrgUnit:
    """Change a unit's contact details, and (system admins only) its name, kind, code and organizers.

    ``details`` may hold the keys of ``DETAIL_FIELDS``; ``structure`` those of
    ``STRUCTURE_FIELDS``. A unit renamed is re-sorted among its siblings.
    """
    if not permissions.can_manage_org_unit(acting_user, unit):
        raise PermissionDenied(_("You may not manage this organisation unit."))
    if (structure or managers is not None) and not permissions.can_edit_org_structure(acting_user, unit):
        raise PermissionDenied(_("Only a system administrator may change the organisation structure."))
    _check_keys(details, DETAIL_FIELDS)
    _check_keys(structure or {}, STRUCTURE_FIELDS)
    managers = _checked_managers(managers) if managers is not None else None
    with transaction.atomic(durable=True):
        locked = _locked(unit)
        parent = _locked(locked.get_parent())
        changes = _apply(locked, {**details, **(structure or {})}, parent)
        if managers is not None:
            changes.update(_set_managers(locked, managers))
        if changes:
            audit_record(actor=acting_user, action="org_unit.updated", target=locked, changes=changes)
        if "name" in changes:
            _resort(locked, parent)
    return OrgUnit.objects.get(pk=unit.pk)


def org_unit_move(*, acting_user, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Put a unit (with everything below it) under another parent, or make it a top-level unit."""
    _require_structure_rights(acting_user)
    with transaction.atomic(durable=True):
        locked = _locked(unit)
        old_parent = locked.get_parent()
        new_parent = _locked(parent)
        if new_parent is not None and locked.contains(new_parent):
            raise OrgUnitError(
                _("A unit cannot be moved into itself or one of its sub-units."), field="parent"
            )
        if _same(old_parent, new_parent):
            return locked
        _check_kind(new_parent, locked.kind)
        _check_name_free(new_parent, locked.name)
        _resort(locked, new_parent)
        # Tree moves are bulk updates without signals; restricted search records follow the tree.
        search_reindex_restricted_on_commit()
        audit_record(
            actor=acting_user,
            action="org_unit.moved",
            target=locked,
            old_parent=old_parent.pk if old_parent is not None else None,
            new_parent=new_parent.pk if new_parent is not None else None,
        )
    return OrgUnit.objects.get(pk=unit.pk)


def org_unit_delete(*, acting_user, unit: OrgUnit) -> None:
    """Delete an empty unit; one that still has sub-units or members is refused, never cascaded."""
    _require_structure_rights(acting_user)
    try:
        with transaction.atomic(durable=True):
            locked = _locked(unit)
            problem = delete_problem(locked)
            if problem:
                raise OrgUnitError(problem)
            audit_record(
                actor=acting_user,
                action="org_unit.deleted",
                target=locked,
                parent=locked.get_parent().pk if locked.depth > 1 else None,
                kind=locked.kind,
            )
            locked.delete()
    except ProtectedError as exc:  # a member was added meanwhile
        raise OrgUnitError(_("Members were added to this unit meanwhile. Move them first.")) from exc


def delete_problem(unit: OrgUnit) -> str | None:
    """Why the unit cannot be deleted now, or None."""
    children = OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).count()
    if children:
        return _("This unit still has %(count)s sub-units. Move or delete them first.") % {"count": children}
    members = Member.objects.filter(org_unit=unit).count()
    if members:
        return _(
            "This unit still has %(count)s members (including deactivated ones). "
            "Move them to another unit first."
        ) % {"count": members}
    return None


def _require_structure_rights(acting_user) -> None:
    if not permissions.can_edit_org_structure(acting_user):
        raise PermissionDenied(_("Only a system administrator may change the organisation structure."))


def _locked(unit: OrgUnit | None) -> OrgUnit | None:
    if unit is None:
        return None
    return OrgUnit.objects.select_for_update().get(pk=unit.pk)


def _same(a: OrgUnit | None, b: OrgUnit | None) -> bool:
    return (a.pk if a is not None else None) == (b.pk if b is not None else None)


def _check_kind(parent: OrgUnit | None, kind: str) -> None:
    problem = kind_error(parent=parent, kind=kind)
    if problem:
        raise OrgUnitError(problem, field="kind")


def _check_children_fit(unit: OrgUnit, kind: str) -> None:
    allowed = OrgUnit.ALLOWED_CHILDREN[Kind(kind)]
    clash = unit.get_children().exclude(kind__in=allowed).first()
    if clash is not None:
        message = _("%(unit)s cannot become a %(kind)s: its sub-unit %(child)s would not be allowed there.")
        params = {"unit": unit.name, "kind": Kind(kind).label, "child": clash.name}
        raise OrgUnitError(message % params, field="kind")


def _check_name_free(parent: OrgUnit | None, name: str, *, exclude: OrgUnit | None = None) -> None:
    siblings = parent.get_children() if parent is not None else OrgUnit.get_root_nodes()
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.filter(name=name).exists():
        raise OrgUnitError(
            _("There is already a unit called %(name)s at this place in the tree.") % {"name": name},
            field="name",
        )


def _check_keys(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")


def _apply(unit: OrgUnit, values: dict[str, str], parent: OrgUnit | None) -> dict[str, list[Any]]:
    changes = {
        field: [getattr(unit, field), value]
        for field, value in values.items()
        if getattr(unit, field) != value
    }
    if "kind" in changes:
        _check_kind(parent, values["kind"])
        _check_children_fit(unit, values["kind"])
    if "name" in changes:
        _check_name_free(parent, values["name"], exclude=unit)
    if changes:
        for field in changes:
            setattr(unit, field, values[field])
        unit.save(update_fields=list(changes))
    return changes


def _set_managers(unit: OrgUnit, managers: list[Any]) -> dict[str, list[Any]]:
    before = sorted(unit.managers.values_list("pk", flat=True))
    after = sorted(user.pk for user in managers)
    if before == after:
        return {}
    unit.managers.set(managers)
    return {"managers": [before, after]}


def _checked_managers(managers: Iterable[Any]) -> list[Any]:
    managers = list(managers)
    organizers = set(
        User.objects.filter(
            pk__in=[user.pk for user in managers], groups__name=Role.BRANCH_ORGANIZER.value
        ).values_list("pk", flat=True)
    )
    if any(user.pk not in organizers for user in managers):
        raise OrgUnitError(
            _("Only accounts with the branch organizer role can manage a unit."), field="managers"
        )
    return managers


def _resort(unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Place ``unit`` among the children of ``parent`` (or the roots) in name order."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    if parent is not None:
        unit.move(OrgUnit.objects.get(pk=parent.pk), pos="sorted-child")
    else:
        unit.move(OrgUnit.get_first_root_node(), pos="sorted-sibling")
