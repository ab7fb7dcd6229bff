"""The video screens of the admin (视频) through the test client: upload, scope, status, edit, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from media_pipeline.models import Video, VideoCaption
from media_pipeline.tests import upload_clips
from media_pipeline.tests.factories import VideoCaptionFactory, VideoFactory
from media_pipeline.tests.upload_clips import stored_files, webvtt
from school.tests.helpers import client_for, in_site_language

pytestmark = pytest.mark.django_db

XHR = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}
NOT_A_VIDEO_FORMAT = (
    "This file is not in a video format we accept (MP4, MOV, MKV, WebM, AVI, FLV, MPEG, WMV …)."
)


@pytest.fixture
def media_root(tmp_path, settings) -> Path:
    return upload_clips.default_storage_in(tmp_path / "media", settings)


@pytest.fixture
def instructor_client(instructor) -> Client:
    return client_for(instructor)


def upload(client: Client, path: Path, *, title: str = "党章学习", json_answer: bool = True, **extra):
    with path.open("rb") as handle:
        return client.post(
            reverse("videos:add"),
            {"title": title, "file": handle, **extra},
            headers=XHR if json_answer else {},
        )


# --- Uploading --------------------------------------------------------------------------------------------


def test_the_upload_page_offers_the_form_and_the_size_limit(instructor_client, settings):
    response = instructor_client.get(reverse("videos:add"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert f'data-max-bytes="{settings.VIDEO_UPLOAD_MAX_BYTES}"' in response.content.decode()


def test_an_upload_with_xhr_answers_json_and_queues_the_transcode(
    instructor_client, instructor, clips, media_root, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(instructor_client, clips["valid"])
    assert response.status_code == 200
    answer = response.json()
    video = Video.objects.get()
    assert answer == {"success": True, "pk": video.pk, "url": reverse("videos:index")}
    assert (video.title, video.uploaded_by, video.status) == ("党章学习", instructor, Video.Status.PENDING)
    assert queued == [{"video_id": video.pk}]


def test_an_upload_as_a_plain_form_redirects_to_the_listing(instructor_client, clips, media_root, queued):
    response = upload(instructor_client, clips["valid"], json_answer=False)
    assert response.status_code == 302
    assert response.url == reverse("videos:index")
    assert Video.objects.count() == 1


def test_a_large_upload_arrives_as_a_temporary_file_and_is_accepted(
    instructor_client, clips, media_root, queued, settings, tmp_path
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response = upload(instructor_client, clips["valid"])
    assert response.status_code == 200
    video = Video.objects.get()
    assert (media_root / video.source.name).read_bytes() == clips["valid"].read_bytes()


def test_a_refused_upload_with_xhr_answers_400_json_with_the_message_and_leaves_nothing(
    instructor_client, clips, media_root, queued
):
    response = upload(instructor_client, clips["jpeg"])
    assert response.status_code == 400
    assert response.json()["error_message"] == in_site_language(NOT_A_VIDEO_FORMAT)
    assert not Video.objects.exists()
    assert stored_files(media_root) == []
    assert queued == []


def test_a_refused_plain_upload_shows_the_message_under_the_file_field(
    instructor_client, clips, media_root, queued
):
    response = upload(instructor_client, clips["jpeg"], json_answer=False)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [in_site_language(NOT_A_VIDEO_FORMAT)]
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_without_a_file_answers_400_json(instructor_client, media_root):
    response = instructor_client.post(reverse("videos:add"), {"title": "空"}, headers=XHR)
    assert response.status_code == 400
    assert response.json()["error_message"] == in_site_language("This field is required.")


# --- Who may do what --------------------------------------------------------------------------------------


def is_refused(response) -> bool:
    """Wagtail sends people without admin access to the login page (or answers 403)."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", ["videos:index", "videos:add"])
def test_a_learner_cannot_open_the_video_screens(learner, url_name):
    assert is_refused(client_for(learner).get(reverse(url_name)))


def test_a_learner_cannot_upload(learner, clips, media_root):
    assert is_refused(upload(client_for(learner), clips["valid"]))
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_a_learner_cannot_read_a_video_status(learner, instructor):
    video = VideoFactory(uploaded_by=instructor)
    assert is_refused(client_for(learner).get(reverse("videos:status", args=[video.pk])))


@pytest.mark.parametrize("url_name", ["videos:edit", "videos:delete", "videos:history", "videos:status"])
def test_an_instructor_gets_404_for_another_instructors_video_by_url_id(
    instructor_client, other_instructor, url_name
):
    video = VideoFactory(uploaded_by=other_instructor)
    response = instructor_client.get(reverse(url_name, args=[video.pk]))
    assert response.status_code == 404


