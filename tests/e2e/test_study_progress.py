"""A member studies a video lesson on a phone in Debian Chromium: the watched-parts bar fills as the
video plays, skipped parts stay gaps, and watching to the end completes the lesson and the course.

Screenshots go to test-artifacts/study-progress/.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import CreditHourEntry, Enrollment, LessonProgress
from courses.tests.factories import video_lesson
from school.tests.factories import MemberFactory
from tests.e2e.helpers import HLS_READY, log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "study-progress"


@pytest.fixture
def member(org_tree, site_tree):
    return MemberFactory(org_unit=org_tree.branch_a1, real_name="学习者")


@pytest.fixture
def lesson(transcoded_clip):
    page = video_lesson(transcoded_clip, course_title="党章学习专题")
    course = page.get_parent().specific
    course.credit_hours = Decimal("1.5")
    course.save_revision().publish()
    return page


def open_lesson(page, live_server, member, lesson) -> None:
    log_in(page, live_server, member.user)
    page.goto(live_server.url + lesson.url)
    page.wait_for_function(HLS_READY)


def bar_parts(page) -> int:
    return page.locator(".watched-bar span").count()


def test_watching_to_the_end_completes_the_lesson_and_the_course(live_server, phone_page, member, lesson):
    page = phone_page
    open_lesson(page, live_server, member, lesson)
    page.locator(".player__big-play").click()
    page.wait_for_selector(".study-panel.is-complete", timeout=30_000)
    assert page.locator(".study-panel__done").is_visible()
    assert page.locator(".study-panel__course-done").is_visible()
    assert page.locator("[data-study-percent]").inner_text() == "100"
    screenshot(page, SCREENSHOTS, "lesson-375-completed.png")
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.completed_at is not None and progress.watched_seconds >= 7.2
    assert Enrollment.objects.get(member=member).status == "completed"
    assert CreditHourEntry.objects.get(member=member).hours == Decimal("1.5")
    page.goto(live_server.url + lesson.get_parent().url)
    assert zh("Course completed") in page.locator(".enrollment-panel").inner_text()
    screenshot(page, SCREENSHOTS, "course-375-completed.png")
    page.goto(live_server.url + reverse("my_learning"))
    assert page.locator(".annual-hours__figure b").inner_text() == "1.5"
    assert page.locator(".my-course .badge").inner_text() == zh("Completed")
    screenshot(page, SCREENSHOTS, "my-learning-375.png")


def test_skipping_ahead_leaves_a_gap_that_does_not_count(live_server, phone_page, member, lesson):
    page = phone_page
    open_lesson(page, live_server, member, lesson)
    page.locator(".player__big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 2")
    page.evaluate("document.querySelector('video').currentTime = 6")
    page.wait_for_function("() => document.querySelector('video').ended")
    page.wait_for_function("() => document.querySelectorAll('.watched-bar span').length === 2")
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.completed_at is None
    assert 3.5 < progress.watched_seconds < 5.5  # about 2 s before the jump and 2 s after it
    assert len(progress.watched) == 2
    assert not page.locator(".study-panel").evaluate("el => el.classList.contains('is-complete')")
    screenshot(page, SCREENSHOTS, "lesson-375-gap.png")


def test_the_position_follows_the_member_to_another_device(
    live_server, phone_page, desktop_page, member, lesson
):
    open_lesson(phone_page, live_server, member, lesson)
    phone_page.locator(".player__big-play").click()
    phone_page.wait_for_function("() => document.querySelector('video').currentTime > 5")
    with phone_page.expect_response(lambda response: "/study/beat/" in response.url) as beat:
        phone_page.locator("[data-action='toggle-play']").click()
    assert beat.value.status == 200
    at = phone_page.evaluate("document.querySelector('video').currentTime")
    assert abs(LessonProgress.objects.get(member=member, lesson=lesson).position - at) < 0.5
    open_lesson(desktop_page, live_server, member, lesson)
    resume = desktop_page.locator(".player__resume")
    resume.wait_for(state="visible")
    assert f"0:0{int(at)}" in resume.inner_text()
    screenshot(desktop_page, SCREENSHOTS, "lesson-1280-resume.png")
