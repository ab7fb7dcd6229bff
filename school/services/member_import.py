"""Importing members from an uploaded sheet: preview, then commit or cancel.

The preview parses and checks the sheet and stores the result in a
``MemberImport`` row (no file is kept), so the commit can run on any web process.
The commit checks every row again against the database and then writes all
members in one transaction, or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school.imports.errors import RowError
from school.imports.initial_passwords import initial_password_generate, initial_password_hash
from school.imports.member_sheets import InitialCredential
from school.imports.members import (
    MemberRow,
    check_identities,
    read_member_sheet,
    recheck_org_units,
    resolve_org_units,
    sort_errors,
)
from school.imports.permissions import can_act_on_import, can_import_members
from school.models import MemberImport, OrgUnit
from school.services.audit import audit_record
from school.services.members import member_create

User = get_user_model()
Status = MemberImport.Status


class ImportNotCommittable(Exception):
    """The import is in a state where the requested step makes no sense."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportConflict(Exception):
    """Someone registered the same phone or account name while this import was being written."""

    def __init__(self) -> None:
        self.message = _(
            "Members were added elsewhere while this import ran, so nothing was saved. Try again."
        )
        super().__init__(self.message)


@dataclass(frozen=True)
class ImportCommitResult:
    created: int
    credentials: tuple[InitialCredential, ...] = ()


def member_import_preview(*, acting_user: Any, file: UploadedFile) -> MemberImport:
    """Read and check a sheet; raises ``InvalidImportFile`` for a file that cannot be used at all."""
    if not can_import_members(acting_user):
        raise PermissionDenied(_("You may not import members."))
    sheet = read_member_sheet(file=file, name=file.name or "", size=file.size)
    errors = sheet.errors + resolve_org_units(acting_user=acting_user, rows=sheet.rows)
    errors += check_identities(sheet.rows)
    bad_rows = {error.row for error in errors}
    with transaction.atomic(durable=True):
        return MemberImport.objects.create(
            created_by=acting_user,
            original_filename=(file.name or "")[-255:],
            row_count=len(sheet.rows),
            rows=[row.to_json() for row in sheet.rows if row.row not in bad_rows],
            errors=[error.to_json() for error in sort_errors(errors)],
            ignored_columns=sheet.ignored_columns,
        )


def member_import_commit(*, acting_user: Any, member_import: MemberImport) -> ImportCommitResult:
    """Create every member of a clean preview, or none; a second commit does nothing.

    When a row has become invalid since the preview (say its phone was registered
    meanwhile) the import is marked failed with the new errors and nothing else is written.
    """
    _ensure_can_act(acting_user, member_import)
    if member_import.status == Status.COMMITTED:
        return ImportCommitResult(created=0)
    _ensure_committable(member_import)
    rows = [MemberRow.from_json(data) for data in member_import.rows]
    passwords = [initial_password_generate() for _row in rows]
    hashes = [initial_password_hash(password) for password in passwords]  # slow part, outside the transaction
    try:
        return _commit(acting_user, member_import.pk, rows, passwords, hashes)
    except IntegrityError as exc:
        raise ImportConflict() from exc
    finally:
        member_import.refresh_from_db()


def _commit(
    acting_user: Any, pk: int, rows: list[MemberRow], passwords: list[str], hashes: list[str]
) -> ImportCommitResult:
    with transaction.atomic(durable=True):
        locked = MemberImport.objects.select_for_update().get(pk=pk)
        if locked.status == Status.COMMITTED:
            return ImportCommitResult(created=0)
        _ensure_committable(locked)
        unit_errors, units = recheck_org_units(acting_user=acting_user, rows=rows)
        errors = unit_errors + check_identities(rows)
        if errors:
            _mark_failed(acting_user, locked, errors)
            return ImportCommitResult(created=0)
        credentials = _create_members(acting_user, rows, units, passwords, hashes)
        locked.status = Status.COMMITTED
        locked.created_count = len(credentials)
        locked.committed_at = timezone.now()
        locked.save(update_fields=["status", "created_count", "committed_at"])
        audit_record(
            actor=acting_user,
            action="member_import.committed",
            target=locked,
            created=len(credentials),
            org_units=sorted(units),
        )
        return ImportCommitResult(created=len(credentials), credentials=tuple(credentials))


def _create_members(
    acting_user: Any,
    rows: list[MemberRow],
    units: dict[int, OrgUnit],
    passwords: list[str],
    hashes: list[str],
) -> list[InitialCredential]:
    users = []
    credentials = []
    for row, password, password_hash in zip(rows, passwords, hashes, strict=True):
        member = member_create(
            acting_user=acting_user,
            real_name=row.real_name,
            org_unit=units[row.org_unit_id],
            password=None,  # an unusable placeholder costs nothing; the prepared hash replaces it below
            username=row.username,
            phone=row.phone,
            gender=row.gender,
            political_status=row.political_status,
            joined_party_on=row.joined_party_on,
            must_change_password=True,
            audit=False,
        )
        member.user.password = password_hash
        users.append(member.user)
        credentials.append(
            InitialCredential(row.real_name, row.phone, row.login, row.org_unit_name, password)
        )
    User.objects.bulk_update(users, ["password"], batch_size=500)
    return credentials


def _mark_failed(acting_user: Any, member_import: MemberImport, errors: list[RowError]) -> None:
    member_import.status = Status.FAILED
    member_import.errors = [error.to_json() for error in sort_errors(errors)]
    member_import.rows = []
    member_import.save(update_fields=["status", "errors", "rows"])
    audit_record(actor=acting_user, action="member_import.failed", target=member_import, errors=len(errors))


def member_import_cancel(*, acting_user: Any, member_import: MemberImport) -> MemberImport:
    """Drop a preview; the parsed rows (names and phones) are not kept. Cancelling twice is harmless."""
    _ensure_can_act(acting_user, member_import)
    with transaction.atomic(durable=True):
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != Status.CANCELLED:
            if locked.status != Status.PREVIEWED:
                raise ImportNotCommittable(_closed_message(locked))
            locked.status = Status.CANCELLED
            locked.rows = []
            locked.save(update_fields=["status", "rows"])
            audit_record(actor=acting_user, action="member_import.cancelled", target=locked)
    member_import.refresh_from_db()
    return member_import


def _ensure_can_act(acting_user: Any, member_import: MemberImport) -> None:
    if not can_act_on_import(acting_user, member_import):
        raise PermissionDenied(_("Only the organizer who uploaded this sheet can import or cancel it."))


def _ensure_committable(member_import: MemberImport) -> None:
    if member_import.status != Status.PREVIEWED:
        raise ImportNotCommittable(_closed_message(member_import))
    if member_import.errors or not member_import.rows:
        raise ImportNotCommittable(_("The sheet has errors. Correct them and upload the file again."))


def _closed_message(member_import: MemberImport) -> str:
    return {
        Status.COMMITTED: _("This sheet has already been imported."),
        Status.CANCELLED: _("This import was cancelled. Upload the file again to import it."),
        Status.FAILED: _("This import failed. Correct the errors and upload the file again."),
    }.get(member_import.status, _("This import cannot be changed any more."))
