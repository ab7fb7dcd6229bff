"""Fault: the broker (Redis) is down while a whole 党委 sits its exam. Logging in, saving and submitting
only need the database: they must succeed, and the work that would have been queued is caught up later
(a certificate's PDF is rendered at its first download)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError
from prometheus_client import REGISTRY

from exams.models import Attempt, Certificate
from exams.tests import factories
from exams.tests.test_member_views import page_config, post_json, start
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker_down(monkeypatch) -> list[str]:
    """Every enqueue fails the way kombu fails when Redis does not answer; the task names are kept."""
    refused: list[str] = []

    def refuse(task, *args, **kwargs):
        refused.append(task.name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("celery.app.task.Task.apply_async", refuse)
    return refused


def failures(task: str) -> float:
    return REGISTRY.get_sample_value("school_enqueue_failures_total", {"task": task}) or 0.0


def test_an_exam_is_sat_submitted_and_certified_with_the_broker_down(org_tree, bank, learner, broker_down):
    exam = factories.exam(org_tree.committee, questions=bank.objective, is_graduation=True, pass_percent=0)
    render_failures = failures("exams.tasks.certificate_render_task")
    client = client_for(learner)  # logging in queues the daily-login points
    client.raise_request_exception = False
    attempt = start(client, exam)
    _html, config = page_config(client, attempt)
    body = {"writer": config["writer"], "seq": 1, "answers": {"0": [1]}}
    assert post_json(client, config["saveUrl"], body) == (200, {"seq": 1, "duplicate": False})
    submitted = client.post(
        config["submitUrl"],
        data=json.dumps({"writer": config["writer"], "seq": 2, "answers": {"1": [0]}}),
        content_type="application/json",
    )
    assert submitted.status_code == 200, submitted.content[:300]
    attempt.refresh_from_db()
    assert attempt.state != Attempt.State.IN_PROGRESS
    answered = {answer.position: answer.response for answer in attempt.answers.all() if answer.response}
    assert answered == {0: [1], 1: [0]}
    assert "school.tasks.points_award_task" in broker_down
    assert "exams.tasks.certificate_render_task" in broker_down
    assert failures("exams.tasks.certificate_render_task") == render_failures + 1
    assert client.get(config["resultUrl"]).status_code == 200
    certificate = Certificate.objects.get(member__user=learner, exam=exam)
    pdf = client.get(reverse("exams:certificate_pdf", args=[certificate.verification_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
