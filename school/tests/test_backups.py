"""`manage.py backup` and `restore`: a round trip into an empty database of the same vendor (SQLite under
`make test`, PostgreSQL in CI) reproduces every table and media file, and a restore refuses what it cannot
reproduce exactly."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from courses.models import LessonProgress
from courses.services.enrollment import enrollment_create
from courses.tests import factories as course_factories
from exams.models import Attempt, Certificate
from exams.services.attempts import attempt_open_window, attempt_start, attempt_submit
from exams.services.certificates import certificate_issue, certificate_render
from exams.tests import factories as exam_factories
from school.backups import BackupError, backup_read
from school.models import Member

ROOT = Path(__file__).resolve().parents[2]

round_trip = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def school_data(org_tree, member_a1, member_a2) -> dict[str, int]:
    """Members, a course with progress, a submitted attempt and a certificate with its PDF."""
    course = course_factories.course("备份课程")
    lesson = course_factories.lesson(course, "第一讲")
    for member in (member_a1, member_a2):
        enrollment_create(member=member, course=course)
    LessonProgress.objects.create(
        member=member_a1,
        lesson=lesson,
        watched=[[0, 300]],
        watched_seconds=300,
        duration=300,
        completed_at=datetime.datetime(2026, 5, 4, 8, 30, tzinfo=datetime.UTC),
    )
    category = exam_factories.category()
    question = exam_factories.true_false(category)
    exam = exam_factories.exam(org_tree.branch_a1, questions=[question], title="备份考试", is_graduation=True)
    attempt = attempt_start(exam=exam, member=member_a1)
    attempt_submit(attempt=attempt, writer=attempt_open_window(attempt=attempt))
    certificate_render(certificate=certificate_issue(member=member_a2, exam=exam))
    default_storage.save("backups-test/证明.txt", ContentFile("原件".encode()))
    return {
        "members": Member.objects.count(),
        "progress": LessonProgress.objects.count(),
        "attempts": Attempt.objects.count(),
        "certificates": Certificate.objects.count(),
    }


def restore_target(tmp_path: Path) -> tuple[str, callable]:
    """An empty database of the suite's vendor: its DATABASE_URL and a function that drops it."""
    config = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        return f"sqlite:///{path}", lambda: None
    import psycopg

    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    url = f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
    return url, drop


def manage(url: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var_dir)}
    environment.pop("MEDIA_ROOT", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def rows(url: str, table: str) -> int:
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        finally:
            db.close()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """The backup copies the whole storage: only this test's files."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def target(tmp_path):
    url, drop = restore_target(tmp_path)
    yield url
    drop()


@round_trip
def test_a_backup_restored_into_an_empty_database_reproduces_every_table_and_file(
    org_tree, member_a1, member_a2, tmp_path, target
):
    expected = school_data(org_tree, member_a1, member_a2)
    backup = tmp_path / "backup"
    call_command("backup", str(backup), stdout=StringIO())
    manifest = backup_read(backup)
    assert manifest["tables"][Member._meta.db_table]["rows"] == expected["members"]
    assert "backups-test/证明.txt" in manifest["media"]["files"]
    pdfs = [name for name in manifest["media"]["files"] if name.endswith(".pdf")]
    assert pdfs, "the certificate's PDF is backed up"

    var_dir = tmp_path / "restored-var"
    result = manage(target, var_dir, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "every table matches" in result.stdout
    assert rows(target, Member._meta.db_table) == expected["members"]
    assert rows(target, LessonProgress._meta.db_table) == expected["progress"]
    assert rows(target, Attempt._meta.db_table) == expected["attempts"]
    assert rows(target, Certificate._meta.db_table) == expected["certificates"] == 1
    restored = var_dir / "media" / "backups-test" / "证明.txt"
    assert restored.read_text(encoding="utf-8") == "原件"
    pdf = (var_dir / "media" / pdfs[0]).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == manifest["media"]["files"][pdfs[0]]["sha256"]
    assert "records written" in result.stdout  # the search index was rebuilt

    again = manage(target, var_dir, "restore", str(backup), "--no-search")
    assert again.returncode != 0
    assert "empty database" in again.stderr or "空" in again.stderr
    assert rows(target, Member._meta.db_table) == expected["members"]


@round_trip
def test_a_restore_that_differs_from_the_manifest_fails_and_names_the_table(
    org_tree, member_a1, member_a2, tmp_path, target
):
    school_data(org_tree, member_a1, member_a2)
    backup = tmp_path / "backup"
    call_command("backup", str(backup), "--no-media", stdout=StringIO())
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    table = Member._meta.db_table
    manifest["tables"][table]["fingerprint"] = "0" * 16  # as if a row had been lost or changed
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = manage(target, tmp_path / "restored-var", "restore", str(backup), "--no-search")
    assert result.returncode != 0
    assert table in result.stderr
    assert "differs from the backup in 1 tables" in result.stderr


@round_trip
def test_a_damaged_media_file_in_the_backup_fails_the_restore(
    org_tree, member_a1, member_a2, tmp_path, target
):
    school_data(org_tree, member_a1, member_a2)
    backup = tmp_path / "backup"
    call_command("backup", str(backup), stdout=StringIO())
    (backup / "media" / "backups-test" / "证明.txt").write_text("篡改", encoding="utf-8")
    result = manage(target, tmp_path / "restored-var", "restore", str(backup), "--no-search")
    assert result.returncode != 0
    assert "backups-test/证明.txt" in result.stderr


@pytest.mark.django_db
def test_a_backup_never_writes_into_an_existing_folder(tmp_path):
    existing = tmp_path / "backup"
    existing.mkdir()
    (existing / "keep.txt").write_text("x")
    with pytest.raises(CommandError):
        call_command("backup", str(existing), stdout=StringIO())
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    assert not (tmp_path / "backup.partial").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "manifest.json"), ("{not json", "damaged"), ('{"format": 99, "vendor": "sqlite"}', "version")],
)
def test_a_folder_that_is_not_a_readable_backup_is_refused_with_the_reason(tmp_path, content, problem):
    folder = tmp_path / "not-a-backup"
    folder.mkdir()
    if content is not None:
        (folder / "manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(BackupError) as caught:
        with_english(lambda: backup_read(folder))
    assert problem in str(caught.value)


def with_english(function):
    from django.utils import translation

    with translation.override("en"):
        return function()
