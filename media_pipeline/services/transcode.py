"""Turn an accepted upload into a playable video: HLS ladder, poster, storyboard; then publish.

The work happens in a private temporary folder on the worker. Only verified outputs are
uploaded, under a fresh storage prefix per run, and the database switches to them in one
transaction; the previous run's outputs are deleted after that commit. So a re-run replaces
everything and leaves no orphans, a crash never publishes half a ladder, and a file ffmpeg cannot
decode ends ``failed`` with a reason instead of staying ``processing``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from media_pipeline import ladder, runner, storage_tree, workspace
from media_pipeline.exceptions import TranscodeFailed, VideoBusy
from media_pipeline.models import Video, VideoRendition
from media_pipeline.permissions import require_video_permission
from media_pipeline.probe import InvalidVideo, ProbeResult, probe_video
from school.queueing import enqueue, enqueue_on_commit
from school.services.audit import audit_record

logger = logging.getLogger(__name__)

STDERR_TAIL_CHARS = 4000


def video_transcode_by_id(*, video_id: int) -> None:
    """The task's entry point: safe for duplicate deliveries and for videos deleted meanwhile."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status == Video.Status.READY:
        return
    video_transcode(video=video)


def video_transcode(*, video: Video) -> None:
    prefix = _claim(video)
    with workspace.transcode_workspace(video.pk) as work_dir:
        try:
            outputs = _transcode_locally(video, work_dir, prefix)
        except (InvalidVideo, TranscodeFailed) as problem:
            _mark_failed(video, prefix, problem.message, problem.detail)
            return
        try:
            _publish(video, prefix, work_dir / "out", outputs)
        except Exception as exc:  # storage away or full: the outputs of this run are already removed
            logger.exception("video %s: publishing failed", video.pk)
            _mark_failed(
                video,
                prefix,
                _("The converted video could not be saved to storage. Try again later."),
                f"{type(exc).__name__}: {exc}",
            )


def _claim(video: Video) -> str:
    """Make this run the video's current one; the fresh storage prefix it will publish under."""
    prefix = f"{video.outputs_root}/{uuid.uuid4().hex}"
    now = timezone.now()
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.PROCESSING,
        percent_done=0,
        failure_reason="",
        failure_detail="",
        processing_started_at=now,
        attempts=F("attempts") + 1,
        claimed_prefix=prefix,
        updated_at=now,
    )
    return prefix


def _transcode_locally(video: Video, work_dir: Path, prefix: str) -> list[ladder.MeasuredRung]:
    source = _local_source(video, work_dir)
    probe = probe_video(source)
    rungs = ladder.plan_ladder(probe)
    out_dir = work_dir / "out"
    out_dir.mkdir()
    command = ladder.build_ladder_command(source=source, out_dir=out_dir, probe=probe, rungs=rungs)
    runner.run_ffmpeg(
        command,
        duration=probe.duration,
        on_progress=_progress_recorder(video.pk, prefix),
        timeout=transcode_time_limit(probe),
    )
    ladder.write_storyboard_vtt(out_dir=out_dir, probe=probe)
    measured = ladder.measure_and_rewrite_master(out_dir, rungs)
    ladder.verify_outputs(out_dir, probe, rungs)
    return measured


def transcode_time_limit(probe: ProbeResult) -> float:
    """Generous for a 2-core machine (10× the duration), never under ten minutes."""
    return max(600.0, probe.duration * settings.TRANSCODE_TIME_FACTOR)


def _local_source(video: Video, work_dir: Path) -> Path:
    local = storage_tree.local_path_or_none(video.source.name)
    if local is not None and local.is_file():
        return local
    if local is not None:
        raise InvalidVideo(_("The uploaded file is missing from storage."), detail=str(local))
    try:
        return storage_tree.fetch_to(video.source.name, work_dir / "source")
    except FileNotFoundError as exc:
        raise InvalidVideo(_("The uploaded file is missing from storage."), detail=video.source.name) from exc
    except storage_tree.SERVICE_ERRORS as exc:
        raise TranscodeFailed(
            _("The uploaded file could not be read from storage. Try again later."),
            detail=f"{type(exc).__name__}: {exc}",
            temporary=True,
        ) from exc


def _progress_recorder(video_id: int, prefix: str):
    def record(percent: int) -> None:
        Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING, claimed_prefix=prefix).update(
            percent_done=min(percent, 99), updated_at=timezone.now()
        )

    return record


def _mark_failed(video: Video, prefix: str, reason: str, detail: str) -> None:
    """Fail the video, unless a newer run has taken it over meanwhile."""
    logger.warning("video %s failed: %s", video.pk, detail[-500:])
    Video.objects.filter(pk=video.pk, claimed_prefix=prefix).update(
        status=Video.Status.FAILED,
        failure_reason=reason,
        failure_detail=detail[-STDERR_TAIL_CHARS:],
        updated_at=timezone.now(),
    )


