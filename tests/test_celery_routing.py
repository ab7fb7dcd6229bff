"""Each task reaches exactly one queue: the one it is routed to."""

from __future__ import annotations

import pytest

from media_pipeline.tasks import video_files_delete_task, video_transcode_task
from school.celery import QUEUES
from school.celery import app as celery_app


def queue_sizes(connection) -> dict[str, int]:
    channel = connection.default_channel
    return {name: channel.queue_declare(queue=name, passive=True).message_count for name in QUEUES}


@pytest.fixture
def connection():
    """kombu's in-memory transport routes exactly like the filesystem and Redis transports."""
    with celery_app.connection_for_write("memory://") as conn:
        for queue in celery_app.amqp.queues.values():
            queue(conn.default_channel).declare()
            queue(conn.default_channel).purge()
        yield conn


@pytest.mark.parametrize(
    ("task_name", "options", "expected"),
    [
        ("school.ping", {}, "default"),
        ("school.ping", {"queue": "media"}, "media"),
        ("media_pipeline.tasks.transcode", {}, "media"),  # by CELERY_TASK_ROUTES
    ],
)
def test_a_task_is_delivered_to_its_queue_only(connection, task_name, options, expected):
    celery_app.send_task(task_name, connection=connection, **options)
    assert queue_sizes(connection) == {name: int(name == expected) for name in QUEUES}


@pytest.mark.parametrize(
    ("task", "kwargs", "expected"),
    [
        (video_transcode_task, {"video_id": 1}, "media"),
        (video_files_delete_task, {"names": [], "folder": "videos/hls/1"}, "default"),
    ],
)
def test_media_pipeline_tasks_reach_their_queue(connection, task, kwargs, expected):
    task.apply_async(kwargs=kwargs, connection=connection)
    assert queue_sizes(connection) == {name: int(name == expected) for name in QUEUES}
