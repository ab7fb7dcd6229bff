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

# The demuxers (container formats) ffprobe and ffmpeg may use on an upload. Anything else, above
# all playlists (hls, concat) that name other files, is refused.
VIDEO_DEMUXERS = ",".join(
    [
        "mov,mp4,m4a,3gp,3g2,mj2",
        "matroska,webm",
        "avi",
        "flv",
        "mpeg",
        "mpegts",
        "mpegvideo",
        "asf",
        "ogg",
        "h264",
        "hevc",
        "m4v",
        "dv",
        "mxf",
        "rm",
        "nut",
        "wtv",
    ]
)


# What the transcode itself writes, for checking its outputs.
OUTPUT_DEMUXERS = f"hls,image2,jpeg_pipe,{VIDEO_DEMUXERS}"


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


def run_ffprobe(
    path: str | Path, *, timeout: float | None = None, demuxers: str = VIDEO_DEMUXERS
) -> dict[str, Any]:
    """ffprobe's JSON for ``path``; InvalidVideo when ffprobe fails, hangs or says nothing.

    ``demuxers`` widens the whitelist only for our own outputs (HLS playlists, JPEGs).
    """
    timeout = settings.FFPROBE_TIMEOUT if timeout is None else timeout
    command = [
        "ffprobe",
        "-v",
        "error",
        # Only the file itself, read by a video demuxer: a playlist renamed .mp4 must not make
        # ffprobe (or later ffmpeg) open other files or URLs.
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        demuxers,
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
    if result.returncode != 0 and "not on whitelist" in stderr:
        raise InvalidVideo(
            _("This file is not in a video format we accept (MP4, MOV, MKV, WebM, AVI, FLV, MPEG, WMV …)."),
            detail=stderr,
        )
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
    if _is_reference_format(data):
        raise InvalidVideo(
            _("This file is a playlist or a list of other files, not a video. Upload the video file itself."),
            detail=str(data.get("format", {}).get("format_name")),
        )
    streams = data.get("streams") or []
    video = None if _is_still_image(data) else _first_real_video_stream(streams)
    if video is None:
        if any(s.get("codec_type") == "audio" for s in streams):
            raise InvalidVideo(_("This file has sound but no picture. Upload a video file."))
        raise InvalidVideo(_("This file has no video stream. Upload a video file such as MP4 or MOV."))
    duration = _duration(data, video)
    if _duration_is_estimated(data, duration):
        duration = max(duration, _counted_duration(path, _frame_rate(video), timeout=timeout))
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
        if stream.get("codec_name") in STILL_IMAGE_CODECS and _frame_count(stream) == 1:
            continue  # a single picture inside a container
        return stream
    return None


STILL_IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff"}


# Formats whose content names other files or URLs for ffmpeg to open.
REFERENCE_FORMATS = {"hls", "applehttp", "concat", "dash", "ffmetadata", "tee", "sdp", "rtsp", "smil"}


def _is_reference_format(data: dict[str, Any]) -> bool:
    format_name = str((data.get("format") or {}).get("format_name") or "")
    return bool(REFERENCE_FORMATS & set(format_name.split(",")))


def _is_still_image(data: dict[str, Any]) -> bool:
    """A picture file (whatever its name says): ffprobe reads it with an image demuxer."""
    format_name = str((data.get("format") or {}).get("format_name") or "")
    return format_name == "image2" or format_name.endswith("_pipe")


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


# Containers without an index: ffprobe guesses their duration from the bitrate, sometimes wildly.
UNINDEXED_FORMATS = {"mpegvideo", "mpeg", "mpegts", "h264", "hevc", "m4v", "rawvideo"}


def _duration_is_estimated(data: dict[str, Any], duration: float) -> bool:
    format_name = str((data.get("format") or {}).get("format_name") or "")
    return bool(UNINDEXED_FORMATS & set(format_name.split(","))) or 0 < duration < 1.0


def _counted_duration(path: str | Path, frame_rate: float, *, timeout: float | None) -> float:
    """Count the video packets (a demux, no decoding) and divide by the frame rate."""
    command = ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0"]
    command += ["-show_entries", "stream=nb_read_packets", "-of", "json", str(path)]
    timeout = settings.FFPROBE_TIMEOUT if timeout is None else timeout
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        packets = int(json.loads(result.stdout or b"{}")["streams"][0]["nb_read_packets"])
    except (subprocess.TimeoutExpired, ValueError, KeyError, IndexError):
        return 0.0
    return packets / frame_rate if frame_rate > 0 else 0.0


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