def test_an_instructor_cannot_delete_another_instructors_video_by_posting(
    instructor_client, other_instructor, media_root
):
    video = VideoFactory(uploaded_by=other_instructor)
    response = instructor_client.post(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 404
    assert Video.objects.filter(pk=video.pk).exists()


def test_an_instructor_cannot_add_captions_to_another_instructors_video(
    instructor_client, other_instructor, media_root
):
    video = VideoFactory(uploaded_by=other_instructor)
    response = instructor_client.post(
        reverse("videos:caption_add", args=[video.pk]),
        {"language": "en", "label": "English", "file": caption_file()},
    )
    assert response.status_code == 404
    assert not VideoCaption.objects.exists()


def test_an_editor_may_edit_an_instructors_video(editor, instructor):
    video = VideoFactory(uploaded_by=instructor)
    response = client_for(editor).get(reverse("videos:edit", args=[video.pk]))
    assert response.status_code == 200


# --- Listing ----------------------------------------------------------------------------------------------


def listed(response) -> set[Video]:
    assert response.status_code == 200
    return set(response.context["object_list"])


def test_an_instructor_lists_only_their_own_videos(instructor_client, instructor, other_instructor):
    own = VideoFactory(uploaded_by=instructor)
    VideoFactory(uploaded_by=other_instructor)
    assert listed(instructor_client.get(reverse("videos:index"))) == {own}


def test_an_editor_lists_everyones_videos(editor, instructor, other_instructor):
    videos = {VideoFactory(uploaded_by=instructor), VideoFactory(uploaded_by=other_instructor)}
    assert listed(client_for(editor).get(reverse("videos:index"))) == videos


def test_the_listing_filters_by_status(instructor_client, instructor):
    failed = VideoFactory(uploaded_by=instructor, status=Video.Status.FAILED)
    VideoFactory(uploaded_by=instructor, status=Video.Status.READY)
    response = instructor_client.get(reverse("videos:index"), {"status": Video.Status.FAILED})
    assert listed(response) == {failed}


def test_the_listing_finds_a_chinese_title_by_a_word_inside_it(instructor_client, instructor):
    wanted = VideoFactory(uploaded_by=instructor, title="学习党章第三讲")
    VideoFactory(uploaded_by=instructor, title="廉政教育")
    assert listed(instructor_client.get(reverse("videos:index"), {"q": "党章"})) == {wanted}


def test_the_listing_shows_duration_size_and_live_status(instructor_client, instructor):
    video = VideoFactory(
        uploaded_by=instructor, status=Video.Status.PROCESSING, percent_done=42, duration=754.2
    )
    content = instructor_client.get(reverse("videos:index")).content.decode()
    assert "12:34" in content
    assert "11.8" in content  # 12 345 678 bytes
    assert in_site_language("Transcoding %(percent)s%%", percent=42) in content
    assert f'data-video-status-url="{reverse("videos:status", args=[video.pk])}"' in content
    assert "video_status.js" in content


def test_the_listing_queries_do_not_grow_with_the_number_of_videos(editor, instructor, other_instructor):
    client = client_for(editor)
    client.get(reverse("videos:index"))  # warm up sessions, permissions and content types
    VideoFactory(uploaded_by=instructor)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("videos:index"))
    VideoFactory.create_batch(4, uploaded_by=other_instructor)
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("videos:index"))
    assert len(five) == len(one)


# --- Status endpoint --------------------------------------------------------------------------------------


