"""Enrolling from the course page, and the lesson page's study endpoints as a browser uses them."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import CoursePage, Enrollment, LessonProgress
from courses.tests import factories
from media_pipeline.models import Video
from media_pipeline.tests.factories import VideoFactory
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    course = factories.course("学习党章")
    video = VideoFactory(status=Video.Status.READY, duration=100.0, output_prefix="videos/hls/1/x")
    return factories.lesson(course, "第一讲", video=video, body=[])


def study_config(client: Client, lesson) -> dict:
    response = client.get(lesson.url)
    assert response.status_code == 200
    return response.context["study"]


def start(client: Client, lesson) -> str:
    config = study_config(client, lesson)
    response = client.post(config["startUrl"], {"csrfmiddlewaretoken": config["csrf"]})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def beat(client: Client, token: str, **fields) -> tuple[int, dict]:
    data = {"seq": 1, "event": "tick", "intervals": [], "position": 0} | fields
    response = client.post(reverse("courses:study_beat"), {"token": token, "beat": json.dumps(data)})
    return response.status_code, response.json()


def test_a_member_enrols_in_an_open_course_from_its_page(learner, member_a1):
    course = factories.course("学习党章")
    client = client_for(learner)
    assert "报名学习" in client.get(course.url).content.decode()
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert Enrollment.objects.get(member=member_a1, course=course).status == "active"
    assert "开始学习" in response.content.decode() or "已报名" in response.content.decode()


def test_a_member_applies_for_a_course_by_approval(learner, member_a1):
    course = factories.course("审批课程", enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    client = client_for(learner)
    assert "申请学习" in client.get(course.url).content.decode()
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert Enrollment.objects.get(member=member_a1, course=course).status == "pending"
    assert "等待审核" in response.content.decode()


def test_enrolling_in_an_assigned_course_is_refused_with_the_reason(learner, member_a1):
    course = factories.course("专题班", enrollment_mode=CoursePage.EnrollmentMode.ASSIGNED)
    client = client_for(learner)
    response = client.post(reverse("courses:enrol", args=[course.pk]), follow=True)
    assert "党组织指派" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_enrolling_needs_a_post(learner):
    course = factories.course("学习党章")
    assert client_for(learner).get(reverse("courses:enrol", args=[course.pk])).status_code == 405


def test_a_course_for_another_branch_cannot_be_enrolled_by_guessing_its_id(member_a2, org_tree):
    course = factories.course("一支部课程", access="org_units", org_units=[org_tree.branch_a1])
    response = client_for(member_a2.user).post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_the_lesson_page_carries_the_study_script_for_members_only(learner, lesson):
    html = client_for(learner).get(lesson.url).content.decode()
    assert "courses/js/study.js" in html and 'id="study-config"' in html
    anonymous = Client().get(lesson.url)
    assert anonymous.status_code in (200, 302)
    assert "study-config" not in anonymous.content.decode()


def test_heartbeats_from_the_page_record_watched_parts(learner, member_a1, lesson):
    client = client_for(learner)
    token = start(client, lesson)
    status, data = beat(client, token, intervals=[[0, 1.5]], position=1.5)
    assert status == 200, data
    assert data["watched"] == [[0, 1.5]]
    progress = LessonProgress.objects.get(member=member_a1, lesson=lesson)
    assert progress.position == 1.5


def test_the_player_resumes_where_the_server_says(learner, member_a1, lesson):
    LessonProgress.objects.create(member=member_a1, lesson=lesson, position=42.0, duration=100)
    config = client_for(learner).get(lesson.url).context["player"]["config"]
    assert config["resumeAt"] == 42.0


def test_a_heartbeat_without_the_csrf_token_is_refused(learner, lesson):
    token = start(client_for(learner), lesson)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(reverse("courses:study_beat"), {"token": token, "beat": json.dumps({"seq": 1})})
    assert response.status_code == 403


def test_a_token_carried_to_another_browser_is_refused(learner, lesson):
    token = start(client_for(learner), lesson)
    status, data = beat(client_for(learner), token, intervals=[[0, 1]])
    assert (status, data["error"]) == (403, "unknown")


def test_a_heartbeat_without_a_login_is_refused(learner, lesson):
    token = start(client_for(learner), lesson)
    status, _data = beat(Client(), token, intervals=[[0, 1]])
    assert status == 403


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"seq": "1"}),
        json.dumps({"seq": 1, "event": "x"}),
        "[" * 5000,
    ],
    ids=["not json", "a list", "seq as text", "unknown event", "deeply nested"],
)
def test_a_malformed_heartbeat_is_a_400(learner, lesson, payload):
    client = client_for(learner)
    token = start(client, lesson)
    response = client.post(reverse("courses:study_beat"), {"token": token, "beat": payload})
    assert response.status_code == 400
    assert not LessonProgress.objects.exists()


def test_an_oversized_heartbeat_is_a_400(learner, lesson):
    client = client_for(learner)
    token = start(client, lesson)
    status, _data = beat(client, token, intervals=[[0, 1]] * 2000)
    assert status == 400


def test_an_impossible_claim_is_a_422_and_changes_nothing(learner, lesson):
    client = client_for(learner)
    token = start(client, lesson)
    status, data = beat(client, token, intervals=[[0, 90]])
    assert (status, data["error"]) == (422, "too_fast")
    assert not LessonProgress.objects.exists()


def test_studying_a_lesson_the_member_may_not_read_is_refused(member_a2, org_tree):
    course = factories.course("一支部课程", access="org_units", org_units=[org_tree.branch_a1])
    lesson = factories.lesson(course)
    response = client_for(member_a2.user).post(reverse("courses:study_start", args=[lesson.pk]))
    assert response.status_code == 403


def test_starting_to_study_while_an_application_waits_says_so(learner, member_a1):
    course = factories.course("审批课程", enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    lesson = factories.lesson(course)
    Enrollment.objects.create(member=member_a1, course=course, status="pending", source="applied")
    response = client_for(learner).post(reverse("courses:study_start", args=[lesson.pk]))
    assert response.status_code == 409
    assert "等待审核" in response.json()["message"]


def test_the_course_page_shows_progress_and_where_to_continue(learner, member_a1):
    course = factories.course("学习党章")
    first, second = factories.lesson(course, "第一讲"), factories.lesson(course, "第二讲")
    Enrollment.objects.create(member=member_a1, course=course)
    LessonProgress.objects.create(member=member_a1, lesson=first, completed_at="2026-11-20T10:00:00+08:00")
    response = client_for(learner).get(course.url)
    assert response.context["study"]["done"] == 1
    assert response.context["study"]["continue_lesson"].pk == second.pk
    assert 'aria-valuenow="50"' in response.content.decode()
