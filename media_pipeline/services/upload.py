"""Videos as people manage them in the admin: upload, edit, delete, and caption tracks.

An upload becomes a ``Video`` only once ffprobe has accepted the very bytes that are stored,
and a failure at any step leaves neither a row nor a file behind. Files never pass through
memory whole: they are copied in chunks, probed on local disk, and streamed to storage.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from wagtail.models import Collection

from media_pipeline.models import Video, VideoCaption
from media_pipeline.permissions import require_video_permission, video_permission_policy
from media_pipeline.probe import InvalidVideo, ProbeResult, probe_video
from media_pipeline.storage_tree import SERVICE_ERRORS, delete_prefix, delete_quietly
from media_pipeline.tasks import video_files_delete_task, video_transcode_task
from school.queueing import enqueue_on_commit
from school.services.audit import audit_record

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
CAPTION_MAX_BYTES = 2 * 1024 * 1024
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# hh:mm:ss.ttt or mm:ss.ttt, then "-->", then the same (WebVTT's cue timings; settings may follow).
CUE_TIMING = re.compile(
    r"^\s*(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})[ \t]+-->[ \t]+(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
    r"(?:[ \t].*)?$"
)


class InvalidUpload(Exception):
    """An uploaded file we refuse; ``message`` is for the uploader, ``detail`` for administrators."""

    def __init__(self, message: str, detail: str = "", *, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field


# --- Videos -----------------------------------------------------------------------------------------


def video_upload(
    *, uploaded_by: Any, file: UploadedFile, title: str, collection: Collection | None = None
) -> Video:
    """Check, probe and store an uploaded video, create it as pending and queue its transcode."""
    if uploaded_by is not None and not video_permission_policy.user_has_permission(uploaded_by, "add"):
        raise PermissionDenied(_("You may not upload videos."))
    limit = settings.VIDEO_UPLOAD_MAX_BYTES
    _check_size(file.size, limit)
    source_name = clean_file_name(file.name or "")
    with _local_copy(file, limit, suffix=PurePath(source_name).suffix) as (path, size):
        try:
            probe = probe_video(path)
        except InvalidVideo as problem:
            raise InvalidUpload(problem.message, problem.detail) from problem
        source_field = Video._meta.get_field("source")
        storage = source_field.storage
        stored_name = _store(storage, path, source_field.generate_filename(None, source_name))
    try:
        return _video_create(
            uploaded_by=uploaded_by,
            title=(title or "").strip()[:255] or PurePath(source_name).stem[:255],
            collection=collection,
            stored_name=stored_name,
            source_name=source_name,
            size=size,
            probe=probe,
        )
    except BaseException:
        storage.delete(stored_name)
        raise


@transaction.atomic(durable=True)
def _video_create(
    *,
    uploaded_by: Any,
    title: str,
    collection: Collection | None,
    stored_name: str,
    source_name: str,
    size: int,
    probe: ProbeResult,
) -> Video:
    video = Video(
        title=title,
        uploaded_by=uploaded_by,
        source=stored_name,
        source_size=size,
        source_name=source_name,
        probe=probe.raw,
        duration=probe.duration,
        width=probe.width,
        height=probe.height,
        has_audio=probe.has_audio,
        status=Video.Status.PENDING,
    )
    if collection is not None:
        video.collection = collection
    video.save()
    audit_record(
        actor=uploaded_by,
        action="video.uploaded",
        target=video,
        name=source_name,
        size=size,
        duration=round(probe.duration, 1),
        frame=f"{probe.width}×{probe.height}",
    )
    enqueue_on_commit(video_transcode_task, video_id=video.pk)  # or queued again by a starting worker
    return video


def _check_size(size: int | None, limit: int) -> None:
    if size is not None and size <= 0:
        raise InvalidUpload(_("The file is empty. Choose a video file."))
    if size is not None and size > limit:
        raise InvalidUpload(
            _("The file is too large: videos may be at most %(limit)s.") % {"limit": filesizeformat(limit)}
        )


@contextmanager
def _local_copy(file: UploadedFile, limit: int, *, suffix: str) -> Iterator[tuple[str, int]]:
    """A path on local disk holding the upload, and its real size; a temporary copy is removed after."""
    if hasattr(file, "temporary_file_path"):
        path = file.temporary_file_path()
        size = os.path.getsize(path)
        _check_size(size, limit)
        yield path, size
        return
    safe_suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
    # Beside Django's own upload temp files: a disk, not a RAM-backed /tmp, when so configured.
    temp_dir = settings.FILE_UPLOAD_TEMP_DIR
    with tempfile.NamedTemporaryFile(prefix="video-upload-", suffix=safe_suffix, dir=temp_dir) as copy:
        size = _copy_counted(file, copy, limit)
        copy.flush()
        _check_size(size, limit)
        yield copy.name, size


def _copy_counted(source: UploadedFile, target: IO[bytes], limit: int) -> int:
    """Copy in chunks, stopping as soon as there is more than ``limit``: the declared size may lie."""
    if source.seekable():
        source.seek(0)
    copied = 0
    while chunk := source.read(CHUNK_SIZE):
        copied += len(chunk)
        if copied > limit:
            _check_size(copied, limit)
        target.write(chunk)
    return copied


def _store(storage: Any, path: str, name: str) -> str:
    """Stream the probed file to storage; a half-written file is removed if that fails."""
    try:
        name = storage.get_available_name(name)
        with open(path, "rb") as handle:
            return storage.save(name, File(handle, name=name))
    except SERVICE_ERRORS as problem:
        delete_quietly(name, storage=storage)
        raise _storage_unavailable(problem) from problem
    except BaseException:
        delete_quietly(name, storage=storage)
        raise


def _storage_unavailable(problem: Exception) -> InvalidUpload:
    logger.warning("storage refused an upload: %s", problem)
    detail = f"{type(problem).__name__}: {problem}"
    return InvalidUpload(_("Storage is unavailable; try again later."), detail)


def clean_file_name(name: str) -> str:
    """The original file name for display: no folders, no control characters, at most 255 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = " ".join(base.split()).strip(" .")
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = f"{stem[: 254 - len(ext)]}.{ext}" if dot and 0 < len(ext) <= 16 else base[:255]
    return base or "video"


