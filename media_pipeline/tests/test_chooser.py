"""The video chooser offers ready videos only, and the chooser block stores the chosen one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from media_pipeline.blocks import VideoChooserBlock
from media_pipeline.models import Video
from media_pipeline.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def test_the_chooser_lists_ready_videos_only(editor_client):
    ready = VideoFactory(title="可播放的党课", status=Video.Status.READY)
    VideoFactory(title="转码中的党课", status=Video.Status.PROCESSING)
    VideoFactory(title="失败的党课", status=Video.Status.FAILED)
    response = editor_client.get(reverse("video_chooser:choose"))
    assert response.status_code == 200
    html = response.json()["html"]
    assert ready.title in html
    assert "转码中的党课" not in html and "失败的党课" not in html


def test_choosing_a_video_answers_its_id_and_title(editor_client):
    video = VideoFactory(title="可播放的党课", status=Video.Status.READY)
    response = editor_client.get(reverse("video_chooser:chosen", args=[video.pk]))
    assert response.status_code == 200
    result = response.json()["result"]
    assert (str(result["id"]), result["title"]) == (str(video.pk), video.title)


def test_the_chooser_block_keeps_the_video(editor):
    video = VideoFactory(status=Video.Status.READY)
    block = VideoChooserBlock()
    assert block.to_python(block.get_prep_value(video)) == video


def test_a_learner_cannot_open_the_chooser(learner):
    client = Client()
    client.force_login(learner)
    response = client.get(reverse("video_chooser:choose"))
    assert response.status_code in (302, 403)
