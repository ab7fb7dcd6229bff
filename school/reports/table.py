"""学员学习统计表: one row per member in the scope, sortable and filterable, for a year.

Columns are annotations (correlated subqueries), so sorting and paging happen in the database
whatever the column: no per-member loop, one query for a page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import CreditHourEntry, Enrollment, StudyDay, StudySettings
from exams.models import ExamResult
from school.models import Member, PointEntry
from school.reports.scope import ReportScope

COLUMNS = {  # sort key: (label, ordering field)
    "unit": (gettext_lazy("Organisation"), "org_unit__path"),
    "name": (gettext_lazy("Name"), "real_name"),
    "status": (gettext_lazy("Political status"), "political_status"),
    "assigned": (gettext_lazy("Courses assigned"), "assigned"),
    "completed": (gettext_lazy("Assigned completed"), "assigned_completed"),
    "hours": (gettext_lazy("Credit hours"), "hours"),
    "exams": (gettext_lazy("Exams passed"), "exams_passed"),
    "points": (gettext_lazy("Points"), "points_total"),
    "active": (gettext_lazy("Last studied"), "last_active"),
}
DEFAULT_SORT = "unit"
FLAGS = {
    "overdue": gettext_lazy("With overdue courses"),
    "below": gettext_lazy("Below the annual credit hours"),
    "inactive": gettext_lazy("No study in the last 30 days"),
}


@dataclass(frozen=True)
class TableFilters:
    year: int
    status: str = ""
    name: str = ""
    flag: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False
    errors: list[str] = field(default_factory=list)


def table_filters(params, scope: ReportScope, today: datetime.date) -> TableFilters:
    """Read the filters of the table from the query string; unknown values fall back with a message."""
    errors = []
    year = today.year
    if params.get("year"):
        try:
            year = int(params["year"])
        except ValueError:
            errors.append(_("“%(value)s” is not a year.") % {"value": params["year"][:10]})
        else:
            if not 2000 <= year <= today.year + 1:
                errors.append(_("Choose a year from 2000 to %(last)s.") % {"last": today.year + 1})
                year = today.year
    status = params.get("status", "")
    if status and status not in Member.PoliticalStatus.values:
        errors.append(_("Unknown political status."))
        status = ""
    flag = params.get("flag", "")
    if flag and flag not in FLAGS:
        errors.append(_("Unknown filter."))
        flag = ""
    sort = params.get("sort", DEFAULT_SORT)
    descending = sort.startswith("-")
    if sort.lstrip("-") not in COLUMNS:
        errors.append(_("The table cannot be sorted by that column."))
        sort, descending = DEFAULT_SORT, False
    return TableFilters(
        year=year,
        status=status,
        name=(params.get("q") or "").strip()[:50],
        flag=flag,
        sort=sort.lstrip("-"),
        descending=descending,
        errors=errors,
    )


def hours_in_year(year: int) -> Coalesce:
    """Per member (an annotation on Member): the credit hours earned in ``year``."""
    entries = (
        CreditHourEntry.objects.filter(member=OuterRef("pk"), earned_on__year=year)
        .order_by()
        .values("member")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(
        Subquery(entries), Value(Decimal(0)), output_field=DecimalField(max_digits=8, decimal_places=1)
    )


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("member").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def member_rows(scope: ReportScope, filters: TableFilters, today: datetime.date) -> QuerySet[Member]:
    """Members of the scope with their figures for ``filters.year``, filtered and sorted."""
    assigned = Enrollment.objects.filter(member=OuterRef("pk"), source=Enrollment.Source.ASSIGNED)
    points = (
        PointEntry.objects.filter(member=OuterRef("pk"), day__year=filters.year)
        .order_by()
        .values("member")
        .annotate(total=Sum("points"))
        .values("total")
    )
    last_active = (
        StudyDay.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(last=Max("day"))
        .values("last")
    )
    rows = (
        scope.members()
        .select_related("org_unit")
        .annotate(
            assigned=_count(assigned.exclude(status=Enrollment.Status.REJECTED)),
            assigned_completed=_count(assigned.filter(status=Enrollment.Status.COMPLETED)),
            overdue=_count(assigned.filter(status=Enrollment.Status.ACTIVE, deadline__lt=today)),
            hours=hours_in_year(filters.year),
            exams_passed=_count(
                ExamResult.objects.filter(member=OuterRef("pk"), passed=True, passed_at__year=filters.year)
            ),
            points_total=Coalesce(Subquery(points, output_field=IntegerField()), Value(0)),
            last_active=Subquery(last_active),
        )
    )
    if filters.status:
        rows = rows.filter(political_status=filters.status)
    if filters.name:
        rows = rows.filter(Q(real_name__icontains=filters.name) | Q(user__username__icontains=filters.name))
    if filters.flag == "overdue":
        rows = rows.filter(overdue__gt=0)
    elif filters.flag == "below":
        rows = rows.filter(hours__lt=required_hours())
    elif filters.flag == "inactive":
        since = today - datetime.timedelta(days=29)
        rows = rows.filter(Q(last_active__isnull=True) | Q(last_active__lt=since))
    ordering = F(COLUMNS[filters.sort][1])
    nulls = {"nulls_last": True} if filters.sort == "active" else {}
    primary = ordering.desc(**nulls) if filters.descending else ordering.asc(**nulls)
    return rows.order_by(primary, "org_unit__path", "real_name", "pk")


def required_hours() -> Decimal:
    return StudySettings.load().annual_credit_hours
