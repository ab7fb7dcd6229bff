"""video_upload, video_delete and caption_add against real ffprobe and real (temporary) storage.

Every refused upload must leave nothing behind: no Video row and no file in storage.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile, UploadedFile
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from media_pipeline.models import Video, VideoCaption
from media_pipeline.probe import run_ffprobe
from media_pipeline.services import upload as upload_service
from media_pipeline.services.upload import (
    CAPTION_MAX_BYTES,
    InvalidUpload,
    caption_add,
    check_webvtt,
    clean_file_name,
    video_delete,
    video_upload,
)
from media_pipeline.tests import upload_clips
from media_pipeline.tests.factories import VideoFactory
from media_pipeline.tests.upload_clips import stored_files, webvtt
from school.models import AuditLog
from school.tests.helpers import in_site_language

pytestmark = pytest.mark.django_db

UNREADABLE = "This file is not a video we can read. It may be damaged or incomplete."


@pytest.fixture
def media_root(tmp_path, settings) -> Path:
    return upload_clips.default_storage_in(tmp_path / "media", settings)


def in_memory(path: Path, name: str | None = None) -> UploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="video/mp4")


def on_disk(path: Path, name: str | None = None) -> UploadedFile:
    """What Django's TemporaryFileUploadHandler hands over for uploads above 2 MiB."""
    data = path.read_bytes()
    upload = TemporaryUploadedFile(name or path.name, "video/mp4", len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload


@pytest.fixture(params=["in_memory", "on_disk"])
def as_upload(request, tmp_path, settings) -> Callable[..., UploadedFile]:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return in_memory if request.param == "in_memory" else on_disk


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """Where the service's temporary copies go, to check that none is left behind."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(upload_service.tempfile, "tempdir", str(folder))
    return folder


def size_message(msgid: str, limit: int) -> str:
    """A message naming a size limit, as the site language writes both."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % {"limit": filesizeformat(limit)}


# --- Accepted uploads ---------------------------------------------------------------------------------


def test_a_small_mp4_is_accepted_with_its_probed_fields(instructor, clips, media_root, as_upload, queued):
    video = video_upload(uploaded_by=instructor, file=as_upload(clips["valid"]), title=" 第一课 ")
    video.refresh_from_db()
    assert (video.title, video.status, video.uploaded_by) == ("第一课", Video.Status.PENDING, instructor)
    assert (video.width, video.height, video.has_audio) == (64, 48, True)
    assert video.duration == pytest.approx(1.0, abs=0.1)
    assert video.source_size == clips["valid"].stat().st_size
    assert video.source_name == "讲座 第一课.mp4"
    assert video.probe["format"]["format_name"].startswith("mov,mp4")
    assert stored_files(media_root) == [video.source.name]
    assert (media_root / video.source.name).read_bytes() == clips["valid"].read_bytes()


def test_the_transcode_is_queued_once_the_upload_commits(
    instructor, clips, media_root, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video = video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="第一课")
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [{"video_id": video.pk}]


def test_an_upload_is_audited(instructor, clips, media_root, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        video = video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="第一课")
    entry = AuditLog.objects.get(action="video.uploaded")
    assert (entry.actor, entry.target_id) == (instructor, str(video.pk))
    assert entry.data["size"] == video.source_size


def test_an_empty_title_falls_back_to_the_file_name(instructor, clips, media_root, queued):
    video = video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="  ")
    assert video.title == "讲座 第一课"


@pytest.mark.parametrize(
    ("clip", "displayed"), [("portrait", (36, 64)), ("rotated", (48, 64)), ("odd", (641, 361))]
)
def test_portrait_rotated_and_odd_sized_videos_store_their_displayed_size(
    instructor, clips, media_root, queued, as_upload, clip, displayed
):
    video = video_upload(uploaded_by=instructor, file=as_upload(clips[clip]), title=clip)
    assert (video.width, video.height) == displayed


