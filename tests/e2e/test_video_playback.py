"""A member watches a transcoded lesson in Debian Chromium: hls.js, quality, resume, expired URLs.

Screenshots of the watch page while playing are written to test-artifacts/video-player/.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from django.urls import reverse

from courses.tests.factories import video_lesson
from media_pipeline import playback
from media_pipeline.models import Video
from school.tests.factories import UserFactory
from tests.e2e.helpers import HLS_READY, log_in, screenshot, zh

# serialized_rollback: transactional tests flush the database afterwards, which would take the
# home page and role groups created by migrations with it; this restores them for each test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "video-player"


@pytest.fixture
def lesson(transcoded_clip) -> Video:
    video_lesson(transcoded_clip)  # members may watch the videos that published lessons show
    return transcoded_clip


def open_watch_page(page, live_server, video: Video) -> None:
    log_in(page, live_server, UserFactory())
    page.goto(live_server.url + reverse("media_pipeline:watch", args=[video.pk]))
    page.wait_for_function(HLS_READY)


def current_time(page) -> float:
    return page.evaluate("document.querySelector('video').currentTime")


def test_a_lesson_plays_through_hlsjs_on_a_phone(live_server, phone_page, lesson):
    page = phone_page
    open_watch_page(page, live_server, lesson)
    assert page.evaluate("document.querySelector('video').hls.levels.length") == 3
    page.locator(".player__big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 1.5")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshot(page, SCREENSHOTS, "watch-375-playing.png")

    page.locator("[data-menu=quality] .player__menu-button").click()
    items = page.locator("[data-menu=quality] [role=menuitemradio]").all_inner_texts()
    assert items[0].startswith(zh("Auto"))
    assert items[1:] == ["720p", "540p", "360p"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshot(page, SCREENSHOTS, "watch-375-quality-menu.png")


def test_choosing_a_quality_and_a_speed_on_a_desktop(live_server, desktop_page, lesson):
    page = desktop_page
    open_watch_page(page, live_server, lesson)
    page.locator(".player__big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 1")

    page.locator("[data-menu=quality] .player__menu-button").click()
    page.locator("[data-menu=quality]").get_by_role("menuitemradio", name="360p", exact=True).click()
    assert page.evaluate("document.querySelector('video').hls.autoLevelEnabled") is False
    assert page.locator("[data-menu=quality] .player__menu-button").inner_text() == "360p"

    page.locator("[data-menu=speed] .player__menu-button").click()
    page.locator("[data-menu=speed]").get_by_role("menuitemradio", name="1.5×", exact=True).click()
    assert page.evaluate("document.querySelector('video').playbackRate") == 1.5

    seek = page.locator(".player__seek").bounding_box()
    page.mouse.move(seek["x"] + seek["width"] * 0.6, seek["y"] + seek["height"] / 2)
    preview = page.locator(".player__preview-image")
    assert preview.is_visible()
    assert "storyboard.jpg" in preview.evaluate("element => element.style.backgroundImage")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    screenshot(page, SCREENSHOTS, "watch-1280-playing.png")


def test_keys_pause_and_seek(live_server, desktop_page, lesson):
    page = desktop_page
    open_watch_page(page, live_server, lesson)
    page.locator(".player__big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('video').paused")
    before = current_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('video').currentTime >= {before + 4.9}")
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.querySelector('video').paused")


def test_a_lesson_resumes_where_it_stopped(live_server, desktop_page, lesson):
    page = desktop_page
    page.add_init_script(f"localStorage.setItem('partyschool.video-position.{lesson.pk}', '5')")
    open_watch_page(page, live_server, lesson)
    assert page.locator(".player__resume").is_visible()
    assert page.locator(".player__current").inner_text() == "0:05"
    page.locator(".player__big-play").click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 5.2")


def test_playback_survives_signed_urls_running_out(live_server, desktop_page, lesson, monkeypatch):
    """The first token "expires" after the first segments: every later file it names gets a 403."""
    page = desktop_page
    # The page's token is minted a minute early, so the fresh one differs from it (same second, same token).
    clock = time.time
    monkeypatch.setattr(playback, "time", SimpleNamespace(time=lambda: clock() - 60))
    refused: list[str] = []
    first_token: list[str] = []

    def expire_first_token(route) -> None:
        if first_token and f"/{first_token[0]}/" in route.request.url:
            refused.append(route.request.url)
            route.fulfill(status=403, body="Forbidden")
        else:
            route.continue_()

    page.route(re.compile(r".*/segment_0000[1-9]\.m4s$"), expire_first_token)
    open_watch_page(page, live_server, lesson)
    monkeypatch.undo()
    master = page.evaluate("JSON.parse(document.querySelector('.player script').textContent).master")
    first_token.append(master.split("/")[2])
    with page.expect_response(re.compile(r".*/media-play/sources/\d+/$")) as sources:
        page.locator(".player__big-play").click()
    assert sources.value.status == 200
    page.wait_for_function("() => document.querySelector('video').currentTime > 5", timeout=20_000)
    assert refused
    assert page.locator(".player__message").is_hidden()
