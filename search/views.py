"""The public search page (``/search/``) and the autocomplete endpoint behind every search box.

Both only read: GET only, rate-limited per client address, never cached by shared caches (what a
reader finds depends on who they are) and kept out of search engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from school.accounts.ratelimit import RateLimit
from search import api
from search.backends.base import FACETS

# Longest query kept from the request: the backend reads only the first MAX_QUERY_CHARS characters
# (and says so), this only stops a pasted essay from being echoed into every link on the page.
MAX_Q_CHARS = 256
MAX_FILTER_CHARS = 200
MAX_SUGGEST_CHARS = 64
FILTERS = tuple(name for name in FACETS if name != "type")  # ``type`` is passed as types
FACET_LABELS = {
    "type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "authority": gettext_lazy("Issuing authority"),
    "year": gettext_lazy("Year"),
    "org": gettext_lazy("Organisation"),
}
SORT_LABELS = {"relevance": gettext_lazy("Relevance"), "newest": gettext_lazy("Newest")}
MAX_FACET_VALUES = 12  # chips per group; the rest are rarely useful and crowd a phone screen


search_rate_limit = RateLimit(scope="search", limit="SEARCH_RATE_LIMIT", period=60, methods=("GET",))
suggest_rate_limit = RateLimit(
    scope="search-suggest", limit="SEARCH_SUGGEST_RATE_LIMIT", period=60, methods=("GET",)
)


def _clean(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


@dataclass
class Chip:
    label: str
    count: int | None
    url: str
    selected: bool = False


@dataclass
class FacetGroup:
    name: str
    label: str
    chips: list[Chip]
    selected: str = ""
    clear_url: str = ""


@dataclass
class PageNav:
    """What ``includes/pagination.html`` reads from a Django page, for the backend's paging."""

    number: int
    num_pages: int

    @property
    def paginator(self) -> PageNav:
        return self

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


class Params:
    """The page's query string: every link on the page changes one thing and keeps the rest."""

    def __init__(self, **values: str) -> None:
        self.values = {name: value for name, value in values.items() if value}

    def url(self, **changes: str) -> str:
        values = dict(self.values)
        for name, value in changes.items():
            if value:
                values[name] = value
            else:
                values.pop(name, None)
        if "page" in values and values["page"] == "1":
            values.pop("page")
        order = ("q", "type", *FILTERS, "sort", "page")
        return "?" + urlencode([(name, values[name]) for name in order if name in values])

    def without_page(self) -> str:
        return self.url(page="")[1:]


def _value_label(name: str, value: str, type_labels: dict[str, str]) -> str:
    if name == "type":
        return type_labels.get(value, value)
    if name == "year":
        return pgettext("year facet chip", "%(year)s") % {"year": value}
    return value


def _facet_groups(result: api.SearchPage, params: Params, type_labels: dict[str, str]) -> list[FacetGroup]:
    """Chip groups for the facets other than ``type``: choosing a chip filters, the chosen one clears."""
    facets = result.results.facets if result.results else {}
    groups = []
    for name in FILTERS:
        selected = result.filters.get(name, "")
        clear_url = params.url(**{name: "", "page": ""})
        chips = [
            Chip(
                label=_value_label(name, facet.value, type_labels),
                count=facet.count,
                url=clear_url if facet.value == selected else params.url(**{name: facet.value, "page": ""}),
                selected=facet.value == selected,
            )
            for facet in _ordered(name, facets.get(name, []))
        ]
        if selected and not any(chip.selected for chip in chips):
            chips.insert(0, Chip(_value_label(name, selected, type_labels), None, clear_url, True))
        if chips:
            groups.append(FacetGroup(name, str(FACET_LABELS[name]), chips, selected, clear_url))
    return groups


def _ordered(name: str, values: list) -> list:
    """The most frequent values (the backend orders by count); years then read newest first."""
    values = values[:MAX_FACET_VALUES]
    if name == "year":
        values = sorted(values, key=lambda facet: facet.value, reverse=True)
    return values


