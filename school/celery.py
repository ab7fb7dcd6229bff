"""The Celery application: queues ``default`` and ``media``.

In embedded mode the broker is kombu's filesystem transport under var/broker and
``make run`` starts a real worker process; in production it is Redis or RabbitMQ.
"""

import os

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")

QUEUES = ("default", "media")

app = Celery("school")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.autodiscover_tasks()

from school.observability import connect_celery_signals  # noqa: E402 (after the app exists)

connect_celery_signals()


@signals.setup_logging.connect
def keep_django_logging(**_kwargs) -> None:
    """Workers log through settings.LOGGING (request and task ids, LOG_FORMAT) to stderr, like the web
    processes, instead of Celery's own format: run them under systemd (journald) or redirect stderr."""
