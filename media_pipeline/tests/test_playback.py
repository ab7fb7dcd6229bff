"""Signed playback URLs: who gets a token, what a token opens, and everything it does not."""

from __future__ import annotations

import time
import urllib.request

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from courses.models import AccessLevel
from courses.tests.factories import video_lesson
from media_pipeline.models import Video
from media_pipeline.permissions import can_watch
from media_pipeline.playback import (
    TOKEN_SALT,
    InvalidToken,
    media_url,
    playback_sources,
    playback_token_create,
    playback_token_read,
    published_name,
)
from media_pipeline.services.transcode import video_transcode
from media_pipeline.services.upload import caption_add
from media_pipeline.tests.factories import VideoFactory
from media_pipeline.tests.test_transcode import make_clip, stored_video
from media_pipeline.tests.upload_clips import webvtt
from school.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HLS = "application/vnd.apple.mpegurl"
CUES = [("00:00:00.000", "00:00:01.500", "同志们好")]


@pytest.fixture
def ready_video(media_root, tmp_path) -> Video:
    video = stored_video(make_clip(tmp_path / "lesson.mp4", seconds=2))
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    video_lesson(video)
    return video


@pytest.fixture
def listed_video() -> Video:
    """A ready video whose files are never read: for requests that must be refused before that."""
    video = VideoFactory(
        status=Video.Status.READY,
        output_prefix="videos/hls/999/feedface",
        master_playlist="videos/hls/999/feedface/master.m3u8",
    )
    video_lesson(video)
    return video