def test_the_status_endpoint_answers_the_state_of_the_video(instructor_client, instructor):
    video = VideoFactory(uploaded_by=instructor, status=Video.Status.PROCESSING, percent_done=37)
    response = instructor_client.get(reverse("videos:status", args=[video.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    answer = response.json()
    assert (answer["status"], answer["percent_done"], answer["failure_reason"]) == ("processing", 37, "")
    assert answer["active"] is True


def failed_video(owner) -> Video:
    return VideoFactory(
        uploaded_by=owner,
        status=Video.Status.FAILED,
        failure_reason="视频无法解码",
        failure_detail="[h264 @ 0x55] /var/media/work/secret-path: Invalid NAL unit size",
    )


def test_the_uploader_sees_why_a_video_failed_but_not_ffmpegs_words(instructor_client, instructor):
    video = failed_video(instructor)
    answer = instructor_client.get(reverse("videos:status", args=[video.pk])).json()
    assert answer["failure_reason"] == "视频无法解码"
    assert "failure_detail" not in answer
    page = instructor_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    assert "视频无法解码" in page
    assert "Invalid NAL unit size" not in page


def test_a_system_admin_also_sees_the_technical_detail(system_admin_client, instructor):
    video = failed_video(instructor)
    answer = system_admin_client.get(reverse("videos:status", args=[video.pk])).json()
    assert "Invalid NAL unit size" in answer["failure_detail"]
    page = system_admin_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    assert "Invalid NAL unit size" in page


def test_a_failed_video_can_be_transcoded_again_from_its_edit_page(
    instructor_client, instructor, queued, django_capture_on_commit_callbacks
):
    video = failed_video(instructor)
    page = instructor_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    assert f'action="{reverse("videos:retry", args=[video.pk])}" data-video-retry >' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(reverse("videos:retry", args=[video.pk]), follow=True)
    assert queued == [{"video_id": video.pk}]
    video.refresh_from_db()
    assert (video.status, video.failure_reason) == (Video.Status.PENDING, "")
    message = in_site_language("“%(title)s” is queued for transcoding again.", title=video.title)
    assert message in response.content.decode()


def test_a_video_being_transcoded_offers_no_retry_and_refuses_one(instructor_client, instructor, queued):
    video = VideoFactory(uploaded_by=instructor, status=Video.Status.PROCESSING, percent_done=40)
    page = instructor_client.get(reverse("videos:edit", args=[video.pk])).content.decode()
    assert "data-video-retry hidden" in page
    response = instructor_client.post(reverse("videos:retry", args=[video.pk]), follow=True)
    assert response.status_code == 200
    assert queued == []
    assert Video.objects.get(pk=video.pk).status == Video.Status.PROCESSING


def test_an_instructor_cannot_retry_another_instructors_video(instructor_client, other_instructor, queued):
    video = failed_video(other_instructor)
    assert instructor_client.post(reverse("videos:retry", args=[video.pk])).status_code == 404
    assert queued == []


def test_the_status_endpoint_says_when_a_retry_is_possible(instructor_client, instructor):
    answers = [
        instructor_client.get(reverse("videos:status", args=[video.pk])).json()["retryable"]
        for video in (failed_video(instructor), VideoFactory(uploaded_by=instructor))
    ]
    assert answers == [True, False]


# --- Edit, captions, delete -------------------------------------------------------------------------------


def test_the_edit_form_changes_title_and_transcript(instructor_client, instructor):
    video = VideoFactory(uploaded_by=instructor)
    response = instructor_client.post(
        reverse("videos:edit", args=[video.pk]), {"title": "新标题", "transcript": "同志们好"}
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert (video.title, video.transcript) == ("新标题", "同志们好")


def caption_file(content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "captions.vtt", content or webvtt(("00:00:01.000", "00:00:03.000", "同志们好")), "text/vtt"
    )


def test_a_caption_track_is_added_from_the_edit_page(instructor_client, instructor, media_root):
    video = VideoFactory(uploaded_by=instructor)
    response = instructor_client.post(
        reverse("videos:caption_add", args=[video.pk]),
        {"language": "zh-Hans", "label": "中文", "file": caption_file()},
    )
    assert response.status_code == 302
    assert response.url.endswith("#captions")
    assert list(video.captions.values_list("language", "label")) == [("zh-Hans", "中文")]


def test_a_refused_caption_file_is_reported_and_not_kept(instructor_client, instructor, media_root):
    video = VideoFactory(uploaded_by=instructor)
    response = instructor_client.post(
        reverse("videos:caption_add", args=[video.pk]),
        {
            "language": "zh-Hans",
            "label": "中文",
            "file": caption_file(b"1\n00:00:01,000 --> 00:00:02,000\nx\n"),
        },
        follow=True,
    )
    message = in_site_language("This is not a WebVTT file: its first line must be “WEBVTT”.")
    assert any(message in str(shown) for shown in response.context["messages"])
    assert not VideoCaption.objects.exists()
    assert stored_files(media_root) == []


def test_a_caption_track_is_deleted_from_the_edit_page(
    instructor_client, instructor, media_root, django_capture_on_commit_callbacks
):
    caption = VideoCaptionFactory(video=VideoFactory(uploaded_by=instructor))
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(
            reverse("videos:caption_delete", args=[caption.video_id, caption.pk])
        )
    assert response.status_code == 302
    assert not VideoCaption.objects.exists()


def test_the_delete_confirmation_deletes_the_video_and_its_files(
    instructor_client, instructor, media_root, django_capture_on_commit_callbacks
):
    video = VideoFactory(uploaded_by=instructor)
    (media_root / video.source.name).parent.mkdir(parents=True)
    (media_root / video.source.name).write_bytes(b"source")
    assert instructor_client.get(reverse("videos:delete", args=[video.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 302
    assert not Video.objects.exists()
    assert stored_files(media_root) == []