def test_no_temporary_copy_is_left_behind(instructor, clips, media_root, queued, temp_dir):
    video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="第一课")
    with pytest.raises(InvalidUpload):
        video_upload(uploaded_by=instructor, file=in_memory(clips["damaged"]), title="坏文件")
    assert list(temp_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("C:\\Users\\王老师\\Desktop\\第一课.mp4", "第一课.mp4"),
        ("../../etc/passwd", "passwd"),
        ("  lesson\x00 one\t.mov ", "lesson one.mov"),
        ("", "video"),
        ("x" * 300 + ".mp4", "x" * 251 + ".mp4"),
    ],
)
def test_the_original_file_name_is_cleaned_for_display(name, cleaned):
    assert clean_file_name(name) == cleaned


# --- Refused uploads leave nothing behind ---------------------------------------------------------------

REFUSED = [
    ("jpeg", "This file is not in a video format we accept (MP4, MOV, MKV, WebM, AVI, FLV, MPEG, WMV …)."),
    ("audio", "This file has sound but no picture. Upload a video file."),
    ("truncated", UNREADABLE),
    ("damaged", UNREADABLE),
]


@pytest.mark.parametrize(("clip", "message"), REFUSED)
def test_a_file_that_is_not_a_usable_video_is_refused_and_leaves_nothing(
    instructor, clips, media_root, queued, as_upload, clip, message
):
    with pytest.raises(InvalidUpload) as refused:
        video_upload(uploaded_by=instructor, file=as_upload(clips[clip]), title=clip)
    assert refused.value.message == in_site_language(message)
    assert not Video.objects.exists()
    assert stored_files(media_root) == []
    assert queued == []


