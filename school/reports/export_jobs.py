"""Exports of the member table: at once when small, otherwise built by a worker with progress."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from school.models import ReportExport
from school.queueing import enqueue_on_commit
from school.reports import exports
from school.reports.scope import report_scope
from school.reports.table import member_rows, table_filters
from school.services.audit import audit_record

logger = logging.getLogger(__name__)

KEEP_DAYS = 7
CHUNK = 2000


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str


def _selection(user: Any, params: dict[str, str], today: datetime.date):
    """The requester's scope, the table's filters and its rows, as the member table shows them."""
    query = QueryDict(mutable=True)
    query.update(params)
    scope = report_scope(user, params.get("unit"))
    filters = table_filters(query, scope, today)
    return scope, filters, member_rows(scope, filters, today)


def _build(user: Any, params: dict[str, str], fmt: str, today: datetime.date, progress=None) -> ExportFile:
    scope, filters, rows = _selection(user, params, today)
    rows = rows.iterator(chunk_size=CHUNK)
    name = scope.unit.name if scope.unit else _("All organisations")
    filename = exports.export_filename(name, filters.year, fmt)
    if fmt == ReportExport.Format.CSV:
        return ExportFile(exports.members_csv(rows, progress=progress), filename)
    return ExportFile(
        exports.members_xlsx(rows, title=_("Member study statistics"), progress=progress), filename
    )


def export_size(user: Any, params: dict[str, str], today: datetime.date) -> int:
    return _selection(user, params, today)[2].count()


def export_now(*, acting_user: Any, params: dict[str, str], fmt: str) -> ExportFile:
    result = _build(acting_user, params, fmt, timezone.localdate())
    audit_record(actor=acting_user, action="report.members_exported", format=fmt, **_audited(params))
    return result


@transaction.atomic(durable=True)
def report_export_request(
    *, acting_user: Any, params: dict[str, str], fmt: str, description: str
) -> ReportExport:
    """Queue a large export; the worker builds it (``report_export_build``) after commit."""
    from school.tasks import report_export_build_task

    export = ReportExport.objects.create(
        requested_by=acting_user, format=fmt, params=params, description=description[:200]
    )
    audit_record(
        actor=acting_user,
        action="report.members_export_requested",
        target=export,
        format=fmt,
        **_audited(params),
    )
    enqueue_on_commit(
        report_export_build_task, export_id=export.pk, on_failure=partial(_not_queued, export_id=export.pk)
    )
    return export


def _not_queued(*, export_id: int) -> None:
    """The broker refused the job: the export fails now with a reason, in the site's language (it is
    shown later to whoever opens it), instead of waiting for ever."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("The background service is not available; please try again later.")
    _fail(ReportExport(pk=export_id), reason)


def _audited(params: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in params.items() if key in ("unit", "year", "status", "flag", "q")}


def report_export_build(*, export: ReportExport) -> None:
    """Build the file as the requester sees the data now (their scope is checked again)."""
    if export.status == ReportExport.Status.READY:
        return
    today = timezone.localdate()
    user = export.requested_by
    ReportExport.objects.filter(pk=export.pk).update(status=ReportExport.Status.RUNNING, done=0)
    try:
        total = export_size(user, export.params, today)
        ReportExport.objects.filter(pk=export.pk).update(total=total)
        built = _build(
            user,
            export.params,
            export.format,
            today,
            progress=lambda done: ReportExport.objects.filter(pk=export.pk).update(done=done),
        )
        export.refresh_from_db()
        export.file.save(built.filename, ContentFile(built.content), save=False)  # storage may be down
    except PermissionDenied:
        _fail(export, _("You no longer manage these organisations."))
        return
    except Exception:
        logger.exception("report export %s failed", export.pk)
        _fail(export, _("The export failed. Try again; if it fails again, tell the administrator."))
        raise
    export.filename = built.filename
    export.status = ReportExport.Status.READY
    export.done = export.total
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "filename", "status", "done", "finished_at"])


def _fail(export: ReportExport, reason: str) -> None:
    ReportExport.objects.filter(pk=export.pk).update(
        status=ReportExport.Status.FAILED, error=reason[:300], finished_at=timezone.now()
    )


def report_exports_forget_old(*, now: datetime.datetime | None = None) -> int:
    """Exports are kept for a week: the files hold personal data. Daily from the beat."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    forgotten = 0
    for old in ReportExport.objects.filter(created_at__lt=cutoff):
        if old.file:
            old.file.delete(save=False)
        old.delete()
        forgotten += 1
    return forgotten


def sync_limit() -> int:
    return settings.REPORT_EXPORT_SYNC_ROWS