@transaction.atomic(durable=True)
def video_update(
    *, acting_user: Any, video: Video, title: str, collection: Collection, transcript: str
) -> Video:
    """Change what editors may change; the file and the processing state are not theirs to edit."""
    require_video_permission(acting_user, "change", video)
    title = title.strip()[:255]
    if not title:
        raise InvalidUpload(_("Enter a title."), field="title")
    changes = {
        field: [str(old), str(new)]
        for field, old, new in (("title", video.title, title), ("collection", video.collection, collection))
        if old != new
    }
    transcript_changed = transcript != video.transcript
    video.title, video.collection, video.transcript = title, collection, transcript
    video.save(update_fields=["title", "collection", "transcript", "updated_at"])
    if changes or transcript_changed:
        audit_record(
            actor=acting_user,
            action="video.updated",
            target=video,
            changes=changes,
            transcript_changed=transcript_changed,
        )
    return video


def video_delete(*, acting_user: Any, video: Video) -> None:
    """Delete the video; a task removes its source, captions and every run's outputs once that commits."""
    require_video_permission(acting_user, "delete", video)
    with transaction.atomic(durable=True):
        names = [video.source.name, *(caption.file.name for caption in video.captions.all())]
        folder = video.outputs_root
        audit_record(actor=acting_user, action="video.deleted", target=video, name=video.source_name)
        video.delete()
        # With the broker down the files stay behind (logged and counted), the deletion stands.
        enqueue_on_commit(video_files_delete_task, names=[name for name in names if name], folder=folder)


def video_files_delete(*, names: list[str], folder: str) -> None:
    """Remove a deleted video's files from storage; running it again is harmless."""
    storage = Video._meta.get_field("source").storage
    for name in names:
        storage.delete(name)
    delete_prefix(folder, storage=storage)


