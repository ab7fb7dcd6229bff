"""``search.query`` and ``search.suggest``: the one entry point views and other apps use."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from search.access import reader_for
from search.backends import get_backend
from search.backends.base import (
    FACETS,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
    Suggestion,
)
from search.registry import all_types
from search.text import MAX_QUERY_CHARS, ParsedQuery, parse_query

logger = logging.getLogger(__name__)

PER_PAGE = 10
MAX_PAGE = 100  # deeper pages are never useful and cost the backend more
SORTS = ("relevance", "newest")


@dataclass
class SearchPage:
    """Everything the results page shows; ``results`` is None when nothing was searched."""

    q: str
    query: ParsedQuery
    results: SearchResults | None = None
    page: int = 1
    per_page: int = PER_PAGE
    types: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    suggestion: str = ""  # a query that has hits, offered when this one has none
    notices: list[str] = field(default_factory=list)
    unavailable: bool = False

    @property
    def total(self) -> int:
        return self.results.total if self.results else 0

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.per_page)))


def query(
    user: Any,
    q: str,
    *,
    types: tuple[str, ...] | list[str] = (),
    filters: dict[str, str] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str = "relevance",
) -> SearchPage:
    """Search what ``user`` may open. Never raises for bad input or an unavailable index."""
    parsed = parse_query(q)
    known = {search_type.name for search_type in all_types()}
    types = tuple(name for name in types if name in known)
    filters = {name: value for name, value in (filters or {}).items() if name in FACETS and value}
    if "type" in filters:
        types = tuple(name for name in (*types, filters.pop("type")) if name in known)
    page = min(max(1, page), MAX_PAGE)
    sort = sort if sort in SORTS else "relevance"
    result = SearchPage(
        q=q, query=parsed, page=page, per_page=per_page, types=types, filters=filters, sort=sort
    )
    if parsed.truncated:
        result.notices.append(
            _("Only the first %(count)s characters were searched.") % {"count": MAX_QUERY_CHARS}
        )
    if parsed.only_stop_words:
        result.notices.append(_("Words this common appear everywhere: add a more specific word."))
    if parsed.is_empty:
        return result
    reader = reader_for(user)
    backend = get_backend()
    request = SearchRequest(
        query=parsed,
        reader=reader,
        types=types,
        filters=filters,
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    try:
        result.results = backend.search(request)
        if result.results.total and not result.results.hits and page > 1:
            # Past the last page: show the last one rather than an empty page.
            result.page = result.pages
            request = _with_page(request, result.page, per_page)
            result.results = backend.search(request)
        if result.results.total == 0 and not filters and not types:
            result.suggestion = _suggestion(backend, parsed, reader)
        if backend.rebuilding():
            result.notices.append(_("The search index is being rebuilt: some results may be missing."))
    except SearchUnavailable:
        logger.exception("search unavailable")
        result.results = None
        result.unavailable = True
        result.notices.append(_("Search is unavailable at the moment. Please try again later."))
    return result


def _with_page(request: SearchRequest, page: int, per_page: int) -> SearchRequest:
    return SearchRequest(
        query=request.query,
        reader=request.reader,
        types=request.types,
        filters=request.filters,
        sort=request.sort,
        offset=(page - 1) * per_page,
        limit=per_page,
    )


def _suggestion(backend, parsed: ParsedQuery, reader) -> str:
    """A query close to this one that has hits: typed pinyin's characters, or the query with each
    word that finds nothing replaced by a vocabulary term sharing most of its characters (or left out).
    """

    def has_hits(text: str) -> bool:
        probe = parse_query(text)
        return (
            not probe.is_empty
            and backend.search(SearchRequest(query=probe, reader=reader, limit=1)).total > 0
        )

    text = " ".join(term.text for term in parsed.terms)
    candidates: list[str] = []
    if text.replace(" ", "").isascii():
        candidates += [
            s.text for s in backend.suggest(text.replace(" ", ""), reader=reader) if s.kind == "term"
        ]
    parts = []
    for term in parsed.terms:
        if has_hits(term.text):
            parts.append(term.text)
            continue
        kept = []
        for word in term.words:
            if len(word) < 2 or has_hits(word):
                kept.append(word)
                continue
            related = [t for t in backend.related_terms(word, reader=reader) if has_hits(t)]
            if related:
                kept.append(related[0])
        parts.append("".join(kept))
    candidates.append(" ".join(part for part in parts if part))
    for candidate in dict.fromkeys(candidates):
        if candidate and candidate != text and has_hits(candidate):
            return candidate
    return ""


def suggest(prefix: str, *, user: Any = None, limit: int = 8) -> list[Suggestion]:
    """Autocomplete: titles and terms for what has been typed so far; empty if the index is down."""
    prefix = (prefix or "").strip()[:MAX_QUERY_CHARS]
    if not prefix:
        return []
    try:
        return get_backend().suggest(prefix, reader=reader_for(user), limit=limit)
    except SearchUnavailable:
        logger.warning("search unavailable for suggestions", exc_info=True)
        return []


def type_labels() -> dict[str, str]:
    return {search_type.name: str(search_type.label) for search_type in all_types()}
