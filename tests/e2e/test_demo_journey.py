"""The demo learner, on a phone, finishes the course their branch was assigned: two video lessons
watched to the end at double speed, one text lesson read to the end; the watched-parts bar, the
course progress and the year's credit hours on 我的学习 follow.

Runs on `load_demo` content, with the demo videos transcoded by the real pipeline.
Screenshots go to test-artifacts/demo-journey/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.demo import COURSES
from courses.models import CreditHourEntry, Enrollment, StudySettings
from media_pipeline.models import Video
from media_pipeline.services.transcode import video_transcode
from school.demo import DEMO_PASSWORD, demo_load
from tests.e2e.helpers import HLS_READY, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "demo-journey"
ASSIGNED = next(spec for spec in COURSES if spec.enrollment_mode == "assigned")


@pytest.fixture
def demo(settings, tmp_path, site_tree):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_WORK_DIR = None
    demo_load()
    for video in Video.objects.all():
        video_transcode(video=video)
    assert set(Video.objects.values_list("status", flat=True)) == {Video.Status.READY}
    rules = StudySettings.load()
    rules.reading_percent = 0  # the text lesson completes once read to the end
    rules.save()


def log_in_with_the_form(page, live_server) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "learner")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def watch_at_double_speed(page) -> None:
    page.wait_for_selector("[data-video-player] video")
    page.wait_for_function(HLS_READY)
    page.locator("[data-menu=speed] .player__menu-button").click()
    page.locator("[data-menu=speed] [data-value='2']").click()
    page.locator(".player__big-play").click()
    page.wait_for_selector(".study-panel.is-complete", timeout=60_000)


def test_the_demo_learner_completes_the_assigned_course_on_a_phone(live_server, phone_page, demo):
    page = phone_page
    log_in_with_the_form(page, live_server)
    page.goto(live_server.url + reverse("my_learning"))
    course_row = page.locator(".my-course", has_text=ASSIGNED.title)
    assert zh("Due %(date)s").split("%")[0] in course_row.inner_text()
    screenshot(page, SCREENSHOTS, "01-my-learning-375.png")
    course_row.locator(".my-course__next a").click()

    watch_at_double_speed(page)
    assert page.locator("[data-study-percent]").inner_text() == "100"
    screenshot(page, SCREENSHOTS, "02-first-lesson-done-375.png")
    page.locator("a[rel=next]").click()
    watch_at_double_speed(page)
    page.locator("a[rel=next]").click()

    page.locator("[data-study-end]").scroll_into_view_if_needed()
    page.wait_for_selector(".study-panel.is-complete", timeout=30_000)
    assert page.locator(".study-panel__course-done").is_visible()
    screenshot(page, SCREENSHOTS, "03-course-done-375.png")

    member = Enrollment.objects.get(course__title=ASSIGNED.title, member__user__username="learner")
    assert member.status == Enrollment.Status.COMPLETED
    assert CreditHourEntry.objects.get(member=member.member).hours == ASSIGNED.credit_hours
    page.goto(live_server.url + reverse("my_learning"))
    hours = page.locator(".annual-hours__figure b").inner_text()
    assert hours == f"{ASSIGNED.credit_hours.normalize():f}"
    badge = page.locator(".my-course", has_text=ASSIGNED.title).locator(".badge")
    assert badge.inner_text() == zh("Completed")
    screenshot(page, SCREENSHOTS, "04-my-learning-after-375.png")
