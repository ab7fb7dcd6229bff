"""probe_video on what ffprobe reports: which files are videos, and how they are displayed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from media_pipeline import probe
from media_pipeline.probe import InvalidVideo, probe_video


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in their English source form."""
    with translation.override("en"):
        yield


def ffprobe_says(
    monkeypatch, streams: list[dict], duration: str | None = "10.0", format_name: str = "mov,mp4,m4a"
) -> None:
    data = {"streams": streams, "format": {"format_name": format_name, "duration": duration}}
    monkeypatch.setattr(probe, "run_ffprobe", lambda path, timeout=None: data)


def h264(**extra) -> dict:
    return {"codec_type": "video", "codec_name": "h264", "width": 1280, "height": 720, **extra}


def test_a_plain_video_is_accepted_as_it_is(monkeypatch):
    ffprobe_says(monkeypatch, [h264(avg_frame_rate="30000/1001"), {"codec_type": "audio", "channels": 6}])
    result = probe_video("x.mp4")
    assert (result.width, result.height, result.rotation) == (1280, 720, 0)
    assert result.frame_rate == pytest.approx(29.97, abs=0.01)
    assert (result.has_audio, result.audio_channels, result.duration) == (True, 6, 10.0)


@pytest.mark.parametrize(
    "stream",
    [
        h264(side_data_list=[{"side_data_type": "Display Matrix", "rotation": -90}]),
        h264(tags={"rotate": "90"}),
        h264(side_data_list=[{"rotation": 270}]),
    ],
)
def test_a_rotated_video_reports_its_displayed_size(monkeypatch, stream):
    ffprobe_says(monkeypatch, [stream])
    result = probe_video("x.mp4")
    assert (result.width, result.height) == (720, 1280)
    assert result.is_portrait


def test_an_upside_down_video_keeps_its_size(monkeypatch):
    ffprobe_says(monkeypatch, [h264(side_data_list=[{"rotation": 180}])])
    result = probe_video("x.mp4")
    assert (result.width, result.height, result.rotation) == (1280, 720, 180)


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        ([], "no video stream"),
        ([{"codec_type": "audio", "channels": 2}], "no picture"),
        (
            [{"codec_type": "video", "codec_name": "png", "width": 800, "height": 600, "nb_frames": "1"}],
            "no video",
        ),
        ([h264(disposition={"attached_pic": 1}), {"codec_type": "audio"}], "no picture"),
    ],
)
def test_files_without_moving_pictures_are_refused(monkeypatch, streams, message):
    ffprobe_says(monkeypatch, streams)
    with pytest.raises(InvalidVideo, match=message):
        probe_video("x.mp4")


def test_a_jpeg_named_mp4_is_not_a_video(monkeypatch):
    ffprobe_says(
        monkeypatch,
        [{"codec_type": "video", "codec_name": "mjpeg", "width": 8, "height": 8}],
        None,
        "jpeg_pipe",
    )
    with pytest.raises(InvalidVideo, match="no video stream"):
        probe_video("photo.mp4")


def test_a_motion_jpeg_video_is_a_video(monkeypatch):
    ffprobe_says(monkeypatch, [h264(codec_name="mjpeg", nb_frames="250")], format_name="avi")
    assert probe_video("camera.avi").width == 1280


def test_a_video_without_a_duration_is_refused(monkeypatch):
    ffprobe_says(monkeypatch, [h264()], duration=None)
    with pytest.raises(InvalidVideo, match="length"):
        probe_video("x.mp4")


@pytest.mark.parametrize(("width", "height"), [(40000, 40000), (4097, 2160), (20000, 10)])
def test_huge_frames_are_refused(monkeypatch, width, height):
    ffprobe_says(monkeypatch, [h264(width=width, height=height)])
    with pytest.raises(InvalidVideo, match="too large"):
        probe_video("x.mp4")


def test_a_4k_portrait_video_is_accepted(monkeypatch):
    ffprobe_says(monkeypatch, [h264(width=2160, height=3840)])
    assert probe_video("x.mp4").height == 3840


def test_a_hanging_ffprobe_is_stopped(monkeypatch, tmp_path):
    fifo = tmp_path / "never-written.mp4"
    subprocess.run(["mkfifo", str(fifo)], check=True)  # ffprobe blocks opening a pipe nobody writes
    with pytest.raises(InvalidVideo, match="too long") as raised:
        probe_video(fifo, timeout=0.5)
    assert "timed out" in raised.value.detail


def test_real_ffprobe_reads_a_generated_clip(tmp_path: Path):
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=642x362:rate=25:duration=1"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-y", str(clip)],
        check=True,
    )
    result = probe_video(clip)
    assert (result.width, result.height, result.has_audio) == (642, 362, False)
    assert result.duration == pytest.approx(1.0, abs=0.1)
    assert json.dumps(result.raw)  # stored as JSON on the Video


@pytest.mark.parametrize(
    "playlist",
    [
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile '/etc/passwd'\n",
    ],
    ids=["hls", "concat"],
)
def test_a_playlist_renamed_mp4_is_refused_without_opening_what_it_names(tmp_path, playlist):
    named = tmp_path / "lecture.mp4"
    named.write_text(playlist)
    with pytest.raises(InvalidVideo) as raised:
        probe_video(named)
    assert "passwd" not in raised.value.message