# --- Captions ---------------------------------------------------------------------------------------


def caption_add(
    *, acting_user: Any, video: Video, language: str, label: str, file: UploadedFile
) -> VideoCaption:
    """Add a WebVTT track, replacing the video's track in the same language."""
    require_video_permission(acting_user, "change", video)
    language, label = language.strip(), label.strip()
    if len(language) > 20 or not LANGUAGE_CODE.match(language):
        raise InvalidUpload(_("Enter a language code such as zh-Hans or en."), field="language")
    if not label or len(label) > 50:
        raise InvalidUpload(_("Enter a label of at most 50 characters, e.g. 中文."), field="label")
    content = _read_limited(file, CAPTION_MAX_BYTES)
    check_webvtt(content)
    caption = VideoCaption(video=video, language=language, label=label)
    storage = caption.file.storage
    name = caption.file.field.generate_filename(caption, "captions.vtt")
    try:
        stored_name = storage.save(name, ContentFile(content, name=name))
    except SERVICE_ERRORS as problem:
        raise _storage_unavailable(problem) from problem
    try:
        return _caption_replace(acting_user=acting_user, caption=caption, stored_name=stored_name)
    except BaseException:
        storage.delete(stored_name)
        raise


@transaction.atomic(durable=True)
def _caption_replace(*, acting_user: Any, caption: VideoCaption, stored_name: str) -> VideoCaption:
    same_language = VideoCaption.objects.filter(video=caption.video, language=caption.language)
    old = list(same_language.select_for_update())
    for previous in old:
        previous.delete()
        transaction.on_commit(partial(caption.file.storage.delete, previous.file.name), robust=True)
    caption.file.name = stored_name
    caption.save()
    audit_record(
        actor=acting_user,
        action="video.caption_replaced" if old else "video.caption_added",
        target=caption.video,
        language=caption.language,
        label=caption.label,
    )
    return caption


def caption_delete(*, acting_user: Any, caption: VideoCaption) -> None:
    require_video_permission(acting_user, "change", caption.video)
    with transaction.atomic(durable=True):
        audit_record(
            actor=acting_user, action="video.caption_deleted", target=caption.video, language=caption.language
        )
        caption.delete()
        transaction.on_commit(partial(caption.file.storage.delete, caption.file.name), robust=True)


def _read_limited(file: UploadedFile, limit: int) -> bytes:
    if file.size is not None and file.size > limit:
        raise _caption_too_large(limit)
    if file.seekable():
        file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        raise _caption_too_large(limit)
    file.seek(0)
    return content


def _caption_too_large(limit: int) -> InvalidUpload:
    return InvalidUpload(
        _("The caption file is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}
    )


def check_webvtt(content: bytes) -> None:
    """Refuse anything but a UTF-8 WebVTT file with at least one well-formed cue timing."""
    if not content.strip():
        raise InvalidUpload(_("The caption file is empty."))
    if b"\x00" in content:
        raise InvalidUpload(_("This is a binary file, not a WebVTT caption file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise InvalidUpload(
            _("The caption file must be saved as UTF-8 text."), f"invalid UTF-8 at byte {problem.start}"
        ) from problem
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise InvalidUpload(_("This is not a WebVTT file: its first line must be “WEBVTT”."))
    cues = 0
    for number, line in enumerate(lines[1:], start=2):
        if "-->" not in line:
            continue
        match = CUE_TIMING.match(line)
        if match is None:
            raise InvalidUpload(
                _("Line %(line)s is not a valid cue timing such as “00:00:01.000 --> 00:00:04.000”.")
                % {"line": number}
            )
        start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:])
        if end <= start:
            raise InvalidUpload(_("Line %(line)s: the cue ends before it starts.") % {"line": number})
        cues += 1
    if not cues:
        raise InvalidUpload(
            _(
                "The caption file has no cues: each cue needs a timing line "
                "such as “00:00:01.000 --> 00:00:04.000”."
            )
        )


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = (int(part or 0) for part in parts)
    return hours * 3600 + minutes * 60 + seconds + millis / 1000
