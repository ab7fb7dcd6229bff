"""Signal handlers of the media pipeline, connected in ``MediaPipelineConfig.ready``."""

from __future__ import annotations

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


def requeue_abandoned_transcodes(sender=None, **kwargs) -> None:
    """A worker killed mid-transcode leaves its video ``processing``; the next worker to start
    re-queues it (the Redis broker would redeliver it too, the filesystem broker does not)."""
    from media_pipeline.services.transcode import video_requeue_stale

    try:
        requeued = video_requeue_stale()
    except Exception:  # a worker must start even if the database is briefly away
        logger.exception("could not look for abandoned transcodes")
        return
    if requeued:
        logger.warning("re-queued abandoned transcodes of videos %s", requeued)


def sweep_abandoned_work_folders(sender=None, **kwargs) -> None:
    """A killed worker leaves its work folder (a source copy, a partial ladder) on this host's disk."""
    from media_pipeline.workspace import sweep_abandoned_workspaces

    try:
        removed = sweep_abandoned_workspaces()
    except OSError:
        logger.exception("could not sweep abandoned transcode work folders")
        return
    if removed:
        logger.warning("removed work folders of dead transcodes: %s", removed)


def connect() -> None:
    worker_ready.connect(
        sweep_abandoned_work_folders, weak=False, dispatch_uid="sweep_abandoned_work_folders"
    )
    worker_ready.connect(
        requeue_abandoned_transcodes, weak=False, dispatch_uid="requeue_abandoned_transcodes"
    )
