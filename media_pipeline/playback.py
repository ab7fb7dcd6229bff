"""Short-lived signed URLs for everything a player fetches: playlists, segments, images, captions.

A member who may watch a video gets one token, signed with a salt of its own and naming the
video, the member and an expiry. Every file is then fetched as ``/media-play/<token>/<video
id>/<name>``, the name relative to the video's output prefix (``captions/<language>.vtt`` for a
caption track). Playlists hold relative URIs, so hls.js and Safari resolve rungs and segments under
the same token path and the published files need no rewriting. The storage names themselves, with
their unguessable prefix, never reach the browser.

The token is a bearer credential for its short life: Safari's and AirPlay's players fetch
segments without the page's cookies. A request made by another logged-in member is still refused.
"""

from __future__ import annotations

import posixpath
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from media_pipeline.models import Video

TOKEN_SALT = "media_pipeline.playback"

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}
TEXT_EXTENSIONS = (".m3u8", ".vtt")

# Names as the transcode writes them: letters, digits, "_", "-" and dots, no segment starting with
# a dot (so no "..", no hidden files), no empty segment, no leading "/".
_RELATIVE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
CAPTIONS_FOLDER = "captions"


class InvalidToken(Exception):
    """Tampered, expired or malformed; the request is refused without saying which."""


class RefusedName(Exception):
    """Not one of the video's published files."""


@dataclass(frozen=True)
class PlaybackGrant:
    video_id: int
    user_id: int
    expires_at: int  # Unix time in seconds

    def seconds_left(self) -> int:
        return max(0, self.expires_at - int(time.time()))


def playback_token_create(*, video: Video, user: Any, now: float | None = None) -> str:
    """A token for ``user`` to play ``video``; the caller has asked ``can_watch``.

    ``now`` exists for tests, which mint tokens that have already run out.
    """
    issued_at = time.time() if now is None else now
    expires_at = int(issued_at) + settings.VIDEO_URL_LIFETIME
    return signing.Signer(salt=TOKEN_SALT).sign_object([video.pk, user.pk, expires_at])


def playback_token_read(token: str) -> PlaybackGrant:
    try:
        payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise InvalidToken from None
    if not (isinstance(payload, list) and len(payload) == 3 and all(type(item) is int for item in payload)):
        raise InvalidToken
    grant = PlaybackGrant(*payload)
    if grant.expires_at <= time.time():
        raise InvalidToken
    return grant


def media_storage_name(*, video: Video, name: str) -> tuple[str, str]:
    """The storage name behind ``name`` and its Content-Type, if it is one of ``video``'s files.

    RefusedName for anything that could leave the video's folder or is no media file at all.
    """
    extension = posixpath.splitext(name)[1]
    if not _RELATIVE_NAME.fullmatch(name) or ".." in name or extension not in CONTENT_TYPES:
        raise RefusedName(name)
    folder, _, rest = name.partition("/")
    if folder == CAPTIONS_FOLDER:
        language = rest.removesuffix(".vtt")
        caption = video.captions.filter(language=language).first() if extension == ".vtt" else None
        if caption is None:
            raise RefusedName(name)
        return caption.file.name, CONTENT_TYPES[extension]
    if not video.output_prefix:
        raise RefusedName(name)
    return f"{video.output_prefix}/{name}", CONTENT_TYPES[extension]


def media_url(*, token: str, video_id: int, name: str) -> str:
    return reverse("media_pipeline:file", kwargs={"token": token, "video_id": video_id, "name": name})


def published_name(video: Video, storage_name: str) -> str:
    """``storage_name`` relative to the video's output prefix: the name its URL carries."""
    return storage_name.removeprefix(f"{video.output_prefix}/")


def playback_sources(*, video: Video, user: Any) -> dict[str, Any]:
    """Signed URLs of everything the player loads, under one fresh token."""
    token = playback_token_create(video=video, user=user)

    def url(storage_name: str) -> str:
        if not storage_name:
            return ""
        return media_url(token=token, video_id=video.pk, name=published_name(video, storage_name))

    return {
        "master": url(video.master_playlist),
        "poster": url(video.poster),
        "storyboard": url(video.storyboard_vtt),
        "captions": [
            {
                "src": media_url(
                    token=token, video_id=video.pk, name=f"{CAPTIONS_FOLDER}/{caption.language}.vtt"
                ),
                "srclang": caption.language,
                "label": caption.label,
            }
            for caption in video.captions.all()
        ],
    }


def player_context(*, video: Video, user: Any, resume_at: float | None = None) -> dict[str, Any]:
    """What ``media_pipeline/player.html`` needs; pages that show a player pass it as ``player``.

    ``resume_at`` is where the member stopped, as the server knows it (on any device); without
    it the player offers the position this browser remembers.
    """
    sources = playback_sources(video=video, user=user)
    return {
        "video": video,
        "sources": sources,
        "config": {
            "videoId": video.pk,
            "duration": video.duration,
            "master": sources["master"],
            "storyboard": sources["storyboard"],
            "sourcesUrl": reverse("media_pipeline:sources", kwargs={"video_id": video.pk}),
            "resumeAt": resume_at,
        },
    }
