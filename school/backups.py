"""Backups of the database and the media storage, and their restore, with a fingerprint of every table.

A backup is a folder:

- ``manifest.json``: format, when, the database vendor, the applied migrations, and per table its row
  count and fingerprint; per media file its size and SHA-256;
- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite's online
  backup), a consistent snapshot: the fingerprints are taken from that same snapshot;
- ``media/``: the storage's files, unless the backup was made with ``media=False`` (a bucket backed up by
  its own versioning or mirroring); the manifest lists them either way.

A restore goes into an empty database only (it never overwrites data), brings back the media files, checks
every table against the manifest (row counts and fingerprints: a restore that differs exits with an error),
then applies newer migrations and rebuilds the search index, which is never backed up.

The fingerprint of a table is the sum modulo 2**64 of a 64-bit hash of each row as the driver returns it:
independent of row order, so no sort is needed, and equal only when the same rows came back.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FETCH = 2000
HASH_CHUNK = 1 << 20

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Difference:
    table: str
    expected: dict | None
    found: dict | None


# fingerprints ------------------------------------------------------------------------------------


def _rows_fingerprint(rows: Iterable[tuple]) -> dict[str, Any]:
    count, total = 0, 0
    for row in rows:
        digest = hashlib.blake2b(repr(row).encode(), digest_size=8).digest()
        total = (total + int.from_bytes(digest, "big")) % 2**64
        count += 1
    return {"rows": count, "fingerprint": f"{total:016x}"}


def _postgres_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in cursor.fetchall()]


def postgres_fingerprints(raw) -> dict[str, dict]:
    """Fingerprints of every table of the public schema, read in ``raw``'s (psycopg) transaction."""
    with raw.cursor() as cursor:
        tables = _postgres_tables(cursor)
    found = {}
    for table in tables:
        with raw.cursor(name=f"fingerprint_{len(found)}") as cursor:
            cursor.itersize = FETCH
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            found[table] = _rows_fingerprint(cursor)
    return found


def sqlite_fingerprints(path: Path) -> dict[str, dict]:
    """Fingerprints of every table of the SQLite file at ``path`` (plain values, no Django converters)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        tables = [name for (name,) in db.execute(sql)]
        return {table: _rows_fingerprint(db.execute(f'SELECT * FROM "{table}"')) for table in tables}
    finally:
        db.close()


def _vendor() -> str:
    vendor = connections["default"].vendor
    if vendor not in DUMPS:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor})
    return vendor


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections["default"]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


# media -------------------------------------------------------------------------------------------


def storage_files(storage=default_storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage`` (filesystem or S3), folders walked depth first."""
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from storage_files(storage, f"{folder}/{name}" if folder else name)


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _media_backup(target: Path | None, progress: Progress) -> dict[str, dict]:
    """Copy every file into ``target`` with its SHA-256; with no target only list names and sizes
    (reading a whole bucket to hash it is what ``--no-media`` avoids)."""
    listed = {}
    for number, name in enumerate(storage_files(), start=1):
        if target is None:
            listed[name] = {"size": default_storage.size(name)}
            continue
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy, HASH_CHUNK)
        with path.open("rb") as copy:
            listed[name] = {"size": path.stat().st_size, "sha256": _sha256(copy)}
        if number % 100 == 0:
            progress(_("%(count)d media files…") % {"count": number})
    return listed


def _media_restore(source: Path, listed: dict[str, dict], progress: Progress) -> list[str]:
    """Put the backed-up files back; returns the names whose content differs from the manifest."""
    damaged = []
    for number, (name, expected) in enumerate(sorted(listed.items()), start=1):
        path = source / name
        if not path.is_file():
            damaged.append(name)
            continue
        with path.open("rb") as handle:
            if _sha256(handle) != expected["sha256"]:
                damaged.append(name)
                continue
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(
                _("The storage renamed %(name)s to %(saved)s.") % {"name": name, "saved": saved}
            )
        if number % 100 == 0:
            progress(_("%(count)d media files…") % {"count": number})
    return damaged


# backup ------------------------------------------------------------------------------------------


def backup_create(*, directory: Path, media: bool = True, progress: Progress = lambda line: None) -> dict:
    """Write a backup into ``directory`` (which must not exist yet); returns its manifest."""
    vendor = _vendor()
    directory = Path(directory)
    if directory.exists():
        raise BackupError(
            _("%(path)s already exists: choose a new folder for the backup.") % {"path": directory}
        )
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        progress(_("Copying the database…"))
        if vendor == "postgresql":
            tables = _postgres_dump(partial / DUMPS[vendor])
        else:
            tables = _sqlite_copy(partial / DUMPS[vendor])
        progress(_("%(count)d tables, %(rows)d rows.") % {"count": len(tables), "rows": _rows(tables)})
        progress(_("Copying the media files…") if media else _("Listing the media files…"))
        files = _media_backup(partial / MEDIA if media else None, progress)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "vendor": vendor,
            "migrations": _migrations(),
            "tables": tables,
            "media": {"included": media, "files": files},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    progress(_("%(count)d media files.") % {"count": len(files)})
    return manifest


