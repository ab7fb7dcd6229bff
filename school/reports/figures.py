"""The organizer dashboard's figures: each an aggregate query over the scope and the period.

Definitions (also in docs/reports.md):
- active learners: members with study time (``StudyDay``) in the last 7 / 30 days up to today;
- assigned courses: enrolments by assignment made in the period; completed ones, and the share;
  overdue: enrolments still open after their deadline, whenever they were assigned;
- credit hours: the 学时 of the period's year per member, against the annual requirement;
- exams: sittings are (member, exam) pairs with an attempt submitted in the period; a sitting
  passed when the member's result in that exam is a pass; the mean is over graded results;
- satisfaction: ratings given in the period; community: threads, replies and study notes written
  in the period by members in the scope.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr, TruncMonth, TruncWeek
from django.utils import timezone

from courses.models import CourseRating, CreditHourEntry, Enrollment, StudyDay, StudySettings
from exams.models import Attempt, ExamResult
from school.models import Member, OrgUnit
from school.reports.period import Period
from school.reports.popular import PopularCourse, popular_courses
from school.reports.scope import ReportScope

OVERDUE_SHOWN = 20
WEEKLY_UP_TO_DAYS = 190  # longer periods are charted per month
BINS = 10


def share(part: int | Decimal, whole: int | Decimal) -> float | None:
    return float(part) / float(whole) if whole else None


@dataclass(frozen=True)
class StatusCount:
    value: str
    count: int

    @property
    def label(self) -> str:
        """In the reader's language when shown (the figures are cached for readers of any language)."""
        return Member.PoliticalStatus(self.value).label


def members_by_status(scope: ReportScope) -> list[StatusCount]:
    counts = dict(scope.members().order_by().values_list("political_status").annotate(count=Count("pk")))
    return [StatusCount(value, counts.get(value, 0)) for value in Member.PoliticalStatus.values]


@dataclass(frozen=True)
class Activity:
    members: int
    this_week: int
    this_month: int
    in_period: int


def activity(scope: ReportScope, period: Period, today: datetime.date | None = None) -> Activity:
    """One pass over the members, each tested with ``EXISTS`` over its study days (index-served)."""
    today = today or timezone.localdate()

    def studied(start: datetime.date, end: datetime.date) -> Count:
        days = StudyDay.objects.filter(member=OuterRef("pk"), day__range=(start, end))
        return Count("pk", filter=Q(Exists(days)))

    counts = scope.members().aggregate(
        members=Count("pk"),
        this_week=studied(today - datetime.timedelta(days=6), today),
        this_month=studied(today - datetime.timedelta(days=29), today),
        in_period=studied(period.start, period.end),
    )
    return Activity(**counts)


@dataclass(frozen=True)
class Assigned:
    total: int
    completed: int
    overdue: int  # open past their deadline today, assigned whenever
    overdue_rows: list[Enrollment]

    @property
    def rate(self) -> float | None:
        return share(self.completed, self.total)


def assigned_courses(scope: ReportScope, period: Period, today: datetime.date | None = None) -> Assigned:
    today = today or timezone.localdate()
    assigned = Enrollment.objects.filter(scope.member_q(), source=Enrollment.Source.ASSIGNED)
    counts = assigned.filter(period.during("created_at")).aggregate(
        total=Count("pk"), completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED))
    )
    overdue = assigned.filter(status=Enrollment.Status.ACTIVE, deadline__lt=today)
    rows = list(
        overdue.select_related("member__org_unit", "course", "assignment").order_by(
            "deadline", "member__org_unit__path", "member__real_name"
        )[:OVERDUE_SHOWN]
    )
    return Assigned(
        total=counts["total"], completed=counts["completed"], overdue=overdue.count(), overdue_rows=rows
    )


@dataclass(frozen=True)
class Hours:
    year: int
    required: Decimal
    members: int
    total: Decimal
    met: int

    @property
    def mean(self) -> Decimal | None:
        return (self.total / self.members).quantize(Decimal("0.1")) if self.members else None

    @property
    def met_share(self) -> float | None:
        return share(self.met, self.members)


