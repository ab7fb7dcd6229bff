"""Small helpers of the browser journeys: Chinese labels, a logged-in page, screenshots."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client
from django.utils import translation

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
# The player has attached hls.js and read the master playlist.
HLS_READY = "() => { const v = document.querySelector('video'); return !!(v.hls && v.hls.levels.length); }"


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def log_in(page, live_server, user) -> None:
    """Give the browser ``user``'s session cookie (the login form has journeys of its own)."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def screenshot(page, folder: str, name: str) -> None:
    (ARTIFACTS / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / folder / name), full_page=True)
