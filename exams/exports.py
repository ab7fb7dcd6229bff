"""One exam's results and statistics as an Excel workbook, for organizers who report upwards.

Three sheets (results, question analysis, score distribution) with Chinese headers, the header
row frozen; an exam nobody has sat yet still gives a valid workbook with the headers only.
Numbers stay numbers (percentages formatted, not written as text) so the file can be sorted
and summed in WPS or Excel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from exams.models import Exam, ExamResult
from exams.statistics import ExamStatistics, ItemRow
from school.imports.workbook import workbook_bytes, write_table

PERCENT_FORMAT = "0.0%"
SHEET_TITLE_MAX = 31
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\[\]\r\n\t]+')


def _sheet_title(title: str) -> str:
    return UNSAFE_IN_NAMES.sub(" ", title)[:SHEET_TITLE_MAX]


def _result_rows(results: Iterable[ExamResult]) -> Iterable[list[Any]]:
    for result in results:
        passed_on = timezone.localtime(result.passed_at).date() if result.passed_at else None
        yield [
            result.member.real_name,
            result.member.org_unit.name,
            result.member.get_political_status_display(),
            result.attempts,
            float(result.percent) if result.percent is not None else None,
            _("Yes") if result.passed else _("No"),
            passed_on,
        ]


def _item_cells(row: ItemRow, versions: str) -> list[Any]:
    return [
        row.question_id,
        versions,
        str(row.kind_label),
        row.summary,
        row.count,
        round(row.mean_mark, 2),
        round(row.mean_full, 2),
        round(row.facility, 3) if row.facility is not None else None,
        round(row.discrimination, 3) if row.discrimination is not None else None,
    ]


def _item_rows(statistics: ExamStatistics) -> Iterable[list[Any]]:
    """Each question pooled over its versions, then its versions when it had more than one."""
    by_question: dict[int, list[ItemRow]] = {}
    for row in statistics.versions:
        by_question.setdefault(row.question_id, []).append(row)
    for row in statistics.questions:
        yield _item_cells(row, row.versions_label)
        versions = by_question.get(row.question_id, [])
        if len(versions) > 1:
            yield from (_item_cells(version, version.versions_label) for version in versions)


def _distribution_rows(statistics: ExamStatistics) -> Iterable[list[Any]]:
    if not statistics.summary.graded:
        return []
    return [[band.label, band.count, band.share] for band in statistics.distribution]


def _format_column(sheet: Any, column: str, number_format: str) -> None:
    for cell in sheet[column][1:]:
        cell.number_format = number_format


def exam_workbook(*, exam: Exam, statistics: ExamStatistics, results: Iterable[ExamResult]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(_("Results"))
    headers = [
        _("Name"),
        _("Organisation"),
        _("Political status"),
        _("Attempts"),
        _("Score (%)"),
        _("Passed"),
        _("Passed on"),
    ]
    write_table(sheet, headers, _result_rows(results), [14, 24, 16, 10, 10, 10, 14])
    _format_column(sheet, "G", "yyyy-mm-dd")

    sheet = workbook.create_sheet(_sheet_title(_("Question analysis")))
    headers = [
        _("Question ID"),
        _("Versions"),
        _("Type"),
        _("Question"),
        _("Attempts"),
        _("Mean marks"),
        _("Full marks"),
        _("Facility index"),
        _("Discrimination index"),
    ]
    write_table(sheet, headers, _item_rows(statistics), [10, 10, 12, 50, 10, 10, 10, 14, 14])

    sheet = workbook.create_sheet(_sheet_title(_("Score distribution")))
    headers = [_("Score band (%)"), _("Members"), _("Share")]
    write_table(sheet, headers, _distribution_rows(statistics), [16, 10, 10])
    _format_column(sheet, "C", PERCENT_FORMAT)
    return workbook_bytes(workbook)


def export_filename(exam: Exam) -> str:
    title = UNSAFE_IN_NAMES.sub("_", exam.title).strip() or str(exam.pk)
    return _("%(title)s results and analysis") % {"title": title} + ".xlsx"
