"""Celery tasks of the media pipeline; they take ids, re-fetch, and call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, queue="media")
def video_transcode_task(*, video_id: int) -> None:
    from media_pipeline.services.transcode import video_transcode_by_id

    video_transcode_by_id(video_id=video_id)