def credit_hours(scope: ReportScope, year: int) -> Hours:
    """Sums per member in one grouped query (not a subquery per member): members without hours
    have no group, so they count towards the requirement only when it is zero."""
    required = StudySettings.load().annual_credit_hours
    members = scope.members().count()
    entries = CreditHourEntry.objects.filter(scope.member_q(), earned_on__year=year)
    total = entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    if required <= 0:
        met = members
    else:
        per_member = entries.order_by().values("member").annotate(hours=Sum("hours"))
        met = per_member.filter(hours__gte=required).count()
    return Hours(year=year, required=required, members=members, total=total, met=met)


def _sittings(scope: ReportScope, period: Period):
    return Attempt.objects.filter(
        scope.member_q(), period.during("submitted_at"), state=Attempt.State.SUBMITTED
    )


def _sat_results(scope: ReportScope, period: Period):
    sittings = _sittings(scope, period).filter(member=OuterRef("member"), exam=OuterRef("exam"))
    return ExamResult.objects.filter(scope.member_q()).filter(Exists(sittings))


@dataclass(frozen=True)
class Bin:
    low: int
    high: int
    count: int


@dataclass(frozen=True)
class Exams:
    sittings: int
    members: int
    passed: int
    mean_percent: Decimal | None
    bins: list[Bin]  # graded results in ten bands of 10 points; the last includes 100

    @property
    def pass_rate(self) -> float | None:
        return share(self.passed, self.sittings)


def exams(scope: ReportScope, period: Period) -> Exams:
    sittings = _sittings(scope, period)
    pairs = sittings.order_by().values("member", "exam").distinct().count()
    graded = Q(percent__isnull=False)
    bands = {
        f"b{i}": Count(
            "pk",
            filter=graded & Q(percent__gte=i * 10) & (Q(percent__lt=(i + 1) * 10) if i < BINS - 1 else Q()),
        )
        for i in range(BINS)
    }
    results = _sat_results(scope, period).aggregate(
        passed=Count("pk", filter=Q(passed=True)), mean=Avg("percent"), **bands
    )
    mean = results["mean"]
    return Exams(
        sittings=pairs,
        members=sittings.values("member").distinct().count(),
        passed=results["passed"],
        mean_percent=Decimal(mean).quantize(Decimal("0.1")) if mean is not None else None,
        bins=[Bin(low=i * 10, high=(i + 1) * 10, count=results[f"b{i}"]) for i in range(BINS)],
    )


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    mean: Decimal | None


def satisfaction(scope: ReportScope, period: Period) -> Satisfaction:
    counts = CourseRating.objects.filter(scope.member_q(), period.during("created_at")).aggregate(
        ratings=Count("pk"), mean=Avg("score")
    )
    mean = counts["mean"]
    return Satisfaction(
        ratings=counts["ratings"], mean=Decimal(mean).quantize(Decimal("0.01")) if mean is not None else None
    )


@dataclass(frozen=True)
class Community:
    threads: int
    replies: int
    notes: int


def community(scope: ReportScope, period: Period) -> Community | None:
    """None when the community app is not installed."""
    if not apps.is_installed("community"):
        return None
    from community.models import Post, StudyNote, Thread

    authors = scope.author_q()
    when = period.during("created_at")
    return Community(
        threads=Thread.objects.filter(authors, when).count(),
        replies=Post.objects.filter(authors, when, is_opening=False).count(),
        notes=StudyNote.objects.filter(authors, when).count(),
    )


@dataclass(frozen=True)
class TrendPoint:
    start: datetime.date
    hours: float
    completions: int


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def trend(scope: ReportScope, period: Period) -> tuple[str, list[TrendPoint]]:
    """Study hours and completed courses per week (per month for long periods); empty buckets kept."""
    weekly = period.days <= WEEKLY_UP_TO_DAYS
    bucket, unit = (TruncWeek, "week") if weekly else (TruncMonth, "month")
    seconds = {
        _as_date(when): total
        for when, total in StudyDay.objects.filter(scope.member_q(), day__range=(period.start, period.end))
        .annotate(bucket=bucket("day"))
        .order_by()
        .values_list("bucket")
        .annotate(total=Sum("seconds"))
    }
    completions: dict[datetime.date, int] = {}
    for when, count in (
        Enrollment.objects.filter(scope.member_q(), period.during("completed_at"))
        .annotate(bucket=bucket("completed_at"))
        .order_by()
        .values_list("bucket")
        .annotate(count=Count("pk"))
    ):
        day = _as_date(when)
        completions[day] = completions.get(day, 0) + count
    points = [
        TrendPoint(
            start=start,
            hours=round((seconds.get(start) or 0) / 3600, 1),
            completions=completions.get(start, 0),
        )
        for start in _buckets(period, weekly)
    ]
    return unit, points