@pytest.fixture
def learner_client(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


def signed(video: Video, user, storage_name: str, **token_options) -> str:
    """The URL a player gets for one of ``video``'s stored files."""
    token = playback_token_create(video=video, user=user, **token_options)
    return media_url(token=token, video_id=video.pk, name=published_name(video, storage_name))


def url_for(token: str, video: Video, storage_name: str) -> str:
    return media_url(token=token, video_id=video.pk, name=published_name(video, storage_name))


def media_lines(playlist: bytes) -> list[str]:
    return [line for line in playlist.decode().splitlines() if line and not line.startswith("#")]


def init_segment(playlist: bytes) -> str:
    line = next(line for line in playlist.decode().splitlines() if line.startswith("#EXT-X-MAP:"))
    return line.split('URI="', 1)[1].split('"', 1)[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Tokens ---------------------------------------------------------------------------------------


def test_a_token_names_its_video_its_member_and_an_expiry(listed_video, learner, settings):
    settings.VIDEO_URL_LIFETIME = 3600
    grant = playback_token_read(playback_token_create(video=listed_video, user=learner))
    assert (grant.video_id, grant.user_id) == (listed_video.pk, learner.pk)
    assert 3590 <= grant.seconds_left() <= 3600


def test_an_expired_token_is_refused(listed_video, learner, settings):
    old = time.time() - settings.VIDEO_URL_LIFETIME - 1
    with pytest.raises(InvalidToken):
        playback_token_read(playback_token_create(video=listed_video, user=learner, now=old))


def test_a_token_signed_without_the_playback_salt_is_refused(listed_video, learner):
    forged = signing.Signer().sign_object([listed_video.pk, learner.pk, int(time.time()) + 3600])
    with pytest.raises(InvalidToken):
        playback_token_read(forged)
    assert signing.Signer(salt=TOKEN_SALT).sign_object([1, 2, 3]) != signing.Signer().sign_object([1, 2, 3])


@pytest.mark.parametrize("token", ["", "garbage", "a:b", "WzEsMiwzXQ:", ":::"])
def test_a_malformed_token_is_refused(token):
    with pytest.raises(InvalidToken):
        playback_token_read(token)


# --- Serving the published files ------------------------------------------------------------------


def test_the_master_playlist_is_served_as_hls_and_kept_private(ready_video, learner, learner_client):
    response = learner_client.get(signed(ready_video, learner, ready_video.master_playlist))
    assert response.status_code == 200
    assert response["Content-Type"] == HLS
    assert "private" in response["Cache-Control"]
    content = body(response)
    assert content.startswith(b"#EXTM3U")
    rendition = ready_video.renditions.get()
    assert media_lines(content) == [rendition.playlist.removeprefix(ready_video.output_prefix + "/")]


def test_rung_playlist_init_and_media_segments_have_their_types(ready_video, learner, learner_client):
    token = playback_token_create(video=ready_video, user=learner)
    rung = ready_video.renditions.get().playlist
    playlist = learner_client.get(url_for(token, ready_video, rung))
    assert (playlist.status_code, playlist["Content-Type"]) == (200, HLS)
    content = body(playlist)
    folder = rung.rsplit("/", 1)[0]
    init = learner_client.get(url_for(token, ready_video, f"{folder}/{init_segment(content)}"))
    assert (init.status_code, init["Content-Type"]) == (200, "video/mp4")
    segment = learner_client.get(url_for(token, ready_video, f"{folder}/{media_lines(content)[0]}"))
    assert (segment.status_code, segment["Content-Type"]) == (200, "video/iso.segment")
    assert body(segment)[4:8] in (b"styp", b"moof")


def test_poster_storyboard_and_its_track_are_served(ready_video, learner, learner_client):
    token = playback_token_create(video=ready_video, user=learner)
    for name, content_type, magic in (
        (ready_video.poster, "image/jpeg", b"\xff\xd8\xff"),
        (ready_video.storyboard, "image/jpeg", b"\xff\xd8\xff"),
        (ready_video.storyboard_vtt, "text/vtt; charset=utf-8", b"WEBVTT"),
    ):
        response = learner_client.get(url_for(token, ready_video, name))
        assert (response.status_code, response["Content-Type"]) == (200, content_type), name
        assert body(response).startswith(magic)


def test_a_caption_track_is_served_through_the_signed_url(ready_video, editor, learner, learner_client):
    file = SimpleUploadedFile("captions.vtt", webvtt(*CUES), content_type="text/vtt")
    caption_add(acting_user=editor, video=ready_video, language="zh-Hans", label="中文", file=file)
    [track] = playback_sources(video=ready_video, user=learner)["captions"]
    assert (track["srclang"], track["label"]) == ("zh-Hans", "中文")
    response = learner_client.get(track["src"])
    assert (response.status_code, response["Content-Type"]) == (200, "text/vtt; charset=utf-8")
    assert "同志们好" in body(response).decode()


def test_a_published_name_whose_file_is_gone_is_not_found(ready_video, learner, learner_client):
    missing = f"{ready_video.output_prefix}/720p/index.m3u8"
    response = learner_client.get(signed(ready_video, learner, missing))
    assert response.status_code == 404


def test_the_token_alone_opens_the_files_for_players_without_cookies(ready_video, learner):
    """Safari's and AirPlay's players fetch segments without the page's session."""
    response = Client().get(signed(ready_video, learner, ready_video.master_playlist))
    assert response.status_code == 200


def test_a_segment_costs_at_most_three_queries(
    ready_video, learner, learner_client, django_assert_max_num_queries
):
    url = signed(ready_video, learner, ready_video.poster)
    with django_assert_max_num_queries(3):  # session, user, video
        response = learner_client.get(url)
    assert response.status_code == 200


# --- Refusals -------------------------------------------------------------------------------------


def test_an_expired_token_gets_403(ready_video, learner, learner_client, settings):
    old = time.time() - settings.VIDEO_URL_LIFETIME - 60
    response = learner_client.get(signed(ready_video, learner, ready_video.master_playlist, now=old))
    assert response.status_code == 403


def test_a_tampered_token_gets_403(ready_video, learner, learner_client):
    payload, signature = playback_token_create(video=ready_video, user=learner).split(":")
    other = playback_token_create(video=VideoFactory(status=Video.Status.READY), user=learner)
    tampered = f"{other.split(':')[0]}:{signature}"
    assert tampered != f"{payload}:{signature}"
    response = learner_client.get(url_for(tampered, ready_video, ready_video.master_playlist))
    assert response.status_code == 403


def test_a_token_for_one_video_does_not_open_another(ready_video, listed_video, learner, learner_client):
    token = playback_token_create(video=listed_video, user=learner)
    response = learner_client.get(url_for(token, ready_video, ready_video.master_playlist))
    assert response.status_code == 403


def test_another_members_token_gets_403(ready_video, learner, member_a2):
    other_client = Client()
    other_client.force_login(member_a2.user)
    response = other_client.get(signed(ready_video, learner, ready_video.master_playlist))
    assert response.status_code == 403


def test_a_deactivated_members_token_stops_working(ready_video, learner, learner_client):
    url = signed(ready_video, learner, ready_video.master_playlist)
    assert learner_client.get(url).status_code == 200
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert learner_client.get(url).status_code == 403  # the session is gone with the account
    assert Client().get(url).status_code == 403  # and the token alone no longer opens anything


def test_a_token_no_longer_opens_a_video_that_failed_since(ready_video, learner, learner_client):
    url = signed(ready_video, learner, ready_video.master_playlist)
    Video.objects.filter(pk=ready_video.pk).update(status=Video.Status.FAILED)
    assert learner_client.get(url).status_code == 403


def test_the_source_upload_is_not_reachable(ready_video, learner, learner_client):
    assert learner_client.get(signed(ready_video, learner, ready_video.source.name)).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "../../../source/test-source",
        "360p/../../../../../etc/passwd.vtt",
        "%2e%2e/%2e%2e/other/master.m3u8",
        "360p/%2E%2E/%2E%2E/x.m3u8",
        "..%2f..%2fx.m3u8",
        "360p\\..\\master.m3u8",
        "./master.m3u8",
        "/master.m3u8",
        "/etc/passwd.vtt",
        "%2Fetc%2Fpasswd.vtt",
        ".hidden.m3u8",
        "master.m3u8%00.jpg",
        "notes.txt",
        "poster.jpeg",
        "captions/../master.m3u8",
        "captions/xx.m3u8",
    ],
)
def test_names_that_leave_the_videos_folder_or_are_no_media_get_403(
    ready_video, learner, learner_client, name
):
    token = playback_token_create(video=ready_video, user=learner)
    assert learner_client.get(f"/media-play/{token}/{ready_video.pk}/{name}").status_code == 403


