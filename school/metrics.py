"""Prometheus metrics at ``/metrics`` (text format).

Counted in the processes that serve (prometheus_client's multiprocess mode: every gunicorn worker and
every Celery process of a host writes its own file under ``PROMETHEUS_MULTIPROC_DIR``, the endpoint adds
them up):

- ``school_http_request_duration_seconds`` by method, URL pattern and status class;
- ``school_exam_saves_total`` by kind (autosave, submit) and outcome (saved, duplicate, or the refusal's
  code: stale, closed, …);
- ``school_task_duration_seconds`` by task and final state.

Read when scraped, the same on every host because they come from the shared services:

- ``school_queue_messages`` waiting per Celery queue (``school_broker_up`` 0 when the broker does not
  answer);
- ``school_transcode_duration_seconds`` of every finished transcode (processing start to ready), and
  ``school_videos`` by status.

The endpoint answers only loopback and ``METRICS_ALLOWED_NETWORKS``, or a request bearing
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

# prometheus_client picks multiprocess mode when imported: the settings (which set
# PROMETHEUS_MULTIPROC_DIR) must be loaded first, also in a Celery process that imports this early.
_loaded = settings.VAR_DIR

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest  # noqa: E402
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily  # noqa: E402
from prometheus_client.exposition import CONTENT_TYPE_LATEST  # noqa: E402

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TASK_BUCKETS = (0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)
TRANSCODE_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600)

REQUESTS = Histogram(
    "school_http_request_duration_seconds",
    "Time to answer a request, by method, URL pattern and status class.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
EXAM_SAVES = Counter(
    "school_exam_saves",
    "Exam answer writes by kind (autosave, submit) and outcome (saved, duplicate or the refusal's code).",
    ["kind", "outcome"],
)
ENQUEUE_FAILURES = Counter(
    "school_enqueue_failures",
    "Tasks that could not be queued because the broker did not answer, by task.",
    ["task"],
)
TASKS = Histogram(
    "school_task_duration_seconds",
    "Time a Celery task ran, by task and final state.",
    ["task", "state"],
    buckets=TASK_BUCKETS,
)


def request_observe(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=f"{status // 100}xx").observe(seconds)


def exam_save_count(*, kind: str, outcome: str) -> None:
    EXAM_SAVES.labels(kind=kind, outcome=outcome).inc()


def enqueue_failure_count(*, task: str) -> None:
    ENQUEUE_FAILURES.labels(task=task).inc()


def task_observe(*, name: str, state: str, seconds: float) -> None:
    TASKS.labels(task=name, state=state).observe(seconds)


# read when scraped -------------------------------------------------------------------------------


class SharedStateCollector:
    """Queue depth from the broker and transcodes from the database, at scrape time."""

    def collect(self) -> Iterator:
        yield from self._queues()
        yield from self._videos()

    def _queues(self) -> Iterator:
        from school.celery import QUEUES, app

        waiting = GaugeMetricFamily(
            "school_queue_messages", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("school_broker_up", "1 when the broker answered the last scrape.")
        try:
            with app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
                channel = connection.default_channel
                for queue in QUEUES:
                    # Not passive: an empty queue does not exist for Redis (a passive declare would fail).
                    _name, count, _consumers = channel.queue_declare(queue=queue, passive=False)
                    waiting.add_metric([queue], count)
            up.add_metric([], 1)
        except Exception as error:  # any broker failure: the scrape still answers
            logger.warning("metrics: the broker did not answer: %s", error)
            up.add_metric([], 0)
        yield waiting
        yield up

    def _videos(self) -> Iterator:
        from django.db.models import Count, DurationField, ExpressionWrapper, F

        from media_pipeline.models import Video

        videos = GaugeMetricFamily("school_videos", "Videos by status.", labels=["status"])
        for row in Video.objects.values("status").annotate(n=Count("pk")).order_by("status"):
            videos.add_metric([row["status"]], row["n"])
        yield videos
        durations = (
            Video.objects.filter(ready_at__isnull=False, processing_started_at__isnull=False)
            .annotate(
                took=ExpressionWrapper(
                    F("ready_at") - F("processing_started_at"), output_field=DurationField()
                )
            )
            .values_list("took", flat=True)
        )
        counts = [0] * len(TRANSCODE_BUCKETS)
        total, seconds_sum = 0, 0.0
        for took in durations.iterator(chunk_size=2000):
            seconds = max(took.total_seconds(), 0.0)
            total += 1
            seconds_sum += seconds
            for index, bound in enumerate(TRANSCODE_BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
        buckets = [(str(float(bound)), count) for bound, count in zip(TRANSCODE_BUCKETS, counts, strict=True)]
        yield HistogramMetricFamily(
            "school_transcode_duration_seconds",
            "Time from the start of processing to ready, of every video transcoded.",
            buckets=[*buckets, ("+Inf", total)],
            sum_value=seconds_sum,
        )


def registry() -> CollectorRegistry:
    """The processes' metrics added up (multiprocess mode) and the shared state."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:  # one process (a shell, a test): its own metrics
        for metric in (REQUESTS, EXAM_SAVES, ENQUEUE_FAILURES, TASKS):
            registry.register(metric)
    registry.register(SharedStateCollector())
    return registry


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    # A proxy on this host forwards everyone from 127.0.0.1: unless TRUSTED_PROXY_COUNT made
    # REMOTE_ADDR the client's, a forwarded request is not a local one.
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META and not settings.TRUSTED_PROXY_COUNT
    if address.is_loopback and not forwarded:
        return True
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