def _publish(video: Video, prefix: str, out_dir: Path, measured: list[ladder.MeasuredRung]) -> None:
    try:
        storage_tree.upload_tree(out_dir, prefix)
        published = _switch_to(video.pk, prefix, measured)
    except BaseException:
        # The prefix is this run's alone: this also catches a write that landed although it raised.
        _discard_outputs(prefix)
        raise
    if not published:  # the video was deleted, or a newer run took it over, while we worked
        storage_tree.delete_prefix(prefix)


def _discard_outputs(prefix: str) -> None:
    try:
        storage_tree.delete_prefix(prefix)
    except Exception:  # storage away: keep the error that brought us here
        logger.warning("outputs under %s could not be deleted", prefix, exc_info=True)


@transaction.atomic(durable=True)
def _switch_to(video_id: int, prefix: str, measured: list[ladder.MeasuredRung]) -> bool:
    """Point the video at the new outputs, if it still exists and this run is still its current one."""
    video = Video.objects.select_for_update().filter(pk=video_id, claimed_prefix=prefix).first()
    if video is None:
        return False
    video.renditions.all().delete()
    VideoRendition.objects.bulk_create(
        VideoRendition(
            video=video,
            height=rung.height,
            width=rung.width,
            bandwidth=rung.bandwidth,
            average_bandwidth=rung.average_bandwidth,
            playlist=f"{prefix}/{rung.playlist}",
        )
        for rung in measured
    )
    video.output_prefix = prefix
    video.master_playlist = f"{prefix}/{ladder.MASTER_PLAYLIST}"
    video.poster = f"{prefix}/{ladder.POSTER}"
    video.storyboard = f"{prefix}/{ladder.STORYBOARD_SPRITE}"
    video.storyboard_vtt = f"{prefix}/{ladder.STORYBOARD_VTT}"
    video.status = Video.Status.READY
    video.percent_done = 100
    video.failure_reason = video.failure_detail = ""
    video.ready_at = timezone.now()
    video.save(
        update_fields=[
            "output_prefix",
            "master_playlist",
            "poster",
            "storyboard",
            "storyboard_vtt",
            "status",
            "percent_done",
            "failure_reason",
            "failure_detail",
            "ready_at",
            "updated_at",
        ]
    )
    # Earlier runs' outputs, and partial uploads of runs whose worker died while publishing.
    transaction.on_commit(partial(_delete_other_runs, video.outputs_root, prefix), robust=True)
    return True


def _delete_other_runs(root: str, keep: str) -> None:
    folders, _files = storage_tree.list_folder(root)
    for folder in folders:
        if f"{root}/{folder}" != keep:
            storage_tree.delete_prefix(f"{root}/{folder}")


def video_requeue_stale(*, older_than: timedelta | None = None) -> list[int]:
    """Re-enqueue videos whose processing stopped reporting progress: their worker died.

    Called when a worker starts. A transcode that is alive updates ``updated_at`` with every
    percent, so only abandoned ones are older than the threshold; running one twice is safe anyway.
    """
    from media_pipeline.tasks import video_transcode_task

    threshold = timezone.now() - (older_than or timedelta(seconds=settings.TRANSCODE_STALE_SECONDS))
    stale = Video.objects.filter(
        status__in=[Video.Status.PROCESSING, Video.Status.PENDING], updated_at__lt=threshold
    ).values_list("pk", flat=True)
    video_ids = list(stale)
    for video_id in video_ids:
        enqueue(video_transcode_task, video_id=video_id)
    return video_ids


def video_retry(*, acting_user: Any, video: Video) -> None:
    """Queue another attempt for a failed video, or for one whose transcode stopped reporting progress."""
    from media_pipeline.tasks import video_transcode_task

    require_video_permission(acting_user, "change", video)
    with transaction.atomic(durable=True):
        current = Video.objects.select_for_update().get(pk=video.pk)
        if current.status == Video.Status.READY:
            raise VideoBusy(_("This video is ready: there is nothing to transcode again."))
        if not is_retryable(current):
            raise VideoBusy(
                _("This video is being transcoded already; wait until it is ready or has failed.")
            )
        current.status = Video.Status.PENDING
        current.percent_done = 0
        current.failure_reason = current.failure_detail = ""
        current.claimed_prefix = ""
        current.save(
            update_fields=[
                "status",
                "percent_done",
                "failure_reason",
                "failure_detail",
                "claimed_prefix",
                "updated_at",
            ]
        )
        audit_record(actor=acting_user, action="video.retried", target=current)
        enqueue_on_commit(video_transcode_task, video_id=current.pk)  # or queued again by a starting worker


def is_retryable(video: Video) -> bool:
    """Failed, or pending/processing without a sign of life for longer than a live transcode allows."""
    if video.status == Video.Status.FAILED:
        return True
    if video.status in (Video.Status.PENDING, Video.Status.PROCESSING):
        return video.updated_at < timezone.now() - timedelta(seconds=settings.TRANSCODE_STALE_SECONDS)
    return False
