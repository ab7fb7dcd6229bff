"""What the index holds for one object, and who may see it, in terms both backends understand.

Access is carried by every record and checked inside the query, so totals and facet counts never
include what the reader may not open. A record's rule is a conjunction: logged in, an organizer,
and for each access group one of its tokens. A group comes from one 指定组织 rule on the object or
an ancestor (a lesson carries its course's group as well as its own). Tokens: ``u:<id>`` for a
chosen unit, met by readers in that unit's subtree; ``m:<id>`` for each unit on the chosen unit's
path, met by organizers who manage that unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

MAX_ACCESS_GROUPS = 3


@dataclass(frozen=True)
class Access:
    login: bool = False
    organizer: bool = False
    groups: tuple[frozenset[str], ...] = ()

    def __post_init__(self) -> None:
        if len(self.groups) > MAX_ACCESS_GROUPS:
            raise ValueError(f"at most {MAX_ACCESS_GROUPS} access groups")

    @property
    def is_open(self) -> bool:
        """Anyone who has logged in may see it (public or members): it may feed autocomplete."""
        return not self.organizer and not self.groups

    def allows(self, reader: Reader) -> bool:
        """The rule evaluated in Python; backends evaluate the same rule in their queries."""
        if reader.everything:
            return True
        if self.login and not reader.logged_in:
            return False
        if self.organizer and not reader.organizer:
            return False
        return all(group & reader.tokens for group in self.groups)


@dataclass(frozen=True)
class Reader:
    """The asking user, reduced to what access rules test."""

    everything: bool = False
    logged_in: bool = False
    organizer: bool = False
    tokens: frozenset[str] = frozenset()


ANONYMOUS = Reader()


@dataclass
class IndexDocument:
    """One searchable object. ``title`` ranks above ``keys`` (文号, 发文机关, keywords) above ``body``."""

    key: str  # "<type>:<pk>", unique across the index
    type: str
    title: str
    url: str
    keys: str = ""
    body: str = ""
    summary: str = ""  # shown when the match is not in the body
    date: datetime.date | None = None
    category: str = ""
    authority: str = ""  # 发文机关
    orgs: tuple[str, ...] = ()  # names of the organisations it belongs to (a facet)
    access: Access = field(default_factory=Access)

    @property
    def pk(self) -> int:
        return int(self.key.rsplit(":", 1)[1])

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


def key_for(type_name: str, pk: int) -> str:
    return f"{type_name}:{pk}"


def split_key(key: str) -> tuple[str, int]:
    type_name, _, pk = key.rpartition(":")
    return type_name, int(pk)
