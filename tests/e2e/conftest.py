"""Browser fixtures for end-to-end journeys: Debian Chromium driven by Playwright's sync API.

One browser for the e2e package, a fresh context (cookies, viewport) per test. Playwright's sync
API keeps an event loop running in the main thread while it is started, which makes Django refuse
ORM calls there unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The variable is set only while the
browser runs: left in the environment it would leak into subprocesses of other tests (and
`check --deploy` rightly rejects it).
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest

from tests.e2e.helpers import restore_site_tree

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (make setup-test)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Run in every page before it closes: nothing more leaves it, not even the heartbeat a study page
# sends with navigator.sendBeacon when it is hidden (route interception does not see those).
SILENCE_PAGE = "() => { navigator.sendBeacon = () => true; window.fetch = () => new Promise(() => {}); }"


def _close(context) -> None:
    """Close without a last word: no request may reach the live server while the test database is
    being flushed (on PostgreSQL a heartbeat's row locks and the flush's TRUNCATE deadlock). The
    pages are silenced, a heartbeat still in flight is waited for, then everything is cut off."""
    from playwright.sync_api import Error

    for page in context.pages:
        with contextlib.suppress(Error):  # the page is gone or never loaded
            page.evaluate(SILENCE_PAGE)
            page.wait_for_function("() => !document.querySelector('[data-study-busy], [data-exam-busy]')")
    context.route("**/*", lambda route: route.abort())
    context.close()
    refused = getattr(context, "csp_violations", [])
    if refused:
        pytest.fail("the Content-Security-Policy refused something a page needs:\n" + "\n".join(refused))


def _context(browser, viewport: dict, **options):
    # A Chinese phone sends zh-CN; Django would otherwise follow the browser's en-US Accept-Language.
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    # Every journey doubles as a check of the policy: Chromium reports each refusal on the console.
    context.csp_violations = []

    def note_refusal(message) -> None:
        if "Content Security Policy" in message.text:
            context.csp_violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", note_refusal)
    return context


@pytest.fixture
def phone_page(browser):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    yield page
    _close(context)


@pytest.fixture
def desktop_page(browser):
    context = _context(browser, DESKTOP)
    page = context.new_page()
    yield page
    _close(context)


@pytest.fixture
def phone_page_without_js(browser):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = context.new_page()
    yield page
    _close(context)


@pytest.fixture
def site_tree() -> None:
    """Content types and permissions, Wagtail's root, the home page, /courses/ and /library/, the root
    collection, role groups, points rules and credit hours tiers.

    Migrations create them; a transactional test flushes them away, and once Playwright has
    started serialized_rollback finds no snapshot to restore them from, so this puts them back.
    """
    restore_site_tree()


@pytest.fixture
def transcoded_clip(settings, tmp_path, site_tree):
    """Eight seconds of 1280×720 with sound, transcoded: a 360p, 540p and 720p rung, two segments each."""
    from media_pipeline.models import Video
    from media_pipeline.services.transcode import video_transcode
    from media_pipeline.tests.test_transcode import make_clip, stored_video

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_WORK_DIR = None
    video = stored_video(make_clip(tmp_path / "lesson.mp4", size="1280x720", seconds=8))
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    return video
