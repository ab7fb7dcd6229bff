"""The course catalog and the library listing: filters from the query string, paginated, readable only.

Unknown or malformed filter values are ignored (a shared link with a stale topic id still shows the
catalog), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import (
    ArticlePage,
    CoursePage,
    CourseTopic,
    LibraryCategory,
    PolicyDocumentPage,
)
from courses.permissions import readable
from school.models import Member

COURSES_PER_PAGE = 12
LIBRARY_PER_PAGE = 20

SORTS = {"newest": _("Newest"), "popular": _("Most studied"), "title": _("Title")}


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class Filter:
    name: str
    label: str
    choices: list[Choice]
    selected: str = ""


@dataclass
class Listing:
    page: PaginatorPage
    filters: list[Filter]
    total: int
    query_without_page: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return any(f.selected for f in self.filters)


def _pick(params: QueryDict, name: str, allowed: list[str]) -> str:
    value = params.get(name, "")
    return value if value in allowed else ""


def _page_number(params: QueryDict) -> int:
    try:
        return max(1, int(params.get("page", "1")))
    except ValueError:
        return 1


def _paginate(items: QuerySet | list, params: QueryDict, per_page: int) -> PaginatorPage:
    return Paginator(items, per_page).get_page(_page_number(params))


def _without_page(params: QueryDict) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def course_catalog(*, user: Any, params: QueryDict, catalog: Any) -> Listing:
    topics = list(CourseTopic.objects.all())
    filters = [
        Filter("topic", _("Topic"), [Choice(str(t.pk), t.name) for t in topics]),
        Filter("requirement", _("Required or elective"), _choices(CoursePage.Requirement.choices)),
        Filter("audience", _("For"), _choices(Member.PoliticalStatus.choices)),
        Filter("status", _("Status"), _choices(CoursePage.Status.choices)),
    ]
    for f in filters:
        f.selected = _pick(params, f.name, [c.value for c in f.choices])
    sort = _pick(params, "sort", list(SORTS)) or "newest"

    courses = CoursePage.objects.live().child_of(catalog).select_related("cover", "topic")
    courses = readable(courses, user)
    selected = {f.name: f.selected for f in filters}
    if selected["topic"]:
        courses = courses.filter(topic_id=int(selected["topic"]))
    if selected["requirement"]:
        courses = courses.filter(requirement=selected["requirement"])
    if selected["audience"]:
        # An empty audience means everyone; JSON text matching works on SQLite and PostgreSQL alike.
        courses = courses.filter(
            Q(audience_statuses=[]) | Q(audience_statuses__icontains=f'"{selected["audience"]}"')
        )
    if selected["status"]:
        courses = courses.filter(_status_q(selected["status"]))
    courses = _sorted(courses, sort)
    page = _paginate(courses, params, COURSES_PER_PAGE)
    return Listing(
        page=page,
        filters=filters,
        total=page.paginator.count,
        query_without_page=_without_page(params),
        extra={"sort": sort, "sorts": [Choice(k, v) for k, v in SORTS.items()]},
    )


def _sorted(courses, sort: str):
    if sort == "title":
        return courses.order_by("title")
    if sort == "popular":
        # Members studying or done; a course of last year's class still counts.
        from courses.models import Enrollment

        studying = Q(enrollments__status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED])
        return courses.annotate(learners=Count("enrollments", filter=studying)).order_by(
            "-learners", "-first_published_at", "-pk"
        )
    return courses.order_by("-first_published_at", "-pk")


def _status_q(status: str) -> Q:
    today = timezone.localdate()
    if status == CoursePage.Status.UPCOMING:
        return Q(opens_on__gt=today)
    if status == CoursePage.Status.CLOSED:
        return Q(closes_on__lt=today)
    return (Q(opens_on__isnull=True) | Q(opens_on__lte=today)) & (
        Q(closes_on__isnull=True) | Q(closes_on__gte=today)
    )


def _choices(choices: list[tuple[str, str]]) -> list[Choice]:
    return [Choice(value, label) for value, label in choices]


LIBRARY_TYPES = {"article": ArticlePage, "policy": PolicyDocumentPage}


def library_listing(*, user: Any, params: QueryDict, library: Any) -> Listing:
    categories = list(LibraryCategory.objects.all())
    type_filter = Filter(
        "type",
        _("Type"),
        [Choice("policy", str(_("Policy documents"))), Choice("article", str(_("Study articles")))],
    )
    filters = [
        type_filter,
        Filter("category", _("Category"), [Choice(str(c.pk), c.name) for c in categories]),
        Filter("validity", _("Validity"), _choices(PolicyDocumentPage.Validity.choices)),
    ]
    for f in filters:
        f.selected = _pick(params, f.name, [c.value for c in f.choices])
    selected = {f.name: f.selected for f in filters}

    items: list[Any] = []
    kinds = [selected["type"]] if selected["type"] else list(LIBRARY_TYPES)
    if selected["validity"]:
        kinds = ["policy"] if "policy" in kinds else []
    for kind in kinds:
        model = LIBRARY_TYPES[kind]
        queryset = readable(model.objects.live().child_of(library).select_related("category"), user)
        if selected["category"]:
            queryset = queryset.filter(category_id=int(selected["category"]))
        if kind == "policy" and selected["validity"]:
            queryset = queryset.filter(validity=selected["validity"])
        items += list(queryset)
    items.sort(key=lambda item: (item.date, item.pk), reverse=True)
    page = _paginate(items, params, LIBRARY_PER_PAGE)
    return Listing(page=page, filters=filters, total=len(items), query_without_page=_without_page(params))


def home_highlights(*, user: Any, courses: int = 4, items: int = 5) -> dict[str, list[Any]]:
    """The newest courses and library items the visitor may open, for the home page."""
    latest_courses = readable(CoursePage.objects.live().select_related("cover", "topic"), user)
    library: list[Any] = []
    for model in LIBRARY_TYPES.values():
        newest = readable(model.objects.live(), user).order_by(f"-{model.date_field}", "-pk")
        library += list(newest[:items])
    library.sort(key=lambda item: (item.date, item.pk), reverse=True)
    return {
        "courses": list(latest_courses.order_by("-first_published_at", "-pk")[:courses]),
        "library": library[:items],
    }
