"""The HLS ladder: which renditions a video gets, the one ffmpeg run that makes them, and its checks.

Everything here works on local paths and a ``ProbeResult``; storage and models belong to the
transcode service. One ffmpeg process decodes the source once and, through ``split``, feeds a
scaler and an H.264 encoder per rung, the storyboard sprite and the poster, so the decode (costly
for phone HEVC) is paid once. Rungs are named by the short side of the frame, so a
portrait phone video gets the same quality steps as a landscape one.

Layout of ``out_dir`` after a run::

    master.m3u8
    360p/index.m3u8, 360p/init_<n>.mp4, 360p/segment_00000.m4s, ...   (one folder per rung)
    audio/index.m3u8, ...                                             (only when there is sound)
    poster.jpg, storyboard.jpg, storyboard.vtt
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg
from django.utils.translation import gettext as _

from media_pipeline.exceptions import TranscodeFailed
from media_pipeline.probe import (
    OUTPUT_DEMUXERS,
    VIDEO_DEMUXERS,
    InvalidVideo,
    ProbeResult,
    _first_real_video_stream,
    run_ffprobe,
)

MASTER_PLAYLIST = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
AUDIO_NAME = "audio"
POSTER = "poster.jpg"
STORYBOARD_SPRITE = "storyboard.jpg"
STORYBOARD_VTT = "storyboard.vtt"

SEGMENT_SECONDS = 4  # two GOPs: half the files of 2 s segments, still quick to start and switch
KEYFRAME_SECONDS = 2
MAX_FRAME_RATE = 30
# Output rates players and segmenters expect; a variable-rate phone video averaging 29.8 fps gets 30.
COMMON_FRAME_RATES = tuple(
    Fraction(rate) for rate in ("10", "12", "15", "20", "24000/1001", "24", "25", "30000/1001", "30")
)
AUDIO_SAMPLE_RATE = 48_000
ENCODER_PRESET = "veryfast"

STORYBOARD_MAX_THUMBNAILS = 100
STORYBOARD_INTERVALS = (
    1,
    2,
    3,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    180,
    300,
    600,
)  # seconds, so cue times are round numbers
STORYBOARD_THUMB_WIDTH = 160
STORYBOARD_COLUMNS = 10


@dataclass(frozen=True)
class RungSpec:
    short_side: int
    crf: int
    maxrate: int  # bit/s; bufsize is twice this
    audio_bitrate: int  # bit/s


RUNG_SPECS = (
    RungSpec(short_side=360, crf=23, maxrate=800_000, audio_bitrate=96_000),
    RungSpec(short_side=540, crf=23, maxrate=1_400_000, audio_bitrate=128_000),
    RungSpec(short_side=720, crf=23, maxrate=2_500_000, audio_bitrate=128_000),
    RungSpec(short_side=1080, crf=23, maxrate=4_500_000, audio_bitrate=128_000),
)


@dataclass(frozen=True)
class Rung:
    """One rendition: capped CRF, so easy lectures cost little and busy scenes stay under maxrate."""

    name: str  # e.g. "720p"; also its folder in the output
    width: int
    height: int
    crf: int
    maxrate: int
    bufsize: int
    audio_bitrate: int

    @property
    def playlist(self) -> str:
        return f"{self.name}/{MEDIA_PLAYLIST}"


@dataclass(frozen=True)
class Storyboard:
    """Thumbnails every ``interval`` seconds, tiled row by row into one sprite."""

    interval: int
    count: int
    columns: int
    rows: int
    thumb_width: int
    thumb_height: int

    @property
    def width(self) -> int:
        return self.columns * self.thumb_width

    @property
    def height(self) -> int:
        return self.rows * self.thumb_height

    def cell(self, index: int) -> tuple[int, int]:
        row, column = divmod(index, self.columns)
        return column * self.thumb_width, row * self.thumb_height


@dataclass(frozen=True)
class MeasuredRung:
    """What the master playlist says about a rung after measuring it; what ``VideoRendition`` stores."""

    height: int
    width: int
    bandwidth: int  # peak bit/s, audio included
    average_bandwidth: int
    playlist: str  # relative to the output folder


# --- Planning ------------------------------------------------------------------------------


def plan_ladder(probe: ProbeResult) -> list[Rung]:
    """The rungs at or below the source's short side, smallest first; never an upscale."""
    display_width, display_height = display_size(probe)
    short_side = min(display_width, display_height)
    specs = [spec for spec in RUNG_SPECS if spec.short_side <= short_side]
    if not specs:
        return [_rung(RUNG_SPECS[0], _even_floor(short_side), display_width, display_height)]
    return [_rung(spec, spec.short_side, display_width, display_height) for spec in specs]