@pytest.mark.parametrize("tail", ["/360p/", "/audio", "/", ""])
def test_folders_are_never_listed(ready_video, learner, learner_client, tail):
    token = playback_token_create(video=ready_video, user=learner)
    assert learner_client.get(f"/media-play/{token}/{ready_video.pk}{tail}").status_code in (403, 404)
    assert learner_client.get(f"/media-play/{token}/").status_code == 404


def test_a_caption_language_the_video_lacks_gets_403(ready_video, learner, learner_client):
    token = playback_token_create(video=ready_video, user=learner)
    url = media_url(token=token, video_id=ready_video.pk, name="captions/en.vtt")
    assert learner_client.get(url).status_code == 403


def test_there_is_no_listing_of_the_player_urls(learner_client):
    assert learner_client.get("/media-play/").status_code == 404


# --- Who may watch --------------------------------------------------------------------------------


def test_the_watch_page_sends_anonymous_visitors_to_log_in(listed_video):
    response = Client().get(reverse("media_pipeline:watch", args=[listed_video.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_get_no_token(listed_video):
    response = Client().get(reverse("media_pipeline:sources", args=[listed_video.pk]))
    assert response.status_code == 403
    assert "master" not in response.json()


def test_a_member_gets_a_watch_page_with_signed_urls(ready_video, learner, learner_client):
    response = learner_client.get(reverse("media_pipeline:watch", args=[ready_video.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    config = response.context["player"]["config"]
    assert config["videoId"] == ready_video.pk
    master = learner_client.get(config["master"])
    assert (master.status_code, master["Content-Type"]) == (200, HLS)
    html = response.content.decode()
    assert f'src="{config["master"]}"' in html
    assert "data-video-player" in html and ready_video.title in html
    assert ready_video.output_prefix not in html  # the unguessable storage folder stays on the server


def test_fresh_sources_are_signed_for_the_member_who_asks(ready_video, learner, learner_client):
    sources = learner_client.get(reverse("media_pipeline:sources", args=[ready_video.pk])).json()
    token = sources["master"].split("/")[2]
    assert playback_token_read(token).user_id == learner.pk
    assert learner_client.get(sources["storyboard"]).status_code == 200


@pytest.mark.parametrize("status", [Video.Status.FAILED, Video.Status.PROCESSING, Video.Status.PENDING])
def test_a_video_that_is_not_ready_cannot_be_watched(learner, learner_client, status):
    video = VideoFactory(status=status)
    assert not can_watch(learner, video)
    assert learner_client.get(reverse("media_pipeline:watch", args=[video.pk])).status_code == 403
    assert learner_client.get(reverse("media_pipeline:sources", args=[video.pk])).status_code == 403


def test_an_inactive_account_cannot_watch(listed_video):
    assert not can_watch(UserFactory(is_active=False), listed_video)


def test_a_video_in_no_lesson_is_for_those_who_manage_it(learner, instructor, other_instructor, editor):
    video = VideoFactory(status=Video.Status.READY, uploaded_by=instructor)
    assert not can_watch(learner, video)
    assert not can_watch(other_instructor, video)
    assert can_watch(instructor, video)
    assert can_watch(editor, video)


def test_a_video_in_an_unpublished_lesson_cannot_be_watched_by_members(learner):
    video = VideoFactory(status=Video.Status.READY)
    video_lesson(video).unpublish()
    assert not can_watch(learner, video)


@pytest.mark.parametrize("fixture", ["learner", "organizer_a1"])
def test_a_video_of_a_course_for_one_branch_plays_for_that_branch(request, org_tree, fixture):
    video = VideoFactory(status=Video.Status.READY)
    video_lesson(video, access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    assert can_watch(request.getfixturevalue(fixture), video)


def test_a_video_of_a_course_for_another_branch_is_refused_even_by_its_url(org_tree, member_a2):
    video = VideoFactory(status=Video.Status.READY)
    video_lesson(video, access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    client = Client()
    client.force_login(member_a2.user)
    assert not can_watch(member_a2.user, video)
    assert client.get(reverse("media_pipeline:watch", args=[video.pk])).status_code == 403
    assert client.get(reverse("media_pipeline:sources", args=[video.pk])).status_code == 403


def test_a_missing_video_is_not_found(learner_client):
    assert learner_client.get(reverse("media_pipeline:watch", args=[987654])).status_code == 404


# --- S3 -------------------------------------------------------------------------------------------


def test_on_s3_playlists_are_proxied_and_segments_redirect_to_presigned_urls(s3_storage, learner, tmp_path):
    video = stored_video(make_clip(tmp_path / "lesson.mp4", seconds=2))
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    client = Client()
    client.force_login(learner)
    token = playback_token_create(video=video, user=learner)
    rung = video.renditions.get().playlist
    playlist = client.get(url_for(token, video, rung))
    assert (playlist.status_code, playlist["Content-Type"]) == (200, HLS)
    segment_name = f"{rung.rsplit('/', 1)[0]}/{media_lines(playlist.content)[0]}"
    segment = client.get(url_for(token, video, segment_name))
    assert segment.status_code == 302
    assert "Signature=" in segment["Location"] and "no-store" in segment["Cache-Control"]
    stored = s3_storage.client.get_object(Bucket=s3_storage.name, Key=segment_name)["Body"].read()
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(segment["Location"]) as fetched:
        assert fetched.headers["Content-Type"] == "video/iso.segment"
        assert fetched.read() == stored
