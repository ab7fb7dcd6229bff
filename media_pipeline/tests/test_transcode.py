"""The transcode service end to end on real ffmpeg and local storage: publish, re-run, failures."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from media_pipeline import storage_tree, tasks
from media_pipeline.exceptions import VideoBusy
from media_pipeline.models import Video
from media_pipeline.probe import probe_video
from media_pipeline.services import transcode
from media_pipeline.services.transcode import (
    video_requeue_stale,
    video_retry,
    video_transcode,
    video_transcode_by_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_WORK_DIR = str(tmp_path / "work")
    return Path(settings.MEDIA_ROOT)


def make_clip(path: Path, *, size: str = "320x180", seconds: int = 3, audio: bool = True) -> Path:
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=25:duration={seconds}",
    ]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac"] if audio else []
    subprocess.run([*command, "-y", str(path)], check=True)
    return path


def stored_video(clip: Path) -> Video:
    """A Video as the upload service leaves it: source in storage, probe fields, pending."""
    probe = probe_video(clip)
    with clip.open("rb") as handle:
        name = default_storage.save("videos/source/test-source", File(handle, name=clip.name))
    return Video.objects.create(
        title="测试视频",
        source=name,
        source_size=clip.stat().st_size,
        duration=probe.duration,
        width=probe.width,
        height=probe.height,
        has_audio=probe.has_audio,
    )


def files_under(prefix: str) -> set[str]:
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return set()
    names = {f"{prefix}/{name}" for name in files}
    for folder in folders:
        names |= files_under(f"{prefix}/{folder}")
    return names


@pytest.fixture
def clip(tmp_path) -> Path:
    return make_clip(tmp_path / "clip.mp4")


def test_a_transcoded_video_is_ready_with_its_outputs_in_storage(clip):
    video = stored_video(clip)
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    assert video.percent_done == 100
    assert video.attempts == 1
    for name in (video.master_playlist, video.poster, video.storyboard, video.storyboard_vtt):
        assert name.startswith(video.output_prefix + "/")
        assert default_storage.exists(name)
    renditions = list(video.renditions.all())
    assert [(r.width, r.height) for r in renditions] == [(320, 180)]
    assert all(default_storage.exists(r.playlist) for r in renditions)
    assert all(r.bandwidth >= r.average_bandwidth > 0 for r in renditions)
    master = default_storage.open(video.master_playlist).read().decode()
    assert f"BANDWIDTH={renditions[0].bandwidth}" in master


def test_a_rerun_replaces_the_outputs_and_leaves_no_orphans(clip, django_capture_on_commit_callbacks):
    video = stored_video(clip)
    video_transcode(video=video)
    video.refresh_from_db()
    first_prefix = video.output_prefix
    with django_capture_on_commit_callbacks(execute=True):
        video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.output_prefix != first_prefix
    assert not files_under(first_prefix)
    published = files_under(f"videos/hls/{video.pk}")
    assert published and all(name.startswith(video.output_prefix + "/") for name in published)
    assert video.renditions.count() == 1


def test_a_duplicate_delivery_of_finished_work_does_nothing(clip):
    video = stored_video(clip)
    video_transcode_by_id(video_id=video.pk)
    video.refresh_from_db()
    prefix = video.output_prefix
    video_transcode_by_id(video_id=video.pk)
    video.refresh_from_db()
    assert (video.output_prefix, video.attempts) == (prefix, 1)


def test_a_deleted_video_is_skipped():
    video_transcode_by_id(video_id=987654)  # nothing to do, nothing raised


def test_a_file_ffmpeg_cannot_decode_ends_failed_with_a_reason(clip):
    video = stored_video(clip)
    with default_storage.open(video.source.name, "wb") as handle:  # damaged after upload
        handle.write(clip.read_bytes()[: clip.stat().st_size // 3])
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason
    assert video.failure_detail
    assert not video.output_prefix
    assert not files_under("videos/hls")


def test_a_missing_source_ends_failed(clip):
    video = stored_video(clip)
    default_storage.delete(video.source.name)
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason


def test_storage_failing_during_publish_fails_the_video_and_leaves_nothing(clip, monkeypatch):
    video = stored_video(clip)
    real_save = default_storage.save
    calls = {"n": 0}

    def failing_save(name, content, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert "No space left" in video.failure_detail
    assert not files_under(f"videos/hls/{video.pk}")
    assert not video.renditions.exists()


def test_a_video_deleted_while_transcoding_leaves_no_outputs(clip, monkeypatch):
    video = stored_video(clip)
    real_upload = storage_tree.upload_tree

    def upload_then_delete(local_dir, prefix, **kwargs):
        written = real_upload(local_dir, prefix, **kwargs)
        Video.objects.filter(pk=video.pk).delete()
        return written

    monkeypatch.setattr(transcode.storage_tree, "upload_tree", upload_then_delete)
    video_transcode(video=video)
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not files_under(f"videos/hls/{video.pk}")


def test_a_run_superseded_by_a_newer_one_neither_publishes_nor_fails_the_video(clip, monkeypatch):
    """Its worker was presumed dead and the video re-queued: the newer run decides the outcome."""
    video = stored_video(clip)
    real_upload = storage_tree.upload_tree
    newer = f"{video.outputs_root}/newer-run"

    def upload_then_be_superseded(local_dir, prefix, **kwargs):
        written = real_upload(local_dir, prefix, **kwargs)
        Video.objects.filter(pk=video.pk).update(claimed_prefix=newer)
        return written

    monkeypatch.setattr(transcode.storage_tree, "upload_tree", upload_then_be_superseded)
    video_transcode(video=video)
    video.refresh_from_db()
    assert (video.status, video.output_prefix, video.claimed_prefix) == (Video.Status.PROCESSING, "", newer)
    assert not video.renditions.exists()
    assert not files_under(video.outputs_root)


def test_publishing_removes_the_partial_outputs_of_a_run_whose_worker_died(
    clip, django_capture_on_commit_callbacks
):
    video = stored_video(clip)
    default_storage.save(f"{video.outputs_root}/dead-run/360p/segment_00000.m4s", File(clip.open("rb")))
    with django_capture_on_commit_callbacks(execute=True):
        video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    published = files_under(video.outputs_root)
    assert published and all(name.startswith(video.output_prefix + "/") for name in published)


def test_the_work_folder_is_removed_after_success_and_after_failure(clip, settings):
    ready, broken = stored_video(clip), stored_video(clip)
    with default_storage.open(broken.source.name, "wb") as source:
        source.write(b"\0" * 4096)  # damaged after the upload was accepted
    video_transcode(video=ready)
    video_transcode(video=broken)
    assert Video.objects.get(pk=ready.pk).status == Video.Status.READY
    assert Video.objects.get(pk=broken.pk).status == Video.Status.FAILED
    assert list(Path(settings.MEDIA_WORK_DIR).iterdir()) == []


def test_progress_is_recorded_while_processing(clip, monkeypatch):
    video = stored_video(clip)
    seen: list[int] = []
    real_recorder = transcode._progress_recorder

    def spying_recorder(video_id, prefix):
        record = real_recorder(video_id, prefix)

        def spy(percent):
            record(percent)
            seen.append(Video.objects.get(pk=video_id).percent_done)

        return spy

    monkeypatch.setattr(transcode, "_progress_recorder", spying_recorder)
    video_transcode(video=video)
    assert seen and seen == sorted(seen)
    assert max(seen) <= 99  # 100 only once published


def test_stale_processing_videos_are_requeued(clip, monkeypatch):
    stale = stored_video(clip)
    fresh = stored_video(clip)
    long_ago = timezone.now() - timedelta(hours=1)
    Video.objects.filter(pk=stale.pk).update(status=Video.Status.PROCESSING, updated_at=long_ago)
    Video.objects.filter(pk=fresh.pk).update(status=Video.Status.PROCESSING)
    sent: list[int] = []
    monkeypatch.setattr(tasks.video_transcode_task, "delay", lambda *, video_id: sent.append(video_id))
    assert video_requeue_stale(older_than=timedelta(minutes=15)) == [stale.pk]
    assert sent == [stale.pk]


# --- Retrying ---------------------------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(tasks.video_transcode_task, "delay", lambda *, video_id: calls.append(video_id))
    return calls


def test_a_failed_video_is_queued_again_and_a_new_run_makes_it_ready(
    clip, sent, django_capture_on_commit_callbacks
):
    video = stored_video(clip)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, failure_reason="存储不可用")
    with django_capture_on_commit_callbacks(execute=True):
        video_retry(acting_user=None, video=video)
    assert sent == [video.pk]
    assert Video.objects.get(pk=video.pk).status == Video.Status.PENDING
    video_transcode_by_id(video_id=video.pk)
    video.refresh_from_db()
    assert (video.status, video.failure_reason) == (Video.Status.READY, "")


@pytest.mark.parametrize(
    ("status", "minutes_quiet", "retryable"),
    [
        (Video.Status.READY, 60, False),
        (Video.Status.PROCESSING, 1, False),
        (Video.Status.PENDING, 1, False),
        (Video.Status.PROCESSING, 60, True),  # its worker died
    ],
)
def test_only_failed_or_abandoned_videos_may_be_retried(clip, sent, status, minutes_quiet, retryable):
    video = stored_video(clip)
    Video.objects.filter(pk=video.pk).update(
        status=status, updated_at=timezone.now() - timedelta(minutes=minutes_quiet)
    )
    video.refresh_from_db()
    if retryable:
        video_retry(acting_user=None, video=video)
        assert Video.objects.get(pk=video.pk).status == Video.Status.PENDING
    else:
        with pytest.raises(VideoBusy):
            video_retry(acting_user=None, video=video)
        assert Video.objects.get(pk=video.pk).status == status


def test_a_learner_may_not_retry_a_video(clip, sent, learner):
    video = stored_video(clip)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED)
    with pytest.raises(PermissionDenied):
        video_retry(acting_user=learner, video=video)
    assert sent == []
