"""run_ffmpeg with real ffmpeg, and with small shell scripts standing in for it where exact output matters."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from django.utils import translation

from media_pipeline import runner
from media_pipeline.exceptions import TranscodeFailed
from media_pipeline.runner import run_ffmpeg
from media_pipeline.tests import clips

QUIET = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-progress", "pipe:1"]


def encode_generated(*, seconds: int, size: str) -> list[str]:
    return [
        *QUIET,
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=30:duration={seconds}",
        "-c:v",
        "libx264",
    ]


# Ten minutes of 720p: far more than any test lets it run.
ENDLESS = [*encode_generated(seconds=600, size="1280x720"), "-f", "null", "-"]


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def started(monkeypatch) -> list[subprocess.Popen]:
    """Every process run_ffmpeg starts, to look at after it returns."""
    processes: list[subprocess.Popen] = []

    class RecordedPopen(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            processes.append(self)

    monkeypatch.setattr(runner.subprocess, "Popen", RecordedPopen)
    return processes


def shell(script: str) -> list[str]:
    return ["sh", "-c", script]


def test_progress_rises_to_100_as_ffmpeg_works():
    seen: list[int] = []
    command = [*encode_generated(seconds=3, size="640x360"), "-stats_period", "0.1", "-f", "null", "-"]
    run_ffmpeg(command, duration=3.0, on_progress=seen.append, timeout=60)
    assert seen == sorted(set(seen))
    assert seen[-1] == 100


def test_progress_is_reported_only_when_the_percent_changes():
    blocks = "".join(f"out_time_us={us}\nprogress=continue\n" for us in (1000000, 1000000, 1010000, 2000000))
    seen: list[int] = []
    run_ffmpeg(shell(f"printf '{blocks}progress=end\\n'"), duration=4.0, on_progress=seen.append, timeout=10)
    assert seen == [25, 50, 100]


def test_an_undecodable_file_fails_with_the_end_of_ffmpegs_log(tmp_path):
    command = [*QUIET, "-i", str(clips.undecodable(tmp_path)), "-f", "null", "-"]
    with pytest.raises(TranscodeFailed) as failure:
        run_ffmpeg(command, duration=3.0, on_progress=lambda percent: None, timeout=30)
    assert failure.value.message.startswith("The video could not be decoded.")
    assert "moov atom not found" in failure.value.detail
    assert not failure.value.temporary


def test_a_run_past_its_timeout_is_killed_and_reaped(started):
    with pytest.raises(TranscodeFailed, match="took too long") as failure:
        run_ffmpeg(ENDLESS, duration=600.0, on_progress=lambda percent: None, timeout=0.5)
    assert started[0].returncode == -signal.SIGKILL
    assert failure.value.detail.startswith("ffmpeg ran longer than 0.5s")


def test_ffmpeg_is_killed_when_the_progress_callback_fails(started):
    def database_gone(percent: int) -> None:
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError):
        run_ffmpeg(ENDLESS, duration=600.0, on_progress=database_gone, timeout=60)
    assert started[0].returncode == -signal.SIGKILL


def test_only_the_last_50_lines_of_the_log_are_kept():
    script = 'for i in $(seq 1 200); do echo "line $i" >&2; done; exit 1'
    with pytest.raises(TranscodeFailed) as failure:
        run_ffmpeg(shell(script), duration=1.0, on_progress=lambda percent: None, timeout=10)
    assert failure.value.detail.splitlines() == [f"line {i}" for i in range(151, 201)]


def test_ffmpeg_runs_at_a_lower_priority():
    with pytest.raises(TranscodeFailed) as failure:
        run_ffmpeg(
            shell("nice >&2; exit 1"), duration=1.0, on_progress=lambda percent: None, timeout=10, nice=7
        )
    assert failure.value.detail == str(min(19, os.getpriority(os.PRIO_PROCESS, 0) + 7))


def test_a_process_killed_from_outside_is_a_temporary_failure():
    with pytest.raises(TranscodeFailed, match="interrupted") as failure:
        run_ffmpeg(shell("kill -KILL $$"), duration=1.0, on_progress=lambda percent: None, timeout=10)
    assert failure.value.temporary
    assert "SIGKILL" in failure.value.detail
