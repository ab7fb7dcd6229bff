"""Queueing Celery work so that a broker outage never breaks the request that made the write.

Work is queued after the write commits; if the broker (Redis) does not answer, the write stands, the
failure is logged with the task and its ids and counted (``school_enqueue_failures_total``), and the
caller may record it (``on_failure``). What is lost this way is caught up elsewhere: a certificate's PDF
is rendered at its first download, pending videos are queued again by every worker that starts,
``manage.py search_check``/``search_reindex`` repair the index, a report export is marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import KombuError

from school import metrics

logger = logging.getLogger(__name__)


def enqueue(task: Any, /, *, on_failure: Callable[[], None] | None = None, **kwargs: Any) -> bool:
    """``task.delay(**kwargs)``; False (logged, counted, ``on_failure`` called) when the broker refused."""
    try:
        task.delay(**kwargs)
    except (KombuError, OSError) as error:
        logger.error("could not queue %s %s: %s", task.name, kwargs, error, extra={"task": task.name})
        metrics.enqueue_failure_count(task=task.name)
        if on_failure is not None:
            on_failure()
        return False
    return True


def enqueue_on_commit(task: Any, /, *, on_failure: Callable[[], None] | None = None, **kwargs: Any) -> None:
    """``enqueue`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, on_failure=on_failure, **kwargs))
