"""Work folders of transcodes: a killed worker's folder is swept, a live run's folder is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from media_pipeline.workspace import sweep_abandoned_workspaces, transcode_workspace

ROOT = Path(__file__).resolve().parents[2]
HOLD_A_WORKSPACE = """
import sys, django
django.setup()
from media_pipeline.workspace import transcode_workspace
with transcode_workspace(41) as folder:
    (folder / "source").write_bytes(b"x" * 1024)
    print(folder, flush=True)
    sys.stdin.read()  # until killed
"""


@pytest.fixture
def work_dir(settings, tmp_path) -> Path:
    settings.MEDIA_WORK_DIR = str(tmp_path / "work")
    return tmp_path / "work"


def killed_run(work_dir: Path) -> Path:
    """The folder of a process that held a workspace and was killed with SIGKILL."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings", "MEDIA_WORK_DIR": str(work_dir)}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_WORKSPACE],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    folder = Path(process.stdout.readline().strip())
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return folder


def test_the_folder_of_a_killed_run_is_swept(work_dir):
    folder = killed_run(work_dir)
    assert folder.parent == work_dir and (folder / "source").exists()
    assert sweep_abandoned_workspaces() == [folder.name]
    assert not folder.exists()


def test_the_folder_of_a_live_run_is_kept(work_dir):
    with transcode_workspace(42) as folder:
        assert sweep_abandoned_workspaces() == []
        assert folder.is_dir()
    assert not folder.exists()


def test_other_folders_in_the_work_directory_are_left_alone(work_dir):
    (work_dir / "something-else").mkdir(parents=True)
    assert sweep_abandoned_workspaces() == []
    assert (work_dir / "something-else").is_dir()


def test_a_missing_work_directory_sweeps_nothing(work_dir):
    assert sweep_abandoned_workspaces() == []