def _rows(tables: dict[str, dict]) -> int:
    return sum(table["rows"] for table in tables.values())


def _pg_environment() -> dict[str, str]:
    config = settings.DATABASES["default"]
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if config.get(key):
            environment[variable] = str(config[key])
    return environment


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(
            _("%(program)s is not installed (Debian: apt-get install postgresql-client).")
            % {"program": command[0]}
        ) from error
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": command[0], "error": result.stderr.strip()[-2000:]}
        )


def _postgres_read(read: Callable[[Any], Any]) -> Any:
    """``read(raw)`` in a read-only repeatable-read transaction of a connection of its own."""
    connection = connections.create_connection("default")
    try:
        connection.ensure_connection()
        raw = connection.connection
        raw.autocommit = False
        raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            return read(raw)
        finally:
            raw.rollback()
            raw.autocommit = True  # as Django expects it back (it may return to a pool)
    finally:
        connection.close()


def _postgres_dump(path: Path) -> dict[str, dict]:
    """pg_dump of the snapshot that the fingerprints are read from."""

    def dump(raw) -> dict[str, dict]:
        (snapshot,) = raw.execute("SELECT pg_export_snapshot()").fetchone()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={path}",
            ]
        )
        return postgres_fingerprints(raw)

    return _postgres_read(dump)


def _sqlite_copy(path: Path) -> dict[str, dict]:
    """SQLite's online backup (consistent while others write), then the copy's fingerprints."""
    connection = connections["default"]
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return sqlite_fingerprints(path)


# restore -----------------------------------------------------------------------------------------


def backup_read(directory: Path) -> dict:
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(
            _("%(path)s is not a backup: it has no manifest.json.") % {"path": directory}
        ) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(_("The backup's manifest.json is damaged: %(error)s") % {"error": error}) from error
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("vendor") not in DUMPS
    ):
        raise BackupError(_("The backup's manifest.json is not one this version can read."))
    if not (directory / DUMPS[manifest["vendor"]]).is_file():
        raise BackupError(
            _("The backup has no database file (%(name)s).") % {"name": DUMPS[manifest["vendor"]]}
        )
    return manifest


def backup_restore(*, directory: Path, progress: Progress = lambda line: None) -> list[Difference]:
    """Restore ``directory`` into the empty database and the storage; returns the tables that differ
    from the manifest (none when the restore is exact). Migrations and the search index are the
    caller's next steps (see the ``restore`` command)."""
    directory = Path(directory)
    manifest = backup_read(directory)
    vendor = _vendor()
    if manifest["vendor"] != vendor:
        raise BackupError(
            _("The backup is of a %(backup)s database; this site uses %(current)s.")
            % {"backup": manifest["vendor"], "current": vendor}
        )
    _require_empty()
    files = manifest["media"]["files"]
    if manifest["media"]["included"] and not (directory / MEDIA).is_dir() and files:
        raise BackupError(_("The backup's media folder is missing."))
    progress(_("Restoring the database…"))
    if vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={settings.DATABASES['default']['NAME']}",
                str(directory / DUMPS[vendor]),
            ]
        )
        found = _postgres_read(postgres_fingerprints)
    else:
        found = _sqlite_restore(directory / DUMPS[vendor])
    differences = [
        Difference(table, manifest["tables"].get(table), found.get(table))
        for table in sorted(set(manifest["tables"]) | set(found))
        if manifest["tables"].get(table) != found.get(table)
    ]
    if manifest["media"]["included"]:
        progress(_("Restoring the media files…"))
        damaged = _media_restore(directory / MEDIA, files, progress)
        if damaged:
            raise BackupError(
                _("%(count)d media files of the backup are missing or damaged, for example %(name)s.")
                % {"count": len(damaged), "name": damaged[0]}
            )
    return differences


def _require_empty() -> None:
    tables = connections["default"].introspection.table_names()
    if tables:
        raise BackupError(
            _("The database already has %(count)d tables: a backup is restored into an empty database only.")
            % {"count": len(tables)}
        )


def _sqlite_restore(source: Path) -> dict[str, dict]:
    connection = connections["default"]
    connection.close()
    target_path = Path(settings.DATABASES["default"]["NAME"])
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        backup.backup(target)
    finally:
        target.close()
        backup.close()
    return sqlite_fingerprints(target_path)