def _type_tabs(
    result: api.SearchPage, params: Params, counts: dict[str, int] | None, type_labels: dict[str, str]
) -> list[Chip]:
    """全部 and one tab per type; with counts once something was searched, types without hits left out."""
    selected = result.types[0] if result.types else ""
    tabs = [
        Chip(_("All"), sum(counts.values()) if counts is not None else None, params.url(type="", page=""))
    ]
    tabs[0].selected = not selected
    for name, label in type_labels.items():
        count = counts.get(name, 0) if counts is not None else None
        if count == 0 and name != selected:
            continue
        tabs.append(Chip(label, count, params.url(type=name, page=""), name == selected))
    return tabs


@require_GET
@search_rate_limit
def search_page(request: HttpRequest) -> HttpResponse:
    q = _clean(request.GET.get("q"), MAX_Q_CHARS)
    type_name = _clean(request.GET.get("type"), MAX_FILTER_CHARS)
    filters = {name: _clean(request.GET.get(name), MAX_FILTER_CHARS) for name in FILTERS}
    filters = {name: value for name, value in filters.items() if value}
    sort = request.GET.get("sort") if request.GET.get("sort") in api.SORTS else "relevance"
    page = _page_number(request.GET.get("page"))

    result = api.query(
        request.user, q, types=(type_name,) if type_name else (), filters=filters, page=page, sort=sort
    )
    type_labels = api.type_labels()
    params = Params(
        q=q,
        type=result.types[0] if result.types else "",
        sort="" if result.sort == "relevance" else result.sort,
        page=str(result.page),
        **result.filters,
    )
    counts = None
    if result.results is not None:
        counts = {facet.value: facet.count for facet in result.results.facets.get("type", [])}
        if result.types:
            # The type tabs count the same search across every type, so the other tabs stay.
            every_type = api.query(request.user, q, filters=result.filters, per_page=1, sort=result.sort)
            if every_type.results is not None:
                counts = {facet.value: facet.count for facet in every_type.results.facets.get("type", [])}

    hits = result.results.hits if result.results else []
    context = {
        "title": _("Search results for “%(q)s”") % {"q": q} if q else _("Search"),
        "search": result,
        "q": q,
        "searched": result.results is not None,
        "hits": [(hit, type_labels.get(hit.type, hit.type)) for hit in hits],
        "total": result.total,
        "capped": bool(getattr(result.results, "capped", False)),  # total is a lower bound
        "type_tabs": _type_tabs(result, params, counts, type_labels),
        "selected_type": result.types[0] if result.types else "",
        "groups": _facet_groups(result, params, type_labels),
        "filtered": bool(result.types or result.filters),
        # Tabs narrow a search down: pointless when nothing was found in any type.
        "show_tabs": result.results is None or bool(result.total) or bool(result.types or result.filters),
        "secondary_filtered": len(result.filters),
        "clear_url": Params(q=q, sort=params.values.get("sort", "")).url(),
        "clear_filters_url": params.url(page="", **dict.fromkeys(FILTERS, "")),  # keeps the type tab
        "sorts": [
            Chip(
                str(label),
                None,
                params.url(sort="" if key == "relevance" else key, page=""),
                key == result.sort,
            )
            for key, label in SORT_LABELS.items()
        ],
        "current_sort": "" if result.sort == "relevance" else result.sort,
        "suggestion_url": Params(q=result.suggestion).url() if result.suggestion else "",
        "nav": PageNav(result.page, result.pages),
        "query_without_page": params.without_page(),
    }
    response = render(request, "search/results.html", context)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def suggest_json(request: HttpRequest) -> JsonResponse:
    retry_after = suggest_rate_limit.hit(request)
    if retry_after is not None:
        response = JsonResponse(
            {
                "error": "rate_limited",
                "detail": _("Too many requests. Please wait a few minutes and try again."),
                "retry_after": retry_after,
                "suggestions": [],
            },
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Retry-After"] = str(retry_after)
        return response
    prefix = (request.GET.get("q") or "").strip()
    suggestions = []
    if prefix and len(prefix) <= MAX_SUGGEST_CHARS:
        suggestions = [
            {"text": s.text, "kind": s.kind, "url": s.url} for s in api.suggest(prefix, user=request.user)
        ]
    response = JsonResponse({"suggestions": suggestions}, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, max_age=60)
    response["X-Robots-Tag"] = "noindex"
    return response
