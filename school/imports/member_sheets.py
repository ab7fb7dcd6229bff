"""The workbooks we hand out: the blank member template and the list of initial passwords."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from school.imports import cells
from school.imports.members import COLUMNS, EXAMPLE_NAME, EXAMPLE_PHONE, MAX_ROWS
from school.imports.workbook import MUTED_FONT, max_upload_bytes, workbook_bytes, write_table

TEMPLATE_HEADERS = [column.label for column in COLUMNS] + ["备注"]
TEMPLATE_WIDTHS = [12, 16, 24, 14, 14, 8, 16, 24]


@dataclass(frozen=True)
class InitialCredential:
    real_name: str
    phone: str
    login: str
    org_unit_name: str
    password: str


def member_template_workbook(*, example_unit: str) -> bytes:
    """The data sheet (headers, one example row, drop-downs) followed by the instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名单"
    example = [EXAMPLE_NAME, EXAMPLE_PHONE, example_unit, "中共党员", datetime.date(2021, 7, 1), "男", "", ""]
    write_table(sheet, TEMPLATE_HEADERS, [example], TEMPLATE_WIDTHS)
    for cell in sheet[2]:
        cell.font = MUTED_FONT
    sheet.column_dimensions["B"].number_format = "@"  # typed phone numbers stay text, not 1.38E+10
    sheet.column_dimensions["E"].number_format = "yyyy-mm-dd"
    sheet["E2"].number_format = "yyyy-mm-dd"
    _add_choice_list(sheet, "D", cells.POLITICAL_STATUS_CHOICES.split("、"))
    _add_choice_list(sheet, "F", cells.GENDER_CHOICES.split("、"))
    _add_instructions(workbook.create_sheet(_("Instructions")))
    return workbook_bytes(workbook)


def _add_choice_list(sheet, column: str, choices: list[str]) -> None:
    validation = DataValidation(type="list", formula1='"{}"'.format(",".join(choices)), allow_blank=True)
    validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


COLUMN_HELP = {
    "姓名": gettext_lazy("The member's real name, at most 50 characters."),
    "手机号": gettext_lazy(
        "11-digit mobile number. It is also the login account, so each number may appear only once."
    ),
    "所属支部": gettext_lazy(
        "The exact name of the organisation unit, or its organisation code when two units share a name."
    ),
    "政治面貌": gettext_lazy("One of: %(choices)s."),
    "入党时间": gettext_lazy(
        "Only for full and probationary party members, e.g. 2021-07-01 (2021/7/1, 2021年7月1日 and "
        "2021.07.01 work too; a year and month alone means the first day of that month)."
    ),
    "性别": gettext_lazy("One of: %(choices)s."),
    "用户名": gettext_lazy("Login name. Leave it empty and the member logs in with the mobile number."),
    "备注": gettext_lazy("Not imported."),
}
CHOICES = {"政治面貌": cells.POLITICAL_STATUS_CHOICES, "性别": cells.GENDER_CHOICES}
PASSWORD_LIST_NOTE = gettext_lazy(
    "Members must set their own password at first login. Destroy this list once the passwords are handed out."
)


def _instruction_rows() -> list[tuple[str, str, str]]:
    required = {column.label for column in COLUMNS if column.required}
    return [
        (
            label,
            _("Required") if label in required else _("Optional"),
            str(text) % {"choices": CHOICES.get(label)},
        )
        for label, text in COLUMN_HELP.items()
    ]


def _general_notes() -> list[str]:
    return [
        _("Fill in one member per row on the first sheet and delete the grey example row."),
        _("Keep the header row; columns may be in any order."),
        _("At most %(rows)s members and %(size)s per file.")
        % {"rows": MAX_ROWS, "size": filesizeformat(max_upload_bytes())},
        _(
            "After the import every member receives a one-time password, shown once to the organizer, "
            "and must set their own password at first login."
        ),
    ]


def _add_instructions(sheet) -> None:
    headers = [_("Column"), _("Required?"), _("How to fill it in")]
    write_table(sheet, headers, _instruction_rows(), [12, 10, 90])
    sheet.append([])
    for note in _general_notes():
        sheet.append([note])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def initial_password_workbook(credentials: Iterable[InitialCredential]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Initial passwords")
    headers = [
        _("Real name"),
        _("Mobile number"),
        _("Login account"),
        _("Organisation unit"),
        _("Initial password"),
    ]
    rows = [(c.real_name, c.phone, c.login, c.org_unit_name, c.password) for c in credentials]
    write_table(sheet, headers, rows, [12, 16, 16, 24, 16])
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "@"
    sheet.append([])
    sheet.append([str(PASSWORD_LIST_NOTE)])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    return workbook_bytes(workbook)
