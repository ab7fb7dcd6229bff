"""Request ids and task ids in every log line, JSON logs, and the timing of requests and tasks.

Each request gets an id (the proxy's ``X-Request-ID`` when it sent a sane one, otherwise a new one),
returned in the ``X-Request-ID`` response header and written on every log line of that request. A Celery
task queued during the request carries it in its headers, so the worker's lines name both the task id
and the request that caused it; the task's start line names the objects it serves (its keyword
arguments, ids by convention: ``video_id=12``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from school import metrics

current_request: contextvars.ContextVar[str] = contextvars.ContextVar("current_request", default="")
current_task: contextvars.ContextVar[str] = contextvars.ContextVar("current_task", default="")

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("school.requests")
task_logger = logging.getLogger("school.tasks")


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` (empty outside a request or task) to every record, and
    ``context`` for plain lines: ``req:<id>``, ``task:<id> req:<id>`` or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request.get()
        record.task_id = current_task.get()
        parts = [f"task:{record.task_id}"] if record.task_id else []
        if record.request_id:
            parts.append(f"req:{record.request_id}")
        record.context = " ".join(parts) or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, and the record's ``extra`` fields."""

    STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "context"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self.STANDARD and value not in ("", None):
                line[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _route(request: HttpRequest) -> str:
    """The URL pattern (``exams/attempts/<uuid:attempt_id>/save/``), never the path itself: a
    label per path would grow without bound. Requests answered before routing (static files) are
    ``unmatched``: resolving them again here would cost every static file a URL lookup."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


class RequestIdMiddleware:
    """First in the chain: the id, the latency histogram and one access line per slow or failed request."""

    SLOW_SECONDS = 1.0

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        token = current_request.set(given if SANE_ID.match(given) else uuid.uuid4().hex)
        request.request_id = current_request.get()
        started = time.perf_counter()
        try:
            response = self.get_response(request)  # Django turns a view's exception into a 500 response
            seconds = time.perf_counter() - started
            response[HEADER] = request.request_id
            route = _route(request)
            metrics.request_observe(
                method=request.method, route=route, status=response.status_code, seconds=seconds
            )
            if response.status_code >= 500 or seconds >= self.SLOW_SECONDS:
                logger.warning(
                    "%s %s %s in %.0f ms",
                    request.method,
                    route,
                    response.status_code,
                    seconds * 1000,
                    extra={"status": response.status_code, "duration_ms": round(seconds * 1000)},
                )
            return response
        finally:
            current_request.reset(token)


# Celery ------------------------------------------------------------------------------------------


def task_publish(headers: dict | None = None, **_kwargs: Any) -> None:
    """``before_task_publish``: the request (or task) that queued a task travels with it."""
    if headers is not None and (current_request.get() or current_task.get()):
        headers.setdefault("request_id", current_request.get() or f"task:{current_task.get()}")


def task_started(task_id: str | None = None, task: Any = None, kwargs: dict | None = None, **_: Any) -> None:
    current_task.set(task_id or "")
    current_request.set(getattr(task.request, "request_id", None) or "")
    task.request._started = time.perf_counter()  # noqa: SLF001 (the request object is ours to annotate)
    objects = {
        key: value for key, value in (kwargs or {}).items() if key.endswith("_id") or key.endswith("_ids")
    }
    task_logger.info(
        "task %s started for %s",
        task.name,
        ", ".join(f"{key}={value}" for key, value in objects.items()) or "-",
        extra={"task": task.name, **{f"arg_{key}": str(value) for key, value in objects.items()}},
    )


def task_finished(task: Any = None, state: str | None = None, **_: Any) -> None:
    started = getattr(task.request, "_started", None)
    seconds = time.perf_counter() - started if started is not None else 0.0
    metrics.task_observe(name=task.name, state=state or "UNKNOWN", seconds=seconds)
    task_logger.info(
        "task %s %s in %.0f ms",
        task.name,
        (state or "").lower(),
        seconds * 1000,
        extra={"task": task.name, "state": state, "duration_ms": round(seconds * 1000)},
    )
    current_task.set("")
    current_request.set("")


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(task_publish, weak=False)
    signals.task_prerun.connect(task_started, weak=False)
    signals.task_postrun.connect(task_finished, weak=False)