def _buckets(period: Period, weekly: bool) -> list[datetime.date]:
    if weekly:
        start = period.start - datetime.timedelta(days=period.start.weekday())
        return [start + datetime.timedelta(weeks=n) for n in range((period.end - start).days // 7 + 1)]
    months, current = [], period.start.replace(day=1)
    while current <= period.end:
        months.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class UnitFigures:
    unit: OrgUnit
    members: int
    study_hours: float
    assigned: int
    completed: int
    credit_hours: Decimal

    @property
    def completion_rate(self) -> float | None:
        return share(self.completed, self.assigned)

    @property
    def hours_per_member(self) -> Decimal | None:
        return (self.credit_hours / self.members).quantize(Decimal("0.1")) if self.members else None


def units_compared(scope: ReportScope, period: Period) -> list[UnitFigures]:
    """The figures of each compared unit (see ``ReportScope.compared_units``): each table is read
    once, grouped by the leading part of the member's unit path (one group per unit)."""
    units = scope.compared_units()
    if not units:
        return []
    lengths = sorted({len(unit.path) for unit in units})  # one unless several roots of different depth

    def per_unit(queryset, path: str, **aggregates) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for length in lengths:
            grouped = (
                queryset.annotate(unit_path=Substr(path, 1, length))
                .order_by()
                .values("unit_path")
                .annotate(**aggregates)
            )
            found.update({row.pop("unit_path"): row for row in grouped})
        return found

    members = per_unit(scope.members(), "org_unit__path", n=Count("pk"))
    seconds = per_unit(
        StudyDay.objects.filter(scope.member_q(), day__range=(period.start, period.end)),
        "member__org_unit__path",
        total=Sum("seconds"),
    )
    assigned = per_unit(
        Enrollment.objects.filter(
            scope.member_q(), period.during("created_at"), source=Enrollment.Source.ASSIGNED
        ),
        "member__org_unit__path",
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED)),
    )
    hours = per_unit(
        CreditHourEntry.objects.filter(scope.member_q(), earned_on__year=period.year),
        "member__org_unit__path",
        total=Sum("hours"),
    )
    empty: dict = {}
    return [
        UnitFigures(
            unit=unit,
            members=members.get(unit.path, empty).get("n", 0),
            study_hours=round((seconds.get(unit.path, empty).get("total") or 0) / 3600, 1),
            assigned=assigned.get(unit.path, empty).get("total", 0),
            completed=assigned.get(unit.path, empty).get("completed", 0),
            credit_hours=hours.get(unit.path, empty).get("total") or Decimal(0),
        )
        for unit in units
    ]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    statuses: list[StatusCount]
    activity: Activity
    assigned: Assigned
    hours: Hours
    exams: Exams
    satisfaction: Satisfaction
    community: Community | None
    trend_unit: str
    trend: list[TrendPoint]
    units: list[UnitFigures]
    popular: list[PopularCourse]


def dashboard(scope: ReportScope, period: Period, today: datetime.date | None = None) -> Dashboard:
    trend_unit, points = trend(scope, period)
    return Dashboard(
        period=period,
        statuses=members_by_status(scope),
        activity=activity(scope, period, today),
        assigned=assigned_courses(scope, period, today),
        hours=credit_hours(scope, period.year),
        exams=exams(scope, period),
        satisfaction=satisfaction(scope, period),
        community=community(scope, period),
        trend_unit=trend_unit,
        trend=points,
        units=units_compared(scope, period),
        popular=popular_courses(scope, period),
    )
