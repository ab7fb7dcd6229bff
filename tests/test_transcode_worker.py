"""A real worker killed in the middle of a transcode: the video is re-queued and ends ready, and the
dead run's work folder is swept when the next worker starts."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from wagtail.models import Collection

from media_pipeline.models import Video
from media_pipeline.probe import probe_video
from media_pipeline.tasks import video_transcode_task
from tests.workers import start_worker, stop, wait_for

# Committed data, so that the worker process sees it; the test needs no migrated content but
# the root collection, which it creates if an earlier transactional test flushed it.
pytestmark = pytest.mark.django_db(transaction=True)


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
    work_dir = media_root.parent / "work"
    assert [p.name.startswith(f"transcode-{long_video.pk}-") for p in work_dir.iterdir()] == [True]

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
    published = default_storage.listdir(long_video.outputs_root)[0]
    assert published == [long_video.output_prefix.rsplit("/", 1)[1]]
    assert list(work_dir.iterdir()) == []  # the dead run's folder swept, the second run's removed
