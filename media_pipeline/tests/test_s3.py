"""The pipeline on S3-compatible storage through django-storages, against a real moto server.

The worker downloads the source from the bucket and uploads its outputs there; nothing is
written under MEDIA_ROOT. A storage that goes away leaves neither a row nor an object behind.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from botocore.exceptions import ReadTimeoutError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from media_pipeline import storage_tree
from media_pipeline.models import Video, VideoCaption
from media_pipeline.services import transcode
from media_pipeline.services.transcode import video_transcode
from media_pipeline.services.upload import InvalidUpload, caption_add, video_delete, video_upload
from media_pipeline.tests import clips, upload_clips
from media_pipeline.tests.upload_clips import webvtt
from school.tests.helpers import in_site_language

pytestmark = pytest.mark.django_db

STORAGE_UNAVAILABLE = "Storage is unavailable; try again later."
PUBLISH_FAILED = "The converted video could not be saved to storage. Try again later."
SOURCE_UNREADABLE = "The uploaded file could not be read from storage. Try again later."


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    return clips.tiny_320x180(tmp_path_factory.mktemp("s3-clip"))


@pytest.fixture(scope="session")
def photo(tmp_path_factory) -> Path:
    return upload_clips.jpeg_named_mp4(tmp_path_factory.mktemp("s3-photo"))


def upload(path: Path, uploaded_by) -> Video:
    file = SimpleUploadedFile("讲座.mp4", path.read_bytes(), content_type="video/mp4")
    return video_upload(uploaded_by=uploaded_by, file=file, title="第一课")


def add_caption(video: Video, acting_user) -> None:
    file = ContentFile(webvtt(("00:00:00.000", "00:00:01.000", "同志们好")), name="zh.vtt")
    caption_add(acting_user=acting_user, video=video, language="zh-Hans", label="中文", file=file)


def local_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def transcoded(video: Video) -> Video:
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    return video


# --- Upload -----------------------------------------------------------------------------------------------


def test_an_upload_is_stored_in_the_bucket_and_not_on_local_disk(instructor, clip, s3_storage):
    video = upload(clip, instructor)
    assert s3_storage.keys() == {video.source.name}
    stored = s3_storage.client.get_object(Bucket=s3_storage.name, Key=video.source.name)["Body"].read()
    assert stored == clip.read_bytes()
    assert local_files() == []


def test_a_refused_upload_leaves_no_object_in_the_bucket(instructor, photo, s3_storage):
    with pytest.raises(InvalidUpload):
        upload(photo, instructor)
    assert not Video.objects.exists()
    assert s3_storage.keys() == set()


def test_an_upload_while_s3_is_unreachable_is_refused_with_no_video(instructor, clip, s3_storage, s3_outage):
    s3_outage()
    with pytest.raises(InvalidUpload, match=in_site_language(STORAGE_UNAVAILABLE)) as refused:
        upload(clip, instructor)
    assert "EndpointConnectionError" in refused.value.detail
    assert not Video.objects.exists()
    assert s3_storage.keys() == set()


def test_an_upload_to_a_bucket_that_is_gone_is_refused_with_no_video(instructor, clip, s3_storage):
    s3_storage.client.delete_bucket(Bucket=s3_storage.name)
    with pytest.raises(InvalidUpload, match=in_site_language(STORAGE_UNAVAILABLE)) as refused:
        upload(clip, instructor)
    assert "NoSuchBucket" in refused.value.detail
    assert not Video.objects.exists()


def test_a_caption_while_s3_is_unreachable_is_refused(instructor, clip, s3_storage, s3_outage):
    video = upload(clip, instructor)
    s3_outage()
    with pytest.raises(InvalidUpload, match=in_site_language(STORAGE_UNAVAILABLE)):
        add_caption(video, instructor)
    assert not VideoCaption.objects.exists()
    assert s3_storage.keys() == {video.source.name}


# --- Transcode --------------------------------------------------------------------------------------------


def test_a_transcode_on_s3_publishes_every_output_in_the_bucket(instructor, clip, s3_storage):
    video = transcoded(upload(clip, instructor))
    prefix = video.output_prefix
    published = s3_storage.keys(f"videos/hls/{video.pk}/")
    assert published and all(key.startswith(prefix + "/") for key in published)
    playlists = [r.playlist for r in video.renditions.all()]
    assert playlists
    for key in (video.master_playlist, *playlists, video.poster, video.storyboard, video.storyboard_vtt):
        assert key in published
    segments = {key for key in published if key.endswith(".m4s")}
    assert segments
    assert {s3_storage.content_type(key) for key in published if key.endswith(".m3u8")} == {
        "application/vnd.apple.mpegurl"
    }
    assert {s3_storage.content_type(key) for key in segments} == {"video/iso.segment"}
    assert s3_storage.content_type(video.poster) == "image/jpeg"
    assert s3_storage.content_type(video.storyboard_vtt) == "text/vtt"
    assert local_files() == []


def test_a_rerun_on_s3_leaves_only_the_new_prefix(
    instructor, clip, s3_storage, django_capture_on_commit_callbacks
):
    video = transcoded(upload(clip, instructor))
    first_prefix = video.output_prefix
    with django_capture_on_commit_callbacks(execute=True):
        video = transcoded(video)
    assert video.output_prefix != first_prefix
    assert s3_storage.keys(first_prefix + "/") == set()
    published = s3_storage.keys(f"videos/hls/{video.pk}/")
    assert published and all(key.startswith(video.output_prefix + "/") for key in published)


def test_deleting_a_video_removes_every_object_it_has_in_the_bucket(
    instructor, clip, s3_storage, django_capture_on_commit_callbacks
):
    video = transcoded(upload(clip, instructor))
    add_caption(video, instructor)
    assert len(s3_storage.keys()) > 3
    with django_capture_on_commit_callbacks(execute=True):
        video_delete(acting_user=instructor, video=video)
    assert s3_storage.keys() == set()


def test_s3_unreachable_while_publishing_fails_the_video_and_leaves_no_objects(
    instructor, clip, s3_storage, s3_outage, monkeypatch
):
    video = upload(clip, instructor)
    real_transcode = transcode._transcode_locally

    def transcode_then_lose_s3(*args, **kwargs):
        outputs = real_transcode(*args, **kwargs)
        s3_outage()
        return outputs

    monkeypatch.setattr(transcode, "_transcode_locally", transcode_then_lose_s3)
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason == in_site_language(PUBLISH_FAILED)
    assert "EndpointConnectionError" in video.failure_detail
    assert (video.output_prefix, video.renditions.exists()) == ("", False)
    assert s3_storage.keys() == {video.source.name}


def test_a_write_lost_halfway_through_publishing_leaves_no_objects(instructor, clip, s3_storage):
    """The third output reaches the bucket but its response never arrives, as on a read timeout."""
    video = upload(clip, instructor)
    puts = {"n": 0}

    def response_lost(**kwargs):
        puts["n"] += 1
        if puts["n"] == 3:
            raise ReadTimeoutError(endpoint_url=default_storage.endpoint_url)

    default_storage.connection.meta.client.meta.events.register("after-call.s3.PutObject", response_lost)
    video_transcode(video=video)
    video.refresh_from_db()
    assert puts["n"] >= 3
    assert video.status == Video.Status.FAILED
    assert "ReadTimeoutError" in video.failure_detail
    assert s3_storage.keys() == {video.source.name}


def test_s3_unreachable_while_fetching_the_source_fails_the_video(instructor, clip, s3_storage, s3_outage):
    video = upload(clip, instructor)
    s3_outage()
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason == in_site_language(SOURCE_UNREADABLE)
    assert "EndpointConnectionError" in video.failure_detail


def test_a_source_is_fetched_from_s3_without_holding_it_in_memory(s3_storage, tmp_path):
    """Reading the S3File would hold all of it (and more); the download buffers a bounded amount."""
    size = 64 * 1024 * 1024
    name = default_storage.save("videos/source/big", ContentFile(bytes(size)))
    tracemalloc.start()
    try:
        storage_tree.fetch_to(name, tmp_path / "source")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (tmp_path / "source").stat().st_size == size
    assert peak < size * 3 // 4


def test_the_health_check_asks_the_bucket_not_a_local_folder(s3_storage, s3_outage, client, db):
    healthy = client.get("/healthz").json()["checks"]["storage"]
    assert healthy["ok"] and healthy["detail"] == "S3Storage"
    s3_outage()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert not response.json()["checks"]["storage"]["ok"]
