"""What can be wrong with an uploaded sheet, as codes plus parameters.

Errors are stored as codes (in ``MemberImport.errors``) and rendered in the
reader's language when shown, so a preview made in Chinese reads in English too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

ROW_MESSAGES = {
    "required": _("%(column)s is required."),
    "too_long": _("%(column)s is longer than %(max)s characters."),
    "example_row": _("This is the example row from the template; delete it before importing."),
    "phone_invalid": _("“%(value)s” is not an 11-digit mainland mobile number."),
    "phone_duplicate": _("Mobile number %(phone)s also appears in row %(rows)s."),
    "phone_taken": _("Mobile number %(phone)s is already registered."),
    "username_invalid": _("“%(value)s” is not a valid account name: use letters, digits and @ . + - _ only."),
    "username_phone_like": _(
        "Account name %(username)s looks like a mobile number; leave it empty to use the member's own number."
    ),
    "username_duplicate": _("Account name %(username)s also appears in row %(rows)s."),
    "username_taken": _("Account name %(username)s is already taken."),
    "org_unit_unknown": _("There is no organisation unit called “%(value)s”."),
    "org_unit_ambiguous": _(
        "Several organisation units are called “%(value)s”; enter the organisation code instead."
    ),
    "org_unit_forbidden": _("You may not import members into “%(value)s”."),
    "org_unit_gone": _("The organisation unit “%(value)s” no longer exists."),
    "status_invalid": _("“%(value)s” is not a political status; use one of: %(choices)s."),
    "gender_invalid": _("“%(value)s” is not a gender; use %(choices)s."),
    "date_invalid": _("“%(value)s” is not a date; write it like 2021-07-01."),
    "date_future": _("The date %(value)s is in the future."),
    "date_too_early": _("The date %(value)s is before 1921-07-01."),
    "date_not_member": _(
        "Only full and probationary party members have a date joined the party; "
        "leave %(column)s empty for “%(status)s”."
    ),
}

FILE_MESSAGES = {
    "empty_upload": _("The uploaded file is empty."),
    "too_big": _("The file is %(size)s; files up to %(max)s can be imported."),
    "wrong_type": _("Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one."),
    "save_as_xlsx": _(
        "“%(name)s” is not an .xlsx workbook. Open it in Excel or WPS and save it as "
        "“Excel workbook (.xlsx)”, then upload that file."
    ),
    "protected_or_xls": _(
        "“%(name)s” is password-protected or an old-style .xls workbook. Remove the password, or save it "
        "as “Excel workbook (.xlsx)”, and upload it again."
    ),
    "unreadable": _(
        "The file could not be read as an Excel workbook. It may be damaged, or not really an .xlsx file."
    ),
    "unpacks_too_big": _("The workbook unpacks to more than %(max)s and cannot be imported."),
    "sheet_empty": _("The sheet is empty."),
    "missing_columns": _(
        "The sheet has no column %(columns)s. Put the column headers in one row above the members; "
        "download the template to see them."
    ),
    "duplicate_column": _("The columns “%(first)s” and “%(second)s” both mean %(column)s; keep only one."),
    "no_rows": _("The sheet has column headers but no members below them."),
    "too_many_rows": _("The sheet has more than %(max)s members; split it into several files."),
}


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one row of the sheet (``row`` is the row number Excel shows)."""

    row: int
    column: str = ""
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def message(self) -> str:
        return str(ROW_MESSAGES[self.code]) % self.params

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowError:
        return cls(
            row=data["row"], column=data.get("column", ""), code=data["code"], params=data.get("params", {})
        )


class CellError(ValueError):
    """Raised by a cell reader; the sheet reader turns it into a ``RowError`` for its row."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class InvalidImportFile(Exception):
    """The file as a whole cannot be imported; nothing was read from it and nothing is written."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return str(FILE_MESSAGES[self.code]) % self.params