def display_size(probe: ProbeResult) -> tuple[float, float]:
    """The frame as shown: after rotation and after stretching non-square pixels (DV, HDV)."""
    sample_aspect = _sample_aspect_ratio(probe)
    if probe.rotation in (90, 270):
        return float(probe.width), probe.height * sample_aspect
    return probe.width * sample_aspect, float(probe.height)


def output_frame_rate(probe: ProbeResult) -> Fraction:
    """A constant output rate: 50/60 fps halved to 25/30, others capped at 30, then snapped up."""
    rate = probe.frame_rate
    if rate > MAX_FRAME_RATE * 1.01:
        for divisor in (2, 4):
            common = _common_rate_near(rate / divisor)
            if common is not None and common >= 24:
                return common
        return Fraction(MAX_FRAME_RATE)
    return next((common for common in COMMON_FRAME_RATES if rate <= common * 1.0005), Fraction(30))


def plan_storyboard(probe: ProbeResult) -> Storyboard:
    """At most about 100 thumbnails at a round interval; a tail under half an interval gets none."""
    duration = probe.duration
    interval = next(
        (step for step in STORYBOARD_INTERVALS if duration / step <= STORYBOARD_MAX_THUMBNAILS),
        math.ceil(duration / STORYBOARD_MAX_THUMBNAILS),
    )
    count = max(1, math.ceil(duration / interval - 0.5))
    columns = min(STORYBOARD_COLUMNS, count)
    display_width, display_height = display_size(probe)
    return Storyboard(
        interval=interval,
        count=count,
        columns=columns,
        rows=math.ceil(count / columns),
        thumb_width=STORYBOARD_THUMB_WIDTH,
        thumb_height=_even(STORYBOARD_THUMB_WIDTH * display_height / display_width),
    )


def _rung(spec: RungSpec, short_side: int, display_width: float, display_height: float) -> Rung:
    if display_width >= display_height:
        width = _even(short_side * display_width / display_height, at_most=display_width)
        height = short_side
    else:
        width = short_side
        height = _even(short_side * display_height / display_width, at_most=display_height)
    return Rung(
        name=f"{short_side}p",
        width=width,
        height=height,
        crf=spec.crf,
        maxrate=spec.maxrate,
        bufsize=2 * spec.maxrate,
        audio_bitrate=spec.audio_bitrate,
    )


def _even(value: float, *, at_most: float | None = None) -> int:
    even = max(2, 2 * round(value / 2))
    return even if at_most is None else min(even, _even_floor(at_most))