def test_ffprobe_reports_the_crafted_frame_as_40000_square(clips):
    video = next(s for s in run_ffprobe(clips["huge"])["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (40_000, 40_000)


def test_a_40000_square_frame_is_refused_and_leaves_nothing(instructor, clips, media_root, as_upload):
    with pytest.raises(InvalidUpload) as refused:
        video_upload(uploaded_by=instructor, file=as_upload(clips["huge"]), title="巨幅")
    assert refused.value.message == in_site_language(
        "The frame size %(width)s×%(height)s is too large; videos up to 4K (3840×2160) are accepted.",
        width=40_000,
        height=40_000,
    )
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_an_empty_file_is_refused_before_probing(instructor, media_root, as_upload, tmp_path, monkeypatch):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    monkeypatch.setattr(upload_service, "probe_video", pytest.fail)
    with pytest.raises(
        InvalidUpload, match=re.escape(in_site_language("The file is empty. Choose a video file."))
    ):
        video_upload(uploaded_by=instructor, file=as_upload(empty), title="空")
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def too_large(limit: int) -> str:
    return size_message("The file is too large: videos may be at most %(limit)s.", limit)


def test_a_file_over_the_size_limit_is_refused(instructor, clips, media_root, as_upload, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 10_000
    with pytest.raises(InvalidUpload) as refused:
        video_upload(uploaded_by=instructor, file=as_upload(clips["valid"]), title="太大")
    assert refused.value.message == too_large(10_000)
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_understating_its_size_is_caught_while_copying(
    instructor, clips, media_root, as_upload, settings, temp_dir
):
    settings.VIDEO_UPLOAD_MAX_BYTES = 10_000
    lying = as_upload(clips["valid"])
    lying.size = 5_000
    with pytest.raises(InvalidUpload) as refused:
        video_upload(uploaded_by=instructor, file=lying, title="说谎")
    assert refused.value.message == too_large(10_000)
    assert not Video.objects.exists()
    assert stored_files(media_root) == []
    assert list(temp_dir.iterdir()) == []


def test_a_failing_database_insert_removes_the_stored_file(
    instructor, clips, media_root, queued, monkeypatch
):
    def insert_fails(self, *args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(Video, "save", insert_fails)
    with pytest.raises(DatabaseError):
        video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="第一课")
    assert not Video.objects.exists()
    assert not AuditLog.objects.filter(action="video.uploaded").exists()
    assert stored_files(media_root) == []
    assert queued == []


def test_a_storage_write_failing_halfway_leaves_no_partial_file(instructor, clips, media_root, monkeypatch):
    def disk_full(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with pytest.raises(OSError):
        video_upload(uploaded_by=instructor, file=in_memory(clips["valid"]), title="第一课")
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_a_learner_may_not_upload(learner, clips, media_root):
    with pytest.raises(PermissionDenied):
        video_upload(uploaded_by=learner, file=in_memory(clips["valid"]), title="第一课")
    assert stored_files(media_root) == []


# --- Deleting ---------------------------------------------------------------------------------------------


def video_with_files(storage: Storage, owner) -> tuple[Video, list[str]]:
    """A video whose source, caption and two-level HLS outputs exist in ``storage``."""
    video = VideoFactory(uploaded_by=owner)
    video.output_prefix = f"{video.outputs_root}/run2"
    video.save(update_fields=["output_prefix"])
    names = [
        video.source.name,
        f"videos/captions/{video.pk}/zh-Hans.vtt",
        f"{video.output_prefix}/master.m3u8",
        f"{video.output_prefix}/poster.jpg",
        f"{video.output_prefix}/360p/index.m3u8",
        f"{video.output_prefix}/360p/seg_00001.ts",
        f"{video.outputs_root}/run1/360p/seg_00001.ts",  # a run whose worker died while publishing
    ]
    for name in names:
        assert storage.save(name, ContentFile(b"x")) == name
    VideoCaption.objects.create(video=video, language="zh-Hans", label="中文", file=names[1])
    return video, names


def test_deleting_a_video_removes_its_source_captions_and_outputs(
    instructor, media_root, django_capture_on_commit_callbacks
):
    video, _names = video_with_files(default_storage, instructor)
    keep = default_storage.save(f"videos/hls/{video.pk + 1}/run1/master.m3u8", ContentFile(b"other video"))
    with django_capture_on_commit_callbacks(execute=True):
        video_delete(acting_user=instructor, video=video)
    assert not Video.objects.exists() and not VideoCaption.objects.exists()
    assert stored_files(media_root) == [keep]
    assert not (media_root / video.outputs_root).exists()
    assert AuditLog.objects.filter(action="video.deleted").count() == 1


def test_files_are_deleted_only_once_the_deletion_commits(
    instructor, media_root, django_capture_on_commit_callbacks
):
    video, names = video_with_files(default_storage, instructor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video_delete(acting_user=instructor, video=video)
    assert stored_files(media_root) == sorted(names)
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


@deconstructible
class FlatKeyStorage(Storage):
    """Object storage as S3 behaves: flat keys, no folders, a missing prefix lists as empty."""

    objects: dict[str, bytes] = {}

    def _save(self, name: str, content) -> str:
        self.objects[name] = b"".join(content.chunks())
        return name

    def _open(self, name: str, mode: str = "rb") -> ContentFile:
        return ContentFile(self.objects[name], name=name)

    def delete(self, name: str) -> None:
        self.objects.pop(name, None)

    def exists(self, name: str) -> bool:
        return name in self.objects

    def size(self, name: str) -> int:
        return len(self.objects[name])

    def url(self, name: str) -> str:
        return f"https://bucket.example/{name}"

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        folders, files = set(), []
        for key in self.objects:
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                if "/" in rest:
                    folders.add(rest.split("/", 1)[0])
                else:
                    files.append(rest)
        return sorted(folders), sorted(files)


@pytest.fixture
def object_storage(settings) -> dict[str, bytes]:
    FlatKeyStorage.objects = {}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FlatKeyStorage"}}
    return FlatKeyStorage.objects


def test_upload_and_delete_work_on_object_storage(
    instructor, clips, object_storage, queued, django_capture_on_commit_callbacks
):
    uploaded = video_upload(uploaded_by=instructor, file=on_disk(clips["valid"]), title="第一课")
    assert list(object_storage) == [uploaded.source.name]
    video, _names = video_with_files(default_storage, instructor)
    with django_capture_on_commit_callbacks(execute=True):
        video_delete(acting_user=instructor, video=video)
    assert list(object_storage) == [uploaded.source.name]


def test_an_instructor_may_not_delete_another_instructors_video(instructor, other_instructor, media_root):
    video = VideoFactory(uploaded_by=other_instructor)
    with pytest.raises(PermissionDenied):
        video_delete(acting_user=instructor, video=video)
    assert Video.objects.filter(pk=video.pk).exists()


def test_an_editor_may_delete_anyones_video(
    instructor, editor, media_root, django_capture_on_commit_callbacks
):
    video = VideoFactory(uploaded_by=instructor)
    with django_capture_on_commit_callbacks(execute=True):
        video_delete(acting_user=editor, video=video)
    assert not Video.objects.exists()


# --- Captions -------------------------------------------------------------------------------------------

CUES = [("00:00:01.000", "00:00:04.000", "同志们好"), ("00:05.000", "00:07.500", "今天学习党章")]


def vtt_upload(content: bytes, name: str = "captions.vtt") -> UploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/vtt")


def test_a_valid_webvtt_file_is_added(instructor, media_root):
    video = VideoFactory(uploaded_by=instructor)
    caption = caption_add(
        acting_user=instructor, video=video, language="zh-Hans", label="中文", file=vtt_upload(webvtt(*CUES))
    )
    assert (caption.language, caption.label) == ("zh-Hans", "中文")
    assert stored_files(media_root) == [caption.file.name]
    assert (media_root / caption.file.name).read_bytes() == webvtt(*CUES)


def test_a_caption_in_the_same_language_replaces_the_old_one(
    instructor, media_root, django_capture_on_commit_callbacks
):
    video = VideoFactory(uploaded_by=instructor)
    first = caption_add(
        acting_user=instructor, video=video, language="en", label="English", file=vtt_upload(webvtt(*CUES))
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = caption_add(
            acting_user=instructor,
            video=video,
            language="en",
            label="English (revised)",
            file=vtt_upload(webvtt(*CUES[:1], bom=True)),
        )
    assert list(video.captions.values_list("pk", "label")) == [(second.pk, "English (revised)")]
    assert stored_files(media_root) == [second.file.name]
    assert not VideoCaption.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"1\n00:00:01,000 --> 00:00:04,000\nSRT\n",
            "This is not a WebVTT file: its first line must be “WEBVTT”.",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a binary file, not a WebVTT caption file."),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\n中文\n".encode("gbk"),
            "The caption file must be saved as UTF-8 text.",
        ),
        (
            b"WEBVTT\n\nNOTE nothing to show\n",
            "The caption file has no cues: each cue needs a timing line "
            "such as “00:00:01.000 --> 00:00:04.000”.",
        ),
        (b"", "The caption file is empty."),
    ],
    ids=["srt", "binary", "gbk", "no-cues", "empty"],
)
def test_a_file_that_is_not_webvtt_is_refused_with_a_message(instructor, media_root, content, message):
    video = VideoFactory(uploaded_by=instructor)
    with pytest.raises(InvalidUpload) as refused:
        caption_add(
            acting_user=instructor, video=video, language="zh-Hans", label="中文", file=vtt_upload(content)
        )
    assert refused.value.message == in_site_language(message)
    assert not VideoCaption.objects.exists()
    assert stored_files(media_root) == []


def test_a_cue_timing_that_runs_backwards_names_its_line():
    with pytest.raises(InvalidUpload) as refused:
        check_webvtt(webvtt(("00:00:05.000", "00:00:01.000", "倒序")))
    assert refused.value.message == in_site_language("Line %(line)s: the cue ends before it starts.", line=3)


def test_an_oversized_caption_file_is_refused(instructor, media_root):
    video = VideoFactory(uploaded_by=instructor)
    padding = b"NOTE " + b"x" * CAPTION_MAX_BYTES + b"\n\n"
    big = vtt_upload(b"WEBVTT\n\n" + padding + webvtt(*CUES)[8:])
    with pytest.raises(InvalidUpload) as refused:
        caption_add(acting_user=instructor, video=video, language="zh-Hans", label="中文", file=big)
    assert refused.value.message == size_message(
        "The caption file is too large: at most %(limit)s.", CAPTION_MAX_BYTES
    )
    assert stored_files(media_root) == []


def test_a_caption_language_must_look_like_a_language_code(instructor, media_root):
    video = VideoFactory(uploaded_by=instructor)
    with pytest.raises(InvalidUpload) as refused:
        caption_add(
            acting_user=instructor, video=video, language="../x", label="中文", file=vtt_upload(webvtt(*CUES))
        )
    assert refused.value.field == "language"
    assert stored_files(media_root) == []
