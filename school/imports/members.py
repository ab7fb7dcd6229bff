"""The member sheet: its columns, reading it row by row, and checking rows against the database.

Nothing here writes; ``school.services.member_import`` does, using these readers
at preview time and the checks again at commit time.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from school import permissions
from school.imports import cells
from school.imports.errors import CellError, InvalidImportFile, RowError
from school.imports.workbook import open_workbook, read_upload, sheet_rows
from school.models import Member, OrgUnit

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
EXAMPLE_NAME = "张三"
EXAMPLE_PHONE = "13800138000"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int = 0


COLUMNS = (
    Column("real_name", "姓名", ("姓名", "名字", "真实姓名"), required=True, max_length=50),
    Column("phone", "手机号", ("手机号", "手机", "手机号码", "联系电话", "电话", "移动电话"), required=True),
    Column(
        "org_unit_ref",
        "所属支部",
        ("所属支部", "所在支部", "支部", "党组织", "所属党组织", "所在党组织"),
        required=True,
        max_length=100,
    ),
    Column("political_status", "政治面貌", ("政治面貌",), required=True),
    Column("joined_party_on", "入党时间", ("入党时间", "入党日期")),
    Column("gender", "性别", ("性别",)),
    Column("username", "用户名", ("用户名", "账号", "帐号", "登录账号", "登录名"), max_length=150),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
COLUMN_ORDER = {column.label: index for index, column in enumerate(COLUMNS)}
SILENTLY_IGNORED = {"备注", "序号", "编号"}
_ALIASES = {alias: column for column in COLUMNS for alias in column.aliases}


@dataclass
class MemberRow:
    """One member as read from the sheet; ``org_unit_id`` is filled once the 支部 is resolved."""

    row: int
    real_name: str = ""
    phone: str = ""
    org_unit_ref: str = ""
    political_status: str = ""
    joined_party_on: datetime.date | None = None
    gender: str = ""
    username: str = ""
    org_unit_id: int | None = None
    org_unit_name: str = ""

    @property
    def login(self) -> str:
        return self.username or self.phone

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["joined_party_on"] = self.joined_party_on.isoformat() if self.joined_party_on else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MemberRow:
        joined = data.get("joined_party_on")
        return cls(**{**data, "joined_party_on": datetime.date.fromisoformat(joined) if joined else None})


@dataclass
class MemberSheet:
    rows: list[MemberRow]
    errors: list[RowError]
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class _Header:
    row: int
    positions: dict[str, int]
    ignored: list[str]


# --- Reading the file ---------------------------------------------------------------------


def read_member_sheet(*, file: IO[bytes], name: str, size: int | None) -> MemberSheet:
    """Parse an upload; raises ``InvalidImportFile`` when the file as a whole is unusable."""
    workbook = open_workbook(read_upload(file, name=name, size=size))
    try:
        return _read_workbook(workbook)
    finally:
        workbook.close()


def _read_workbook(workbook: Any) -> MemberSheet:
    """Use the first sheet with a recognisable header row (the template's instructions sheet has none)."""
    problems: list[InvalidImportFile] = []
    for sheet in workbook.worksheets:
        rows = sheet_rows(sheet)
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        try:
            header = _find_header(head)
        except InvalidImportFile as problem:
            if problem.code not in {"sheet_empty", "missing_columns"}:
                raise
            problems.append(problem)
            continue
        return _read_rows(header, itertools.chain(head, rows))
    problems.sort(key=lambda problem: problem.code == "sheet_empty")
    raise problems[0] if problems else InvalidImportFile("sheet_empty")


def header_label(value: Any) -> str:
    """'手机号*', '＊姓名', '入党时间（选填）' and ' 性 别 ' all name their column."""
    label = cells.text(value).replace(" ", "").replace("*", "")
    return re.sub(r"\(.*\)$", "", label)


def _find_header(head: list[tuple[int, tuple[Any, ...]]]) -> _Header:
    filled = [(number, values) for number, values in head if any(cells.text(v) for v in values)]
    if not filled:
        raise InvalidImportFile("sheet_empty")
    candidates = [(number, values, _recognised(values)) for number, values in filled]
    number, values, found = max(candidates, key=lambda c: (len({column.key for _, column in c[2]}), -c[0]))
    missing = [column.label for column in COLUMNS if column.required and column not in {c for _, c in found}]
    if missing:
        raise InvalidImportFile("missing_columns", columns="、".join(missing))
    return _header(number, values, found)


def _recognised(values: tuple[Any, ...]) -> list[tuple[int, Column]]:
    return [(i, _ALIASES[header_label(v)]) for i, v in enumerate(values) if header_label(v) in _ALIASES]


def _header(number: int, values: tuple[Any, ...], found: list[tuple[int, Column]]) -> _Header:
    positions: dict[str, int] = {}
    for index, column in found:
        if column.key in positions:
            first = header_label(values[positions[column.key]])
            raise InvalidImportFile(
                "duplicate_column", first=first, second=header_label(values[index]), column=column.label
            )
        positions[column.key] = index
    used = set(positions.values())
    ignored = [
        header_label(v)
        for i, v in enumerate(values)
        if i not in used and header_label(v) and header_label(v) not in SILENTLY_IGNORED
    ]
    return _Header(row=number, positions=positions, ignored=ignored)


def _read_rows(header: _Header, rows: Iterable[tuple[int, tuple[Any, ...]]]) -> MemberSheet:
    members: list[MemberRow] = []
    errors: list[RowError] = []
    for number, values in rows:
        if number <= header.row:
            continue
        raw = {key: values[i] if i < len(values) else None for key, i in header.positions.items()}
        if not any(cells.text(value) for value in raw.values()):
            continue
        if len(members) >= MAX_ROWS:
            raise InvalidImportFile("too_many_rows", max=MAX_ROWS)
        member, row_errors = read_member_row(number, raw)
        members.append(member)
        errors.extend(row_errors)
    if not members:
        raise InvalidImportFile("no_rows")
    return MemberSheet(rows=members, errors=errors, ignored_columns=header.ignored)


# --- One row --------------------------------------------------------------------------------

_READERS = {
    "real_name": cells.person_name,
    "phone": cells.phone,
    "org_unit_ref": cells.text,
    "political_status": cells.political_status,
    "joined_party_on": cells.date,
    "gender": cells.gender,
    "username": cells.text,
}


def read_member_row(number: int, raw: dict[str, Any]) -> tuple[MemberRow, list[RowError]]:
    """Read every cell of one row, collecting every problem rather than stopping at the first."""
    member = MemberRow(row=number)
    errors = [error for key in _READERS if (error := _read_cell(member, key, raw.get(key))) is not None]
    errors.extend(_row_consistency(member, raw))
    return member, errors


def _read_cell(member: MemberRow, key: str, value: Any) -> RowError | None:
    column = COLUMNS_BY_KEY[key]
    if not cells.text(value):
        if column.required:
            return RowError(member.row, column.label, "required", {"column": column.label})
        return None
    try:
        clean = _READERS[key](value)
    except CellError as error:
        return RowError(member.row, column.label, error.code, error.params)
    if column.max_length and len(clean) > column.max_length:
        return RowError(
            member.row, column.label, "too_long", {"column": column.label, "max": column.max_length}
        )
    setattr(member, key, clean)
    return None


def _row_consistency(member: MemberRow, raw: dict[str, Any]) -> Iterator[RowError]:
    if member.real_name == EXAMPLE_NAME and member.phone == EXAMPLE_PHONE:
        yield RowError(member.row, "", "example_row", {})
    if member.joined_party_on and member.political_status not in (*cells.PARTY_MEMBER_STATUSES, ""):
        status = cells.text(raw.get("political_status"))
        yield RowError(member.row, "入党时间", "date_not_member", {"column": "入党时间", "status": status})
    if member.username:
        yield from _username_problems(member)


def _username_problems(member: MemberRow) -> Iterator[RowError]:
    User = get_user_model()
    try:
        User.username_validator(member.username)
    except ValidationError:
        yield RowError(member.row, "用户名", "username_invalid", {"value": cells.display(member.username)})
        member.username = ""
        return
    if re.fullmatch(r"1\d{10}", member.username) and member.username != member.phone:
        yield RowError(member.row, "用户名", "username_phone_like", {"username": member.username})
    if member.username == member.phone:
        member.username = ""


# --- Checks against the database --------------------------------------------------------------


def _unit_key(value: str) -> str:
    return cells.text(value).replace(" ", "").casefold()


def resolve_org_units(*, acting_user: Any, rows: list[MemberRow]) -> list[RowError]:
    """Match each 所属支部 to one org unit the organizer manages, by code first, then by exact name."""
    by_code: dict[str, list[OrgUnit]] = defaultdict(list)
    by_name: dict[str, list[OrgUnit]] = defaultdict(list)
    for unit in OrgUnit.objects.only("pk", "name", "code", "path", "depth"):
        by_name[_unit_key(unit.name)].append(unit)
        if unit.code:
            by_code[_unit_key(unit.code)].append(unit)
    errors = []
    for row in rows:
        if not row.org_unit_ref:
            continue
        key = _unit_key(row.org_unit_ref)
        matches = by_code.get(key) or by_name.get(key) or []
        error = _unit_problem(acting_user, row, matches)
        if error:
            errors.append(error)
        else:
            row.org_unit_id, row.org_unit_name = matches[0].pk, matches[0].name
    return errors


def _unit_problem(acting_user: Any, row: MemberRow, matches: list[OrgUnit]) -> RowError | None:
    params = {"value": cells.display(row.org_unit_ref)}
    if not matches:
        return RowError(row.row, "所属支部", "org_unit_unknown", params)
    if len(matches) > 1:
        return RowError(row.row, "所属支部", "org_unit_ambiguous", params)
    if not permissions.can_manage_org_unit(acting_user, matches[0]):
        return RowError(row.row, "所属支部", "org_unit_forbidden", params)
    return None


def recheck_org_units(
    *, acting_user: Any, rows: list[MemberRow]
) -> tuple[list[RowError], dict[int, OrgUnit]]:
    """At commit: each resolved unit must still exist and still be the organizer's."""
    units = OrgUnit.objects.in_bulk({row.org_unit_id for row in rows if row.org_unit_id})
    errors = []
    for row in rows:
        unit = units.get(row.org_unit_id)
        params = {"value": row.org_unit_name or row.org_unit_ref}
        if unit is None:
            errors.append(RowError(row.row, "所属支部", "org_unit_gone", params))
        elif not permissions.can_manage_org_unit(acting_user, unit):
            errors.append(RowError(row.row, "所属支部", "org_unit_forbidden", params))
    return errors, units


def check_identities(rows: list[MemberRow]) -> list[RowError]:
    """Phones and account names must be unique within the file and not yet registered."""
    return _duplicates_in_file(rows) + _already_registered(rows)


def _duplicates_in_file(rows: list[MemberRow]) -> list[RowError]:
    errors = []
    by_phone = _group(rows, lambda row: row.phone)
    by_username = _group(rows, lambda row: row.username.lower())
    for row in rows:
        others = [r.row for r in by_phone.get(row.phone, []) if r is not row]
        if others:
            rows_text = "、".join(map(str, others))
            errors.append(
                RowError(row.row, "手机号", "phone_duplicate", {"phone": row.phone, "rows": rows_text})
            )
        others = [r.row for r in by_username.get(row.username.lower(), []) if r is not row]
        if others:
            params = {"username": row.username, "rows": "、".join(map(str, others))}
            errors.append(RowError(row.row, "用户名", "username_duplicate", params))
    return errors


def _group(rows: list[MemberRow], key: Any) -> dict[str, list[MemberRow]]:
    groups: dict[str, list[MemberRow]] = defaultdict(list)
    for row in rows:
        if value := key(row):
            groups[value].append(row)
    return groups


def _already_registered(rows: list[MemberRow]) -> list[RowError]:
    phones = {row.phone for row in rows if row.phone}
    logins = {row.login.lower() for row in rows if row.login}
    taken_phones = set(Member.objects.filter(phone__in=phones).values_list("phone", flat=True))
    taken_logins = set(
        get_user_model()
        .objects.annotate(login=Lower("username"))
        .filter(login__in=logins)
        .values_list("login", flat=True)
    )
    errors = []
    for row in rows:
        if row.phone and (row.phone in taken_phones or row.phone in taken_logins):
            errors.append(RowError(row.row, "手机号", "phone_taken", {"phone": row.phone}))
        if row.username and row.username.lower() in taken_logins:
            errors.append(RowError(row.row, "用户名", "username_taken", {"username": row.username}))
    return errors


def sort_errors(errors: Iterable[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda error: (error.row, COLUMN_ORDER.get(error.column, -1), error.code))
