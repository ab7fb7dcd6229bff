"""A real worker process consumes tasks from the configured broker (filesystem, or Redis in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings", "VAR_DIR": str(settings.VAR_DIR)}
    # Transactional tests before this one queue real work on commit (a login's points, a demo
    # upload's transcode). Behind a solo worker that backlog would delay the ping past its timeout.
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "school", "purge", "-f", "-Q", "default,media"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "school",
            "worker",
            "-Q",
            "default,media",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("queue", ["default", "media"])
def test_worker_process_answers_ping_on_each_queue(worker, queue):
    result = subprocess.run(
        [sys.executable, "manage.py", "worker_ping", "--queue", queue, "--timeout", "60"],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(settings.VAR_DIR)},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else "worker died"
    assert result.returncode == 0, result.stderr
    assert "pong" in result.stdout


def test_ping_without_worker_fails_with_a_clear_message(tmp_path):
    """No worker on a fresh filesystem broker: the command says so instead of hanging."""
    env = {**os.environ, "VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "filesystem://"}
    result = subprocess.run(
        [sys.executable, "manage.py", "worker_ping", "--timeout", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no worker answered" in result.stderr
