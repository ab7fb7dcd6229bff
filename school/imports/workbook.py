"""Open an uploaded .xlsx defensively, and write the small workbooks we hand out.

Uploads are untrusted: the size is checked before anything is read, the zip
directory is checked before openpyxl inflates anything (declared sizes are
enforced by ``zipfile`` while reading), and every parser failure becomes an
``InvalidImportFile`` instead of a server error. openpyxl reads XML through
defusedxml when it is installed, which it is here.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as WorkbookType

from school.imports.errors import InvalidImportFile

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OTHER_SPREADSHEET_SUFFIXES = {".xls", ".et", ".csv", ".ods", ".numbers", ".xlsb", ".wps", ".txt"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx files and .xls are OLE containers
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_COLUMNS = 60


def max_upload_bytes(limit: int | None = None) -> int:
    return settings.MEMBER_IMPORT_MAX_BYTES if limit is None else limit


def read_upload(file: IO[bytes], *, name: str, size: int | None, limit: int | None = None) -> bytes:
    """Return the bytes of an upload that may be an .xlsx, or raise ``InvalidImportFile``."""
    limit = max_upload_bytes(limit)
    if size is not None and size > limit:
        raise InvalidImportFile("too_big", size=filesizeformat(size), max=filesizeformat(limit))
    data = file.read(limit + 1)
    if len(data) > limit:
        raise InvalidImportFile("too_big", size=filesizeformat(size or len(data)), max=filesizeformat(limit))
    if not data:
        raise InvalidImportFile("empty_upload")
    suffix = PurePath(name).suffix.lower()
    if suffix in OTHER_SPREADSHEET_SUFFIXES:
        raise InvalidImportFile("save_as_xlsx", name=name)
    if suffix == ".xlsx" and data.startswith(OLE_SIGNATURE):
        raise InvalidImportFile("protected_or_xls", name=name)
    if suffix != ".xlsx" or not data.startswith(b"PK\x03\x04"):
        raise InvalidImportFile("wrong_type", name=name)
    _check_zip_directory(data)
    return data


def _check_zip_directory(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidImportFile("unreadable") from exc
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise InvalidImportFile("unreadable")
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise InvalidImportFile("unpacks_too_big", max=filesizeformat(MAX_UNPACKED_BYTES))


def open_workbook(data: bytes) -> WorkbookType:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (KeyError, TypeError, XML errors)
        logger.info("unreadable workbook upload: %r", exc)
        raise InvalidImportFile("unreadable") from exc


def sheet_rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield (Excel row number, cell values); parser errors surface as ``InvalidImportFile``."""
    try:
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
    except InvalidImportFile:
        raise
    except Exception as exc:  # the sheet XML is parsed lazily, so damage shows up here too
        logger.info("unreadable worksheet in upload: %r", exc)
        raise InvalidImportFile("unreadable") from exc


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FDE9E7")
MUTED_FONT = Font(italic=True, color="808080")


def write_table(
    sheet: Any, headers: Iterable[str], rows: Iterable[Iterable[Any]], widths: Iterable[int]
) -> None:
    """A header row in bold, the rows below, column widths set and the header frozen."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append(list(row))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
