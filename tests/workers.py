"""Real Celery worker processes for tests: started against the test database, stopped or killed.

The worker sees what the test committed, so tests that use it are transactional. It consumes the
same broker as the test process (the filesystem transport under the test's VAR_DIR, or Redis in CI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database this test runs against, for the worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(media_root: Path, *, queue: str = "media", **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media_root),
        "MEDIA_WORK_DIR": str(media_root.parent / "work"),
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", queue, "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    # A session of its own, so that killing the group kills ffmpeg with the worker.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.PIPE)


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def output_of(worker: subprocess.Popen) -> str:
    """The tail of what a stopped worker wrote to stderr."""
    stop(worker)
    return worker.stderr.read().decode(errors="replace")[-3000:]


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str, worker: subprocess.Popen) -> None:
    """Poll the database until ``condition`` holds; fail with the worker's output otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"worker exited while waiting for {what}: {output_of(worker)}")
        time.sleep(0.2)  # polling interval, not synchronisation: the condition decides
    pytest.fail(f"timed out waiting for {what}: {output_of(worker)}")
