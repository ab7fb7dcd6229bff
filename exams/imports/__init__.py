"""Question-bank imports: one entry point that picks the parser from the file name.

Every parser is a pure function from the file's content to an ``ImportResult``; nothing
here touches the database, so the import service can parse for the preview and again on
confirmation and get the same answer.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext as _

from exams.imports import text
from exams.imports.aiken import looks_like_aiken, parse_aiken
from exams.imports.excel import parse_excel
from exams.imports.gift import parse_gift
from exams.imports.moodle_xml import parse_moodle_xml
from exams.imports.types import ImportResult, InvalidQuestionFile

SPREADSHEET_SUFFIXES = {".xlsx", ".xls", ".et", ".csv", ".ods", ".numbers", ".xlsb", ".wps"}
TEXT_SUFFIXES = {".gift", ".txt", ".aiken"}

__all__ = ["parse_upload", "parse_aiken", "parse_excel", "parse_gift", "parse_moodle_xml"]


def parse_upload(*, name: str, data: bytes) -> ImportResult:
    """Excel (.xlsx), Moodle XML (.xml), GIFT (.gift, .txt) or Aiken (.aiken, or text that reads as Aiken)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return parse_excel(data, name=name)  # other spreadsheet types get the "save as .xlsx" message there
    if suffix not in TEXT_SUFFIXES | {".xml"}:
        raise InvalidQuestionFile(
            _(
                "“%(name)s” cannot be imported: upload an Excel workbook (.xlsx), a Moodle XML file "
                "(.xml) or a GIFT or Aiken text file (.gift, .txt)."
            )
            % {"name": name}
        )
    text.check_size(data)
    if suffix == ".xml":
        return parse_moodle_xml(data)
    content = text.decode(data)
    if suffix == ".aiken" or looks_like_aiken(content):
        return parse_aiken(content)
    return parse_gift(content)
