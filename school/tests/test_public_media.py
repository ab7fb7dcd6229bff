"""Local media: Wagtail images are public, video sources, outputs and captions are not."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    for name in (
        "images/logo.jpg",
        "videos/source/abc",
        "videos/hls/1/x/master.m3u8",
        "videos/captions/1/zh.vtt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"content")
    return tmp_path


def test_an_image_file_is_served(client, media_root):
    response = client.get("/media/images/logo.jpg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"content"


@pytest.mark.parametrize(
    "path",
    [
        "videos/source/abc",
        "videos/hls/1/x/master.m3u8",
        "videos/captions/1/zh.vtt",
        "images/../videos/source/abc",
    ],
)
def test_video_files_are_not_served_from_media(client, media_root, path):
    assert client.get(f"/media/{path}").status_code == 404


def test_a_logged_in_member_cannot_fetch_them_either(client, media_root, learner):
    client.force_login(learner)
    assert client.get("/media/videos/source/abc").status_code == 404
