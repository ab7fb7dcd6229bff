"""Celery tasks of the media pipeline; they take ids, re-fetch, and call one service."""

from __future__ import annotations

from celery import shared_task

from media_pipeline.storage_tree import SERVICE_ERRORS


@shared_task(acks_late=True, reject_on_worker_lost=True, queue="media")
def video_transcode_task(*, video_id: int) -> None:
    from media_pipeline.services.transcode import video_transcode_by_id

    video_transcode_by_id(video_id=video_id)


# Not on the media queue, where transcodes of an hour may be ahead of it. Storage away: try again
# later, up to about a day, rather than leave the files of a deleted video behind.
@shared_task(
    acks_late=True,
    queue="default",
    autoretry_for=(*SERVICE_ERRORS, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=30,
)
def video_files_delete_task(*, names: list[str], folder: str) -> None:
    from media_pipeline.services.upload import video_files_delete

    video_files_delete(names=names, folder=folder)
