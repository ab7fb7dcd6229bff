"""A real worker killed in the middle of a transcode: the video is re-queued and ends ready."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from wagtail.models import Collection

from media_pipeline.models import Video
from media_pipeline.probe import probe_video
from media_pipeline.tasks import video_transcode_task

ROOT = Path(__file__).resolve().parent.parent

# Committed data, so that the worker process sees it; the test needs no migrated content but
# the root collection, which it creates if an earlier transactional test flushed it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_database_url() -> str:
    """The URL of the database this test runs against, for the worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def start_worker(media_root: Path, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": test_database_url(),
        "MEDIA_ROOT": str(media_root),
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", "media", "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    # A session of its own, so that killing the group kills ffmpeg with the worker.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.PIPE)


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str, worker: subprocess.Popen) -> None:
    """Poll the database until ``condition`` holds; fail with the worker's output otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"worker exited while waiting for {what}: {worker.stderr.read().decode()[-3000:]}")
        time.sleep(0.2)  # polling interval, not synchronisation: the condition decides
    stop(worker)
    pytest.fail(f"timed out waiting for {what}: {worker.stderr.read().decode()[-3000:]}")


@pytest.fixture
def media_root(settings, tmp_path) -> Iterator[Path]:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    yield root


@pytest.fixture
def long_video(tmp_path, media_root) -> Video:
    """Long enough (720p, 3 rungs, 40 s) that a transcode is still running when the worker dies."""
    clip = tmp_path / "long.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=40"]
        + ["-f", "lavfi", "-i", "sine=duration=40", "-c:v", "libx264", "-preset", "ultrafast"]
        + ["-pix_fmt", "yuv420p", "-c:a", "aac", "-y", str(clip)],
        check=True,
    )
    probe = probe_video(clip)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    with clip.open("rb") as handle:
        name = default_storage.save("videos/source/long", File(handle, name="long.mp4"))
    return Video.objects.create(
        title="长视频", source=name, duration=probe.duration, width=probe.width, height=probe.height
    )


def status_of(video: Video) -> tuple[str, int]:
    return Video.objects.values_list("status", "percent_done").get(pk=video.pk)


def test_a_worker_killed_mid_transcode_leaves_the_video_requeued_and_later_ready(long_video, media_root):
    first = start_worker(media_root)
    try:
        video_transcode_task.delay(video_id=long_video.pk)
        wait_for(
            lambda: status_of(long_video)[0] == Video.Status.PROCESSING and status_of(long_video)[1] >= 1,
            seconds=120,
            what="the transcode to start",
            worker=first,
        )
    finally:
        stop(first, signal.SIGKILL)
    assert status_of(long_video)[0] == Video.Status.PROCESSING  # abandoned, not finished

    second = start_worker(media_root, TRANSCODE_STALE_SECONDS="0")
    try:
        wait_for(
            lambda: status_of(long_video)[0] in (Video.Status.READY, Video.Status.FAILED),
            seconds=300,
            what="the re-queued transcode to finish",
            worker=second,
        )
    finally:
        stop(second)
    long_video.refresh_from_db()
    assert long_video.status == Video.Status.READY, long_video.failure_detail
    assert long_video.attempts == 2
    published = default_storage.listdir(f"videos/hls/{long_video.pk}")[0]
    assert published == [long_video.output_prefix.rsplit("/", 1)[1]]
