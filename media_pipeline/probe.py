"""What ffprobe says about a file, and whether it is a video we can turn into lessons.

Every upload is probed before a ``Video`` row exists; the transcode task probes again on the
worker, because storage may have changed the file in between. ``InvalidVideo`` carries a message
for the uploader (Chinese in the catalog) and, where there is one, ffprobe's own words for admins.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


class InvalidVideo(Exception):
    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class ProbeResult:
    duration: float  # seconds
    width: int  # as displayed, after rotation
    height: int
    rotation: int  # degrees clockwise the player must turn the coded frame: 0, 90, 180, 270
    frame_rate: float
    video_codec: str
    has_audio: bool
    audio_channels: int
    raw: dict[str, Any]

    @property
    def is_portrait(self) -> bool:
        return self.height > self.width


def run_ffprobe(path: str | Path, *, timeout: float | None = None) -> dict[str, Any]:
    """ffprobe's JSON for ``path``; InvalidVideo when ffprobe fails, hangs or says nothing."""
    timeout = settings.FFPROBE_TIMEOUT if timeout is None else timeout
    command = [
        "ffprobe",
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InvalidVideo(
            _("The file took too long to analyse; it may be damaged."),
            detail=f"ffprobe timed out after {timeout}s",
        ) from exc
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        raise InvalidVideo(
            _("This file is not a video we can read. It may be damaged or incomplete."), detail=stderr
        )
    try:
        return json.loads(result.stdout or b"{}")
    except ValueError as exc:
        raise InvalidVideo(_("This file is not a video we can read."), detail=stderr) from exc


def probe_video(path: str | Path, *, timeout: float | None = None) -> ProbeResult:
    """Probe ``path`` and accept it only as a real video with a duration and a sane frame size."""
    data = run_ffprobe(path, timeout=timeout)
    streams = data.get("streams") or []
    video = _first_real_video_stream(streams)
    if video is None:
        if any(s.get("codec_type") == "audio" for s in streams):
            raise InvalidVideo(_("This file has sound but no picture. Upload a video file."))
        raise InvalidVideo(_("This file has no video stream. Upload a video file such as MP4 or MOV."))
    duration = _duration(data, video)
    if duration <= 0:
        raise InvalidVideo(
            _("The length of this video cannot be determined; it may be damaged or incomplete.")
        )
    coded_width, coded_height = int(video.get("width") or 0), int(video.get("height") or 0)
    if coded_width <= 0 or coded_height <= 0:
        raise InvalidVideo(_("The frame size of this video cannot be read; it may be damaged."))
    if coded_width * coded_height > settings.VIDEO_MAX_PIXELS or max(coded_width, coded_height) > 16384:
        raise InvalidVideo(
            _("The frame size %(width)s×%(height)s is too large; videos up to 4K (3840×2160) are accepted.")
            % {"width": coded_width, "height": coded_height}
        )
    rotation = _rotation(video)
    width, height = (coded_height, coded_width) if rotation in (90, 270) else (coded_width, coded_height)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return ProbeResult(
        duration=duration,
        width=width,
        height=height,
        rotation=rotation,
        frame_rate=_frame_rate(video),
        video_codec=str(video.get("codec_name") or ""),
        has_audio=audio is not None,
        audio_channels=int(audio.get("channels") or 0) if audio else 0,
        raw=data,
    )


def _first_real_video_stream(streams: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first video stream that is not a cover picture (an MP3's album art is a 'video' stream)."""
    for stream in streams:
        if stream.get("codec_type") != "video":
            continue
        if (stream.get("disposition") or {}).get("attached_pic"):
            continue
        if stream.get("codec_name") in {"mjpeg", "png", "bmp", "gif", "webp"} and _frame_count(stream) <= 1:
            continue  # a still image, e.g. a JPEG renamed .mp4
        return stream
    return None


def _frame_count(stream: dict[str, Any]) -> int:
    try:
        return int(stream.get("nb_frames") or 0)
    except ValueError:
        return 0


def _duration(data: dict[str, Any], video: dict[str, Any]) -> float:
    for value in (video.get("duration"), (data.get("format") or {}).get("duration")):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return 0.0


def _frame_rate(video: dict[str, Any]) -> float:
    for key in ("avg_frame_rate", "r_frame_rate"):
        numerator, _sep, denominator = str(video.get(key) or "0/0").partition("/")
        try:
            rate = float(numerator) / float(denominator or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if 0 < rate <= 240:
            return rate
    return 25.0


def _rotation(video: dict[str, Any]) -> int:
    """Rotation from the display matrix (newer files) or the legacy ``rotate`` tag, as 0/90/180/270."""
    degrees = 0.0
    for side_data in video.get("side_data_list") or []:
        if "rotation" in side_data:
            degrees = float(side_data["rotation"])
            break
    else:
        try:
            degrees = float((video.get("tags") or {}).get("rotate", 0))
        except ValueError:
            degrees = 0.0
    return int(round(degrees / 90.0)) % 4 * 90
