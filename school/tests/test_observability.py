"""Request ids in responses and log lines, JSON logs, task context, and the /metrics endpoint."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from prometheus_client import REGISTRY

from school import observability
from school.observability import ContextFilter, JsonFormatter, RequestIdMiddleware


def test_every_response_names_its_request(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21")["X-Request-ID"] == "lb-7f3a9c21"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")["X-Request-ID"]
    assert replaced != "<script>alert(1)</script>" and len(replaced) == 32


def test_log_lines_written_while_answering_carry_the_request_id():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(ContextFilter())
    log = logging.getLogger("school.tests.observability")
    log.addHandler(handler)
    try:

        def view(request):
            log.warning("inside")
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-12345678"))
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    assert response["X-Request-ID"] == "req-12345678"
    assert [(r.getMessage(), r.request_id) for r in records] == [("inside", "req-12345678"), ("outside", "")]


def test_json_logs_are_one_object_per_line_with_ids_and_extra_fields():
    record = logging.LogRecord("school.x", logging.INFO, __file__, 1, "转码 %s", ("完成",), None)
    record.request_id, record.task_id, record.video_id = "r1234567", "", 12
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "转码 完成"
    assert line["level"] == "INFO" and line["logger"] == "school.x"
    assert line["request_id"] == "r1234567" and line["video_id"] == 12
    assert "task_id" not in line  # empty context is left out


def test_a_task_logs_the_objects_it_serves_and_the_request_that_queued_it(caplog):
    task = SimpleNamespace(
        name="media_pipeline.video_transcode_task", request=SimpleNamespace(request_id="req-abcdefgh")
    )
    with caplog.at_level(logging.INFO, logger="school.tasks"):
        observability.task_started(task_id="t-1", task=task, kwargs={"video_id": 12, "force": True})
        assert observability.current_task.get() == "t-1"
        assert observability.current_request.get() == "req-abcdefgh"
        observability.task_finished(task=task, state="SUCCESS")
    started, finished = caplog.records
    assert "video_id=12" in started.getMessage() and "force" not in started.getMessage()
    assert "success" in finished.getMessage()
    assert observability.current_task.get() == ""
    labels = {"task": "media_pipeline.video_transcode_task", "state": "SUCCESS"}
    assert REGISTRY.get_sample_value("school_task_duration_seconds_count", labels) >= 1


def test_a_task_queued_during_a_request_carries_its_id():
    headers = {}
    token = observability.current_request.set("req-87654321")
    try:
        observability.task_publish(headers=headers)
    finally:
        observability.current_request.reset(token)
    assert headers["request_id"] == "req-87654321"
    untouched = {}
    observability.task_publish(headers=untouched)
    assert untouched == {}


def test_metrics_answer_loopback_with_request_latency_queues_and_videos(client, db):
    client.get("/healthz")
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'school_http_request_duration_seconds_count{method="GET",route="healthz",status="2xx"}' in body
    assert 'school_queue_messages{queue="default"}' in body
    assert "school_broker_up 1.0" in body
    assert "school_transcode_duration_seconds_count" in body


def test_metrics_are_hidden_from_other_addresses_unless_they_bring_the_token(settings, db):
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    outsider = Client(REMOTE_ADDR="203.0.113.5")
    assert outsider.get("/metrics").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert (
        outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus").status_code == 200
    )
    settings.METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    assert outsider.get("/metrics").status_code == 200


def test_metrics_are_not_local_when_a_proxy_on_this_host_forwarded_the_request(settings, db):
    settings.TRUSTED_PROXY_COUNT = 0
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert through_proxy.get("/metrics").status_code == 404
    settings.TRUSTED_PROXY_COUNT = 1  # REMOTE_ADDR becomes the client's own address: still not local
    assert through_proxy.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_transcode_durations_are_read_from_the_videos():
    import datetime

    from django.utils import timezone

    from media_pipeline.models import Video

    now = timezone.now()
    for seconds in (20, 100):
        Video.objects.create(
            title="党课",
            source="videos/x.mp4",
            status=Video.Status.READY,
            processing_started_at=now - datetime.timedelta(seconds=seconds),
            ready_at=now,
        )
    body = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert "school_transcode_duration_seconds_count 2.0" in body
    assert 'school_transcode_duration_seconds_bucket{le="30.0"} 1.0' in body
    assert 'school_videos{status="ready"} 2.0' in body
