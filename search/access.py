"""The reader side of access: what a user's tokens are (see ``search.documents`` for the rule)."""

from __future__ import annotations

from typing import Any

from courses.permissions import reads_everything
from school.models import OrgUnit
from school.permissions import is_branch_organizer, managed_roots
from search.documents import ANONYMOUS, Access, Reader


def reader_for(user: Any) -> Reader:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if reads_everything(user):
        return Reader(everything=True, logged_in=True, organizer=True)
    organizer = is_branch_organizer(user)
    roots = managed_roots(user) if organizer else []
    member = getattr(user, "member", None)
    own = member.org_unit if member is not None and member.is_active else None
    paths = [own.path] if own is not None else []
    paths += [root.path for root in roots]
    tokens = {f"u:{pk}" for pk in _lineage_ids(paths)}
    tokens.update(f"m:{root.pk}" for root in roots)
    return Reader(logged_in=True, organizer=organizer, tokens=frozenset(tokens))


def _lineage_ids(paths: list[str]) -> list[int]:
    """Ids of the units at ``paths`` and of all their ancestors, in one query."""
    step = OrgUnit.steplen
    prefixes = {path[:end] for path in paths for end in range(step, len(path) + 1, step)}
    if not prefixes:
        return []
    return list(OrgUnit.objects.filter(path__in=prefixes).values_list("pk", flat=True))


class AccessBuilder:
    """Access rules of a batch of objects, with one query for the lineage of every chosen unit."""

    def __init__(self, units: list[OrgUnit]) -> None:
        step = OrgUnit.steplen
        prefixes = {unit.path[:end] for unit in units for end in range(step, len(unit.path) + 1, step)}
        self._ids = (
            dict(OrgUnit.objects.filter(path__in=prefixes).values_list("path", "pk")) if prefixes else {}
        )

    def group(self, units: list[OrgUnit]) -> frozenset[str]:
        """The access group of one 指定组织 rule choosing ``units``."""
        step = OrgUnit.steplen
        tokens = {f"u:{unit.pk}" for unit in units}
        for unit in units:
            for end in range(step, len(unit.path) + 1, step):
                pk = self._ids.get(unit.path[:end])
                if pk is not None:
                    tokens.add(f"m:{pk}")
        # A rule choosing nobody admits only those who read everything: keep an impossible token.
        return frozenset(tokens) or frozenset({"u:none"})

    def access(self, rules: list[tuple[str, list[OrgUnit]]]) -> Access:
        """Combine (access level, chosen units) rules of an object and its ancestors: all apply."""
        from courses.models.access import AccessLevel

        login = organizer = False
        groups: list[frozenset[str]] = []
        for level, units in rules:
            if level != AccessLevel.PUBLIC:
                login = True
            if level == AccessLevel.INTERNAL:
                organizer = True
            if level == AccessLevel.ORG_UNITS:
                groups.append(self.group(units))
        return Access(login=login, organizer=organizer, groups=tuple(groups))
