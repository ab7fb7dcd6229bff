"""学习统计 in the admin: the dashboard, the member table with its exports, and export progress.

Who: system administrators (everything) and branch organizers (their subtrees). A unit id outside
them is a 403; bad dates or filters get a message and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from courses.permissions import can_manage_study
from school.downloads import private_download
from school.imports.workbook import XLSX_CONTENT_TYPE
from school.models import Member, ReportExport
from school.reports import figures
from school.reports.charts import Bar, Column, column_chart
from school.reports.dashboard_cache import KEEP_SECONDS, cached_dashboard
from school.reports.export_jobs import export_now, export_size, report_export_request, sync_limit
from school.reports.period import PRESETS, InvalidPeriod, period_from
from school.reports.popular import WEIGHTS
from school.reports.scope import OutsideScope, ReportScope, report_scope
from school.reports.table import COLUMNS, FLAGS, member_rows, required_hours, table_filters
from school.templatetags.reports import percent

PER_PAGE = 50
TABLE_PARAMS = ("unit", "year", "status", "flag", "q", "sort")
CONTENT_TYPES = {
    ReportExport.Format.XLSX: XLSX_CONTENT_TYPE,
    ReportExport.Format.CSV: "text/csv; charset=utf-8",
}


def scoped(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A unit outside the organizer's subtrees is a 403 page (not the admin's redirect home)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except OutsideScope:
            context = {"page_title": _("Study statistics")}
            return TemplateResponse(request, "school/reports/outside.html", context, status=403)

    return wrapper


def _scope(request: HttpRequest) -> ReportScope:
    if not can_manage_study(request.user):
        raise PermissionDenied
    return report_scope(request.user, request.GET.get("unit") or request.POST.get("unit"))


@scoped
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    context: dict[str, Any] = {
        "page_title": _("Study statistics"),
        "scope": scope,
        "units": scope.unit_choices(),
        "presets": PRESETS,
        "params": request.GET,
    }
    try:
        period = period_from(request.GET)
    except InvalidPeriod as error:
        context["error"] = str(error)
        return TemplateResponse(request, "school/reports/dashboard.html", context, status=400)
    board, computed_at = cached_dashboard(scope, period)
    context.update(
        period=period,
        board=board,
        popular=board.popular,
        computed_at=computed_at,
        fresh_minutes=KEEP_SECONDS // 60,
        weights=WEIGHTS,
        charts=_charts(board),
        unit_bars=_unit_bars(board.units),
        query=urlencode({**period.query(), **({"unit": scope.unit.pk} if scope.unit else {})}),
    )
    return TemplateResponse(request, "school/reports/dashboard.html", context)


def _charts(board: figures.Dashboard) -> dict[str, Any]:
    weekly = board.trend_unit == "week"
    one_year = len({point.start.year for point in board.trend}) == 1
    hours, done = [], []
    for point in board.trend:
        when = date_format(point.start, "MONTH_DAY_FORMAT" if weekly else "YEAR_MONTH_FORMAT")
        axis = _axis_label(point.start, weekly=weekly, one_year=one_year)
        hours.append(
            Column(axis, point.hours, _("%(when)s: %(hours)s hours") % {"when": when, "hours": point.hours})
        )
        done.append(
            Column(
                axis,
                point.completions,
                _("%(when)s: %(count)s completed") % {"when": when, "count": point.completions},
            )
        )
    scores = [Column(f"{b.low}–{b.high}", b.count) for b in board.exams.bins]
    return {
        "hours": column_chart(hours, label=_("Study hours per period")),
        "completions": column_chart(done, label=_("Courses completed per period"), color="#d97706"),
        "scores": column_chart(scores, label=_("Score distribution"), color="#2563eb"),
    }


def _axis_label(day, *, weekly: bool, one_year: bool) -> str:
    """Short enough for eight under a chart on a phone: 3/9 for a week, 3月 (or 25/3) for a month."""
    if weekly:
        return f"{day.month}/{day.day}"
    if one_year:
        return pgettext("month on a chart axis", "%(month)d") % {"month": day.month}
    return f"{day.year % 100:02d}/{day.month}"


def _unit_bars(units: list[figures.UnitFigures]) -> dict[str, list[tuple[Bar, float]]]:
    """Each bar with its width in percent of the longest (completion: of 100%)."""
    completion = [Bar(u.unit.name, u.completion_rate, percent(u.completion_rate)) for u in units]
    per_member = [
        Bar(u.unit.name, float(u.hours_per_member or 0), str(u.hours_per_member or "—")) for u in units
    ]
    study = [Bar(u.unit.name, u.study_hours, str(u.study_hours)) for u in units]
    top = lambda bars: max((b.value or 0 for b in bars), default=0)  # noqa: E731
    return {
        "completion": [(b, b.width(1.0)) for b in completion],
        "per_member": [(b, b.width(top(per_member))) for b in per_member],
        "study": [(b, b.width(top(study))) for b in study],
    }


@scoped
@require_GET
def member_table(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    today = timezone.localdate()
    filters = table_filters(request.GET, scope, today)
    rows = member_rows(scope, filters, today)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("p"))
    kept = {key: request.GET[key] for key in TABLE_PARAMS if request.GET.get(key) and key != "sort"}
    context = {
        "page_title": _("Member study statistics"),
        "scope": scope,
        "units": scope.unit_choices(),
        "filters": filters,
        "page": page,
        "columns": [(key, label, _sort_link(kept, key, filters)) for key, (label, _field) in COLUMNS.items()],
        "statuses": Member.PoliticalStatus.choices,
        "flags": FLAGS,
        "required": required_hours(),
        "years": list(range(today.year, max(2000, today.year - 9) - 1, -1)),
        "exports": ReportExport.objects.filter(requested_by=request.user)[:5],
        "sync_limit": sync_limit(),
    }
    status = 400 if filters.errors else 200
    return TemplateResponse(request, "school/reports/members.html", context, status=status)


def _sort_link(kept: dict[str, str], key: str, filters) -> str:
    descending = filters.sort == key and not filters.descending
    return "?" + urlencode({**kept, "sort": f"-{key}" if descending else key})


@scoped
@require_POST
def member_export(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    fmt = request.POST.get("format", "")
    if fmt not in ReportExport.Format.values:
        raise Http404
    params = {key: request.POST[key] for key in TABLE_PARAMS if request.POST.get(key)}
    if scope.unit:
        params["unit"] = str(scope.unit.pk)
    today = timezone.localdate()
    if export_size(request.user, params, today) <= sync_limit():
        built = export_now(acting_user=request.user, params=params, fmt=fmt)
        return _download(built.content, built.filename, fmt)
    name = scope.unit.name if scope.unit else _("All organisations")
    export = report_export_request(
        acting_user=request.user,
        params=params,
        fmt=fmt,
        description=_("Member study statistics: %(unit)s") % {"unit": name},
    )
    return redirect("school_reports:export", pk=export.pk)


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _own_export(request: HttpRequest, pk: int) -> ReportExport:
    if not can_manage_study(request.user):
        raise PermissionDenied
    return get_object_or_404(ReportExport, pk=pk, requested_by=request.user)


@require_GET
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": export.status,
                "status_label": export.get_status_display(),
                "percent": export.percent,
                "done": export.done,
                "total": export.total,
                "error": export.error,
                "download": reverse("school_reports:download", args=[export.pk])
                if export.status == ReportExport.Status.READY
                else "",
            }
        )
    context = {"page_title": _("Export"), "export": export}
    return TemplateResponse(request, "school/reports/export.html", context)


@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if export.status != ReportExport.Status.READY or not export.file:
        raise Http404
    content_type = CONTENT_TYPES[export.format]
    return private_download(export.file.name, filename=export.filename, content_type=content_type)


urls = [
    path("", dashboard, name="dashboard"),
    path("members/", member_table, name="members"),
    path("members/export/", member_export, name="member_export"),
    path("exports/<int:pk>/", export_status, name="export"),
    path("exports/<int:pk>/download/", export_download, name="download"),
]
