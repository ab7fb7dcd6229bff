"""Members' exam pages over HTTP: access, the autosave API, and that no answer reaches the browser early."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams.models import Attempt, Exam
from exams.tests import factories
from school.tests.helpers import client_for
from tests.e2e.helpers import zh

SECRET_EXPLANATION = "解析：党章总纲规定的最高理想"


@pytest.fixture
def leak_exam(org_tree, bank, instructor) -> Exam:
    """Questions whose keys are easy to spot if they leak: a unique fill-in answer and explanation."""
    fill = factories.fill_in(bank.category, blanks=[["独一无二的填空答案"]], explanation=SECRET_EXPLANATION)
    single = factories.single_choice(bank.category, explanation=SECRET_EXPLANATION)
    return factories.exam(
        org_tree.committee,
        questions=[single, fill, bank.truefalse],
        created_by=instructor,
        review_correctness=Exam.Review.NEVER,
        review_answers=Exam.Review.NEVER,
        review_explanations=Exam.Review.NEVER,
        shuffle_options=True,
    )


def start(client: Client, exam: Exam) -> Attempt:
    response = client.post(reverse("exams:start", args=[exam.pk]))
    assert response.status_code == 302
    return Attempt.objects.get(exam=exam, state=Attempt.State.IN_PROGRESS)


def page_config(client: Client, attempt: Attempt) -> tuple[str, dict]:
    html = client.get(reverse("exams:attempt", args=[attempt.public_id])).content.decode()
    raw = re.search(r'<script id="attempt-config" type="application/json">(.*?)</script>', html, re.S).group(
        1
    )
    return html, json.loads(raw)


def post_json(client: Client, url: str, body) -> tuple[int, dict]:
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_exam_list_shows_open_exams_to_their_audience_only(org_tree, bank, learner, member_a2):
    factories.exam(org_tree.branch_a1, questions=bank.objective, title="第一支部的考试")
    factories.exam(org_tree.branch_a2, questions=bank.objective, title="第二支部的考试")
    page = client_for(learner).get(reverse("exams:index")).content.decode()
    assert "第一支部的考试" in page
    assert "第二支部的考试" not in page


def test_exam_of_another_branch_is_a_404(org_tree, bank, learner):
    other = factories.exam(org_tree.branch_b1, questions=bank.objective)
    client = client_for(learner)
    assert client.get(reverse("exams:detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("exams:start", args=[other.pk])).status_code == 404
    assert not Attempt.objects.exists()


def test_the_attempt_page_carries_no_answer_key(leak_exam, learner):
    client = client_for(learner)
    attempt = start(client, leak_exam)
    html, config = page_config(client, attempt)
    assert "独一无二的填空答案" not in html
    assert SECRET_EXPLANATION not in html
    assert "fraction" not in html and "correct" not in json.dumps(config)
    assert "version" not in json.dumps(config) and "data-version" not in html


def test_correct_and_wrong_options_are_marked_up_alike(leak_exam, learner):
    client = client_for(learner)
    html, _config = page_config(client, start(client, leak_exam))
    single = html.split('data-kind="single"')[1].split("</fieldset>")[0]
    options = re.findall(r'<li><label class="option">(.*?)</label></li>', single, re.S)
    shapes = {re.sub(r'value="\d"|<span class="option__(label|text)">.*?</span>', "", o) for o in options}
    assert len(options) == 4 and len(shapes) == 1


def test_result_page_follows_the_review_rules(leak_exam, learner):
    client = client_for(learner)
    attempt = start(client, leak_exam)
    _html, config = page_config(client, attempt)
    post_json(client, config["submitUrl"], {"writer": config["writer"]})
    page = client.get(reverse("exams:result", args=[attempt.public_id])).content.decode()
    assert "独一无二的填空答案" not in page and SECRET_EXPLANATION not in page
    assert "is-correct" not in page
    Exam.objects.filter(pk=leak_exam.pk).update(
        review_answers=Exam.Review.IMMEDIATELY, review_explanations=Exam.Review.IMMEDIATELY
    )
    page = client.get(reverse("exams:result", args=[attempt.public_id])).content.decode()
    assert "独一无二的填空答案" in page and SECRET_EXPLANATION in page


def test_answers_shown_after_close_only_once_the_exam_has_closed(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    post_json(client, config["submitUrl"], {"writer": config["writer"], "seq": 1, "answers": {"3": ["错的"]}})
    assert "全国代表大会" not in client.get(config["resultUrl"]).content.decode()
    Exam.objects.filter(pk=objective_exam.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "全国代表大会" in client.get(config["resultUrl"]).content.decode()


def test_autosave_api_saves_and_reports_stale_writes_as_409(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    body = {"writer": config["writer"], "seq": 1, "answers": {"0": [1]}}
    assert post_json(client, config["saveUrl"], body) == (200, {"seq": 1, "duplicate": False})
    assert post_json(client, config["saveUrl"], body) == (200, {"seq": 1, "duplicate": True})
    status, data = post_json(client, config["saveUrl"], {**body, "answers": {"0": [2]}})
    assert status == 409 and data["error"] == "stale"
    _html, newer = page_config(client, attempt)  # a second tab
    status, data = post_json(client, config["saveUrl"], {**body, "seq": 2})
    assert status == 409 and data["error"] == "other_window" and "另一个窗口" in data["detail"]


def test_malformed_bodies_get_400_and_change_nothing(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    response = client.post(config["saveUrl"], data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    status, _data = post_json(client, config["saveUrl"], [1, 2])
    assert status == 400
    status, data = post_json(
        client, config["saveUrl"], {"writer": config["writer"], "seq": 1, "answers": {"42": [0]}}
    )
    assert status == 400 and data["error"] == "bad_answer"
    assert not attempt.answers.exists()


def test_another_members_attempt_cannot_be_read_or_written(objective_exam, learner, member_a2):
    owner = client_for(learner)
    attempt = start(owner, objective_exam)
    _html, config = page_config(owner, attempt)
    intruder = client_for(member_a2.user)
    assert intruder.get(reverse("exams:attempt", args=[attempt.public_id])).status_code == 404
    body = {"writer": config["writer"], "seq": 1, "answers": {"0": [0]}}
    assert (
        intruder.post(config["saveUrl"], json.dumps(body), content_type="application/json").status_code == 404
    )
    assert (
        intruder.post(config["submitUrl"], json.dumps(body), content_type="application/json").status_code
        == 404
    )
    assert intruder.get(config["resultUrl"]).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open and not attempt.answers.exists()


def test_saves_need_the_csrf_token(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    body = json.dumps({"writer": config["writer"], "seq": 1, "answers": {"0": [0]}})
    assert strict.post(config["saveUrl"], body, content_type="application/json").status_code == 403
    ok = strict.post(
        config["saveUrl"], body, content_type="application/json", HTTP_X_CSRFTOKEN=config["csrfToken"]
    )
    assert ok.status_code == 200


def test_submit_over_http_is_idempotent_and_leads_to_the_result(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    body = {
        "writer": config["writer"],
        "seq": 1,
        "answers": {"0": [0], "1": [0, 1, 2], "2": True, "3": ["全国代表大会"]},
    }
    first = post_json(client, config["submitUrl"], body)
    second = post_json(client, config["submitUrl"], body)
    assert first == second == (200, {"state": "submitted", "resultUrl": config["resultUrl"]})
    page = client.get(config["resultUrl"]).content.decode()
    assert "<b>4</b> / 4" in page
    assert client.get(reverse("exams:attempt", args=[attempt.public_id])).status_code == 302


def test_opening_an_overdue_attempt_submits_it(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=10))
    response = client.get(reverse("exams:attempt", args=[attempt.public_id]))
    assert response.status_code == 302 and response.url.endswith("/result")
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED and attempt.finished_by == Attempt.Finish.DEADLINE


def test_an_autosave_costs_a_fixed_handful_of_queries(objective_exam, learner, django_assert_max_num_queries):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    answers = {"0": [1], "1": [0, 2], "2": False, "3": ["甲"]}
    with django_assert_max_num_queries(10):
        status, _data = post_json(
            client, config["saveUrl"], {"writer": config["writer"], "seq": 1, "answers": answers}
        )
    assert status == 200


def test_scores_stay_hidden_everywhere_when_the_rules_say_never(objective_exam, learner):
    Exam.objects.filter(pk=objective_exam.pk).update(
        review_score=Exam.Review.NEVER, review_correctness=Exam.Review.NEVER, review_answers=Exam.Review.NEVER
    )
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    right = {"0": [0], "1": [0, 1, 2], "2": True, "3": ["全国代表大会"]}
    post_json(client, config["submitUrl"], {"writer": config["writer"], "seq": 1, "answers": right})
    for url in (
        reverse("exams:detail", args=[objective_exam.pk]),
        reverse("exams:index"),
        reverse("my_learning"),
    ):
        page = client.get(url).content.decode()
        assert "100%" not in page and zh("Passed") not in page, url


def test_answers_shown_after_close_wait_for_the_grace_period(objective_exam, learner):
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    post_json(client, config["submitUrl"], {"writer": config["writer"], "seq": 1, "answers": {"3": ["错的"]}})
    Exam.objects.filter(pk=objective_exam.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert "全国代表大会" not in client.get(config["resultUrl"]).content.decode()  # grace is 60 s


def test_every_autosave_outcome_is_counted_for_the_metrics(objective_exam, learner):
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        labels = {"kind": "autosave", "outcome": outcome}
        return REGISTRY.get_sample_value("school_exam_saves_total", labels) or 0.0

    before = {outcome: count(outcome) for outcome in ("saved", "duplicate", "stale")}
    client = client_for(learner)
    attempt = start(client, objective_exam)
    _html, config = page_config(client, attempt)
    body = {"writer": config["writer"], "seq": 1, "answers": {"0": [1]}}
    post_json(client, config["saveUrl"], body)
    post_json(client, config["saveUrl"], body)
    post_json(client, config["saveUrl"], {**body, "answers": {"0": [2]}})
    assert {outcome: count(outcome) - before[outcome] for outcome in before} == {
        "saved": 1,
        "duplicate": 1,
        "stale": 1,
    }
