"""The contract every search backend keeps; the contract tests in search/tests run against each."""

from __future__ import annotations

import abc
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from search.documents import IndexDocument, Reader
from search.text import ParsedQuery

FACETS = ("type", "category", "authority", "year", "org")


class SearchUnavailable(Exception):
    """The index cannot be reached or read; the site shows a notice instead of results."""


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    reader: Reader
    types: tuple[str, ...] = ()  # empty: every registered type
    filters: dict[str, str] = field(default_factory=dict)  # facet name → chosen value
    sort: str = "relevance"  # or "newest"
    offset: int = 0
    limit: int = 10


@dataclass
class Hit:
    key: str
    type: str
    title: str
    url: str
    date: datetime.date | None
    score: float
    title_html: str  # escaped, matches in <mark>
    snippet_html: str  # escaped, matches in <mark>; the summary or the start of the body without one
    category: str = ""
    authority: str = ""


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]  # every name in FACETS, values by count then value
    capped: bool = False  # too many matches to count: total and facet counts are lower bounds


@dataclass(frozen=True)
class Suggestion:
    text: str  # what the box is filled with
    kind: str  # "title" (opens ``url``) or "term" (searched)
    url: str = ""


class SearchBackend(abc.ABC):
    name: str

    @abc.abstractmethod
    def index(self, documents: Iterable[IndexDocument]) -> int:
        """Add or replace records by key; returns how many were written."""

    @abc.abstractmethod
    def delete(self, keys: Iterable[str]) -> int:
        """Remove records by key; unknown keys are ignored. Returns how many were removed."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Hits of ``request.query`` the reader may see, filtered, ranked, paged, with facets."""

    @abc.abstractmethod
    def suggest(self, prefix: str, *, reader: Reader, limit: int = 8) -> list[Suggestion]:
        """Titles and terms starting with ``prefix`` (characters, pinyin or pinyin initials).

        Only records open to every logged-in reader feed suggestions (anonymous readers: only
        public ones), so autocomplete never names a restricted document.
        """

    @abc.abstractmethod
    def related_terms(self, text: str, *, reader: Reader, limit: int = 5) -> list[str]:
        """Vocabulary terms sharing most characters with ``text``: the "did you mean" candidates."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Records per type."""

    @abc.abstractmethod
    def keys(self, type_name: str) -> set[str]:
        """Every key of one type (``search_check`` compares them with the database)."""

    @abc.abstractmethod
    def restricted_keys(self) -> set[str]:
        """Keys of records with an access group (re-indexed when the org tree changes)."""

    @abc.abstractmethod
    def rebuild_start(self, type_name: str, *, resume: bool) -> RebuildState:
        """Begin (or resume) a full rebuild of one type without taking the live index away."""

    @abc.abstractmethod
    def rebuild_write(self, state: RebuildState, documents: Sequence[IndexDocument]) -> None:
        """Write a batch of a rebuild (ordered by primary key)."""

    @abc.abstractmethod
    def rebuild_finish(self, state: RebuildState) -> int:
        """Make the rebuilt records live and drop the rest; returns how many records were dropped."""

    @abc.abstractmethod
    def status(self) -> str:
        """A short description for the health page; raises SearchUnavailable if unusable."""

    def rebuilding(self) -> bool:
        """Whether the index is incomplete: emptied by an upgrade, or a rebuild not yet finished."""
        return False

    def rebuild_done(self) -> None:  # noqa: B027 - optional
        """Every type has been rebuilt (``search_reindex`` without type names)."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections."""


@dataclass
class RebuildState:
    type_name: str
    started_at: float
    after_pk: int = 0  # rows with a greater primary key are still to come
    target: str = ""  # backend-specific: the index being filled