def _even_floor(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _common_rate_near(rate: float) -> Fraction | None:
    nearest = min(COMMON_FRAME_RATES, key=lambda common: abs(rate / common - 1))
    return nearest if abs(rate / nearest - 1) < 0.005 else None


def _sample_aspect_ratio(probe: ProbeResult) -> float:
    numerator, _sep, denominator = str(_video_stream(probe).get("sample_aspect_ratio") or "1:1").partition(
        ":"
    )
    try:
        ratio = int(numerator) / int(denominator)
    except (ValueError, ZeroDivisionError):
        return 1.0
    return ratio if 0.1 < ratio < 10 else 1.0


def _video_stream(probe: ProbeResult) -> dict[str, Any]:
    return _first_real_video_stream(probe.raw.get("streams") or []) or {}


def _audio_stream(probe: ProbeResult) -> dict[str, Any]:
    streams = probe.raw.get("streams") or []
    return next((stream for stream in streams if stream.get("codec_type") == "audio"), {})


# --- The command ---------------------------------------------------------------------------


def build_ladder_command(
    *,
    source: Path,
    out_dir: Path,
    probe: ProbeResult,
    rungs: list[Rung],
    progress: str = "pipe:1",
    threads: int | None = None,
) -> list[str]:
    """One ffmpeg command writing the HLS ladder, the storyboard sprite and the poster into ``out_dir``.

    The picture is decoded once (ffmpeg turns rotated phone videos upright while decoding), set to
    a constant frame rate, and split: one branch per rung, one for the storyboard, one for the
    poster. Keyframes are forced every 2 s by time in every rung, so segments line up across rungs.
    """
    # The probe's whitelists: a playlist renamed .mp4 must not make ffmpeg open other files or URLs.
    source_input = ffmpeg.input(str(source), format_whitelist=VIDEO_DEMUXERS, protocol_whitelist="file")
    picture = source_input[_stream_selector(_video_stream(probe), "v:0")].filter(
        "fps", fps=str(output_frame_rate(probe))
    )
    branches = picture.split()
    renditions = [
        branches[index]
        .filter("scale", rung.width, rung.height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
        for index, rung in enumerate(rungs)
    ]
    streams = renditions
    if probe.has_audio:
        streams = [*renditions, source_input[_stream_selector(_audio_stream(probe), "a:0")]]
    ladder = ffmpeg.output(
        *streams, str(out_dir / "%v" / MEDIA_PLAYLIST), **_ladder_options(out_dir, probe, rungs, threads)
    )
    storyboard = _storyboard_output(branches[len(rungs)], out_dir, plan_storyboard(probe))
    poster = _poster_output(branches[len(rungs) + 1], out_dir, probe, rungs)
    return (
        ffmpeg.merge_outputs(ladder, storyboard, poster)
        .global_args("-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-progress", progress)
        .compile(overwrite_output=True)
    )


def _ladder_options(
    out_dir: Path, probe: ProbeResult, rungs: list[Rung], threads: int | None
) -> dict[str, Any]:
    frames_per_gop = round(KEYFRAME_SECONDS * output_frame_rate(probe))
    options: dict[str, Any] = {
        "c:v": "libx264",
        "preset": ENCODER_PRESET,
        "profile:v": "high",
        "g": frames_per_gop,
        "keyint_min": frames_per_gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
        "flags": "+cgop",
        "fps_mode": "cfr",
        "map_metadata": -1,  # phones record the place a video was shot
        "f": "hls",
        "hls_time": SEGMENT_SECONDS,
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(out_dir / "%v" / "segment_%05d.m4s"),
        "master_pl_name": MASTER_PLAYLIST,
        "var_stream_map": _var_stream_map(rungs, has_audio=probe.has_audio),
    }
    for index, rung in enumerate(rungs):
        options[f"crf:v:{index}"] = rung.crf
        options[f"maxrate:v:{index}"] = rung.maxrate
        options[f"bufsize:v:{index}"] = rung.bufsize
    if probe.has_audio:
        # One stereo rendition shared by every rung, at the best audio bitrate any rung asks for.
        options.update(
            {"c:a": "aac", "ac": 2, "ar": AUDIO_SAMPLE_RATE, "b:a": max(r.audio_bitrate for r in rungs)}
        )
    if threads:
        options["threads"] = threads
    return options


def _var_stream_map(rungs: list[Rung], *, has_audio: bool) -> str:
    """Rungs in the order they are mapped; the audio, mapped last, is the one member of its group."""
    group = f",agroup:{AUDIO_NAME}" if has_audio else ""
    entries = [f"v:{index}{group},name:{rung.name}" for index, rung in enumerate(rungs)]
    if has_audio:
        entries.insert(0, f"a:0{group},name:{AUDIO_NAME},default:yes")
    return " ".join(entries)


def _storyboard_output(branch: Any, out_dir: Path, storyboard: Storyboard) -> Any:
    thumbnails = (
        branch.filter("fps", fps=f"1/{storyboard.interval}")
        .filter("trim", end_frame=storyboard.count)
        .filter("scale", storyboard.thumb_width, storyboard.thumb_height, out_range="full")
        .filter("setsar", 1)
        .filter("format", "yuv420p")
        .filter("tile", f"{storyboard.columns}x{storyboard.rows}")
    )
    return ffmpeg.output(thumbnails, str(out_dir / STORYBOARD_SPRITE), **_jpeg_options(quality=5))


def _poster_output(branch: Any, out_dir: Path, probe: ProbeResult, rungs: list[Rung]) -> Any:
    largest = max(rungs, key=lambda rung: rung.width * rung.height)
    frame = (
        branch.filter("trim", start=f"{probe.duration / 2:.3f}")
        .filter("trim", end_frame=1)
        .filter("scale", largest.width, largest.height, out_range="full")
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )
    return ffmpeg.output(frame, str(out_dir / POSTER), **_jpeg_options(quality=3))


def _jpeg_options(*, quality: int) -> dict[str, Any]:
    # Full-range yuv420p is what JPEG holds; "unofficial" lets mjpeg take it without the deprecated
    # yuvj formats (and their warnings in the log we keep for failures).
    return {"f": "image2", "c:v": "mjpeg", "q:v": quality, "strict": "unofficial", "frames:v": 1, "update": 1}


def _stream_selector(stream: dict[str, Any], fallback: str) -> str:
    """The stream probe chose, by absolute index, so a cover picture is never taken for the video."""
    return str(stream["index"]) if "index" in stream else fallback


# --- After the run -------------------------------------------------------------------------


def write_storyboard_vtt(*, out_dir: Path, probe: ProbeResult, sprite_url: str = STORYBOARD_SPRITE) -> Path:
    """The WebVTT thumbnails track: one cue per thumbnail, pointing into the sprite with ``#xywh``."""
    storyboard = plan_storyboard(probe)
    lines = ["WEBVTT", ""]
    for index in range(storyboard.count):
        start = index * storyboard.interval
        end = probe.duration if index == storyboard.count - 1 else start + storyboard.interval
        x, y = storyboard.cell(index)
        lines += [
            f"{_vtt_time(start)} --> {_vtt_time(end)}",
            f"{sprite_url}#xywh={x},{y},{storyboard.thumb_width},{storyboard.thumb_height}",
            "",
        ]
    path = out_dir / STORYBOARD_VTT
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _vtt_time(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    return f"{hours:02d}:{minutes:02d}:{milliseconds / 1000:06.3f}"


@dataclass(frozen=True)
class Segment:
    duration: float
    size: int  # bytes


def read_media_playlist(path: Path) -> tuple[list[Segment], int]:
    """The segments of a media playlist with their sizes on disk, and its target duration."""
    segments: list[Segment] = []
    target_duration = SEGMENT_SECONDS
    duration: float | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target_duration = int(line.partition(":")[2])
        elif line.startswith("#EXTINF:"):
            duration = float(line.partition(":")[2].partition(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append(Segment(duration=duration, size=(path.parent / line).stat().st_size))
            duration = None
    return segments, target_duration


def peak_bitrate(segments: list[Segment], target_duration: float) -> int:
    """The largest bit rate of any run of consecutive segments lasting 0.5–1.5 × the target duration.

    This is the peak segment bit rate of RFC 8216bis (EXT-X-STREAM-INF). Taking single segments
    instead (RFC 8216) lets a short last segment, which starts with a keyframe, claim a peak several
    times the real one, and players would then shun the rung.
    """
    peak = 0.0
    for start in range(len(segments)):
        seconds = bits = 0.0
        for segment in segments[start:]:
            seconds += segment.duration
            bits += segment.size * 8
            if seconds > 1.5 * target_duration:
                break
            if seconds >= 0.5 * target_duration:
                peak = max(peak, bits / seconds)
    return math.ceil(peak) if peak else average_bitrate(segments)


def average_bitrate(segments: list[Segment]) -> int:
    seconds = sum(segment.duration for segment in segments)
    return math.ceil(sum(segment.size * 8 for segment in segments) / seconds) if seconds else 0


def measure_and_rewrite_master(out_dir: Path, rungs: list[Rung]) -> list[MeasuredRung]:
    """Replace ffmpeg's estimated BANDWIDTH and AVERAGE-BANDWIDTH with what the files really hold.

    A rung's figures include the audio rendition its players also fetch. Init segments are left
    out: they are fetched once, not per segment. Running it twice gives the same master.
    """
    master = out_dir / MASTER_PLAYLIST
    lines = master.read_text(encoding="utf-8").splitlines()
    audio_peak = audio_average = 0
    audio_uri = _audio_playlist_uri(lines)
    if audio_uri:
        audio_segments, audio_target = read_media_playlist(out_dir / audio_uri)
        audio_peak, audio_average = (
            peak_bitrate(audio_segments, audio_target),
            average_bitrate(audio_segments),
        )
    measured = {}
    for rung in rungs:
        segments, target_duration = read_media_playlist(out_dir / rung.playlist)
        measured[rung.playlist] = MeasuredRung(
            height=rung.height,
            width=rung.width,
            bandwidth=peak_bitrate(segments, target_duration) + audio_peak,
            average_bandwidth=average_bitrate(segments) + audio_average,
            playlist=rung.playlist,
        )
    master.write_text(_rewritten_master(lines, measured), encoding="utf-8")
    return sorted(measured.values(), key=lambda rendition: rendition.height)


_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_attributes(attribute_list: str) -> dict[str, str]:
    """An HLS attribute list (``KEY=value,KEY="quoted, with commas"``) as a dict, quotes kept."""
    return dict(_ATTRIBUTE.findall(attribute_list))


def _audio_playlist_uri(lines: list[str]) -> str:
    for line in lines:
        if line.startswith("#EXT-X-MEDIA:"):
            attributes = parse_attributes(line.partition(":")[2])
            if attributes.get("TYPE") == "AUDIO" and "URI" in attributes:
                return attributes["URI"].strip('"')
    return ""


def _rewritten_master(lines: list[str], measured: dict[str, MeasuredRung]) -> str:
    output: list[str] = []
    pending: dict[str, str] | None = None
    for line in filter(None, (line.strip() for line in lines)):
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(line.partition(":")[2])
            continue
        if pending is not None and not line.startswith("#"):
            rendition = measured.get(line)
            if rendition is None:
                raise TranscodeFailed(
                    _failed_check_message(), detail=f"{MASTER_PLAYLIST} lists unknown {line}"
                )
            pending.update(
                BANDWIDTH=str(rendition.bandwidth), **{"AVERAGE-BANDWIDTH": str(rendition.average_bandwidth)}
            )
            output += ["#EXT-X-STREAM-INF:" + _attribute_list(pending), line]
            pending = None
            continue
        output.append(line)
        if line.startswith("#EXT-X-VERSION:") and "#EXT-X-INDEPENDENT-SEGMENTS" not in lines:
            output.append("#EXT-X-INDEPENDENT-SEGMENTS")
    return "\n".join(output) + "\n"


def _attribute_list(attributes: dict[str, str]) -> str:
    first = ["BANDWIDTH", "AVERAGE-BANDWIDTH"]
    ordered = first + [key for key in attributes if key not in first]
    return ",".join(f"{key}={attributes[key]}" for key in ordered)


# --- Checking the result -------------------------------------------------------------------


def verify_outputs(out_dir: Path, probe: ProbeResult, rungs: list[Rung]) -> None:
    """Read every output back with ffprobe; TranscodeFailed listing every mismatch found.

    ffmpeg can exit cleanly having written less than it should (a source truncated mid-file decodes
    to a shorter video), so success is judged by the files, not the exit status.
    """
    problems = _master_problems(out_dir, rungs)
    tolerance = max(1.0, 0.02 * probe.duration)
    for rung in rungs:
        problems += _rung_problems(out_dir, rung, duration=probe.duration, tolerance=tolerance)
    if probe.has_audio:
        problems += _audio_problems(out_dir)
    largest = max(rungs, key=lambda rung: rung.width * rung.height)
    problems += _jpeg_problems(out_dir / POSTER, largest.width, largest.height)
    storyboard = plan_storyboard(probe)
    problems += _jpeg_problems(out_dir / STORYBOARD_SPRITE, storyboard.width, storyboard.height)
    if problems:
        raise TranscodeFailed(_failed_check_message(), detail="\n".join(problems))


def _failed_check_message() -> str:
    return _("The converted video failed its final check, so it cannot be published.")


def _master_problems(out_dir: Path, rungs: list[Rung]) -> list[str]:
    master = out_dir / MASTER_PLAYLIST
    if not master.is_file():
        return [f"{MASTER_PLAYLIST} is missing"]
    listed = set(master.read_text(encoding="utf-8").splitlines())
    return [
        f"{MASTER_PLAYLIST} does not list {rung.playlist}" for rung in rungs if rung.playlist not in listed
    ]


def _rung_problems(out_dir: Path, rung: Rung, *, duration: float, tolerance: float) -> list[str]:
    data, problem = _ffprobe(out_dir / rung.playlist, rung.playlist)
    if problem:
        return [problem]
    video = next((s for s in data.get("streams") or [] if s.get("codec_type") == "video"), None)
    if video is None:
        return [f"{rung.playlist}: no video stream"]
    problems = []
    size = f"{video.get('width')}x{video.get('height')}"
    if size != f"{rung.width}x{rung.height}":
        problems.append(f"{rung.playlist}: {size}, expected {rung.width}x{rung.height}")
    if any(side_data.get("rotation") for side_data in video.get("side_data_list") or []):
        problems.append(f"{rung.playlist}: still carries a rotation")
    output_duration = float((data.get("format") or {}).get("duration") or 0)
    if abs(output_duration - duration) > tolerance:
        problems.append(f"{rung.playlist}: lasts {output_duration:.2f}s, the source {duration:.2f}s")
    return problems


def _audio_problems(out_dir: Path) -> list[str]:
    playlist = f"{AUDIO_NAME}/{MEDIA_PLAYLIST}"
    data, problem = _ffprobe(out_dir / playlist, playlist)
    if problem:
        return [problem]
    audio = next((s for s in data.get("streams") or [] if s.get("codec_type") == "audio"), None)
    if audio is None or audio.get("codec_name") != "aac" or audio.get("channels") != 2:
        return [f"{playlist}: expected stereo AAC, found {audio}"]
    return []


def _jpeg_problems(path: Path, width: int, height: int) -> list[str]:
    data, problem = _ffprobe(path, path.name)
    if problem:
        return [problem]
    image = (data.get("streams") or [{}])[0]
    if image.get("codec_name") != "mjpeg" or not path.read_bytes().startswith(b"\xff\xd8\xff"):
        return [f"{path.name}: not a JPEG"]
    if (image.get("width"), image.get("height")) != (width, height):
        return [f"{path.name}: {image.get('width')}x{image.get('height')}, expected {width}x{height}"]
    return []


def _ffprobe(path: Path, label: str) -> tuple[dict[str, Any], str]:
    if not path.is_file():
        return {}, f"{label} is missing"
    try:
        return run_ffprobe(path, demuxers=OUTPUT_DEMUXERS), ""
    except InvalidVideo as exc:
        return {}, f"{label} is unreadable: {exc.detail or exc.message}"
