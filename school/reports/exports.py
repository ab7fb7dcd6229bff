"""The member table as an Excel workbook or CSV, written row by row (constant memory).

Small tables download at once; larger ones (``REPORT_EXPORT_SYNC_ROWS``) are built by a Celery
task that reports its progress on the ``ReportExport`` row and stores the file privately.
An empty table still gives a valid file with its headers.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from school.imports.workbook import HEADER_FILL, HEADER_FONT
from school.models import Member

PROGRESS_EVERY = 500
WIDTHS = [24, 12, 14, 12, 12, 10, 10, 10, 14]
Progress = Callable[[int], None]


def headers() -> list[str]:
    return [
        _("Organisation"),
        _("Name"),
        _("Political status"),
        _("Courses assigned"),
        _("Assigned completed"),
        _("Credit hours"),
        _("Exams passed"),
        _("Points"),
        _("Last studied"),
    ]


def row_values(member: Member) -> list[Any]:
    return [
        member.org_unit.name,
        member.real_name,
        member.get_political_status_display(),
        member.assigned,
        member.assigned_completed,
        float(member.hours),
        member.exams_passed,
        member.points_total,
        member.last_active,
    ]


def _rows(members: Iterable[Member], progress: Progress | None) -> Iterator[list[Any]]:
    for count, member in enumerate(members, start=1):
        yield row_values(member)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


def members_xlsx(members: Iterable[Member], *, title: str, progress: Progress | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Sheet1")
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header_cells = []
    for text in headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    for values in _rows(members, progress):
        cells = [WriteOnlyCell(sheet, value=value) for value in values]
        for cell, value in zip(cells, values, strict=True):
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
        cells[5].number_format = "0.0"
        if isinstance(values[-1], datetime.date):
            cells[-1].number_format = "yyyy-mm-dd"
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def members_csv(members: Iterable[Member], *, progress: Progress | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so Excel and WPS open the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    for values in _rows(members, progress):
        writer.writerow(["" if value is None else _csv_cell(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """Text starting like a formula is quoted, so a spreadsheet never runs it (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_filename(scope_name: str, year: int, fmt: str) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return (
        _("%(unit)s member study statistics %(year)s") % {"unit": scope_name, "year": year}
        + f" {stamp}.{fmt}"
    )
