"""Which members a report covers: the organizer's own subtrees, or one unit chosen inside them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from school.models import Member, OrgUnit
from school.permissions import is_system_admin, managed_roots, subtree_q


class OutsideScope(PermissionDenied):
    """A unit id the organizer does not manage (or that does not exist): a 403, whatever the reason."""


@dataclass(frozen=True)
class ReportScope:
    roots: tuple[OrgUnit, ...]  # the subtrees covered; empty with ``everything``
    everything: bool = False
    unit: OrgUnit | None = None  # the unit chosen, when one is

    def path_q(self, field: str) -> Q:
        """Rows whose org-unit path ``field`` is in the scope."""
        if self.unit is not None:
            return Q(**{f"{field}__startswith": self.unit.path})
        if self.everything:
            return Q()
        return subtree_q(list(self.roots), field)

    def members(self) -> QuerySet[Member]:
        """Active members in the scope."""
        return Member.objects.filter(self.path_q("org_unit__path"), is_active=True)

    def member_q(self, field: str = "member") -> Q:
        """Rows whose member (``field``: a foreign key to Member) is active and in the scope.

        A subquery of the members' ids: the database picks the (few thousand) members once and
        semi-joins, rather than joining every row of a large table to its member and unit.
        """
        return Q(**{f"{field}_id__in": self.members().values("pk")})

    def author_q(self, field: str = "author") -> Q:
        """Rows written by an account (``field``: a foreign key to User) of an active member in the scope."""
        return Q(**{f"{field}_id__in": self.members().values("user_id")})

    def top_units(self) -> list[OrgUnit]:
        """What "all of my units" means: the roots managed, or the top of the tree for an admin."""
        if self.everything:
            return list(OrgUnit.get_root_nodes())
        return list(self.roots)

    def compared_units(self) -> list[OrgUnit]:
        """The units compared side by side: the children of the chosen unit or of the single root."""
        parents = [self.unit] if self.unit is not None else self.top_units()
        if len(parents) > 1:
            return parents
        return list(parents[0].get_children()) if parents else []

    def unit_choices(self) -> QuerySet[OrgUnit]:
        if self.everything:
            return OrgUnit.objects.order_by("path")
        return OrgUnit.objects.filter(subtree_q(list(self.roots), "path")).order_by("path")


def report_scope(user: Any, unit_id: str | None = None) -> ReportScope:
    """The scope of ``user``'s reports, narrowed to ``unit_id`` when given (403 outside the scope)."""
    everything = is_system_admin(user)
    roots = () if everything else tuple(managed_roots(user))
    if not everything and not roots:
        raise PermissionDenied
    scope = ReportScope(roots=roots, everything=everything)
    if not unit_id:
        return scope
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise OutsideScope from None
    unit = scope.unit_choices().filter(pk=pk).first()
    if unit is None:
        raise OutsideScope
    return ReportScope(roots=roots, everything=everything, unit=unit)
