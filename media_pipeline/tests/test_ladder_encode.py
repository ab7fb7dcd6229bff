"""Real ladders from the clips in ``clips.py``, each made once per session, read back with ffprobe."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from django.utils import translation

from media_pipeline.exceptions import TranscodeFailed
from media_pipeline.ladder import (
    MeasuredRung,
    Rung,
    build_ladder_command,
    measure_and_rewrite_master,
    parse_attributes,
    plan_ladder,
    verify_outputs,
    write_storyboard_vtt,
)
from media_pipeline.probe import ProbeResult, probe_video
from media_pipeline.runner import run_ffmpeg
from media_pipeline.tests import clips


@dataclass
class LadderRun:
    source: Path
    out_dir: Path
    probe: ProbeResult
    rungs: list[Rung]
    measured: list[MeasuredRung]
    progress: list[int]


def make_ladder(source: Path, out_dir: Path) -> LadderRun:
    """What the transcode service does, minus storage and verification."""
    probe = probe_video(source)
    rungs = plan_ladder(probe)
    out_dir.mkdir()
    command = build_ladder_command(source=source, out_dir=out_dir, probe=probe, rungs=rungs)
    progress: list[int] = []
    run_ffmpeg(command, duration=probe.duration, on_progress=progress.append, timeout=120)
    write_storyboard_vtt(out_dir=out_dir, probe=probe)
    measured = measure_and_rewrite_master(out_dir, rungs)
    return LadderRun(source, out_dir, probe, rungs, measured, progress)


def ladder_of(make_clip: Callable[[Path], Path]) -> Callable[..., LadderRun]:
    @pytest.fixture(scope="session")
    def ladder(tmp_path_factory: pytest.TempPathFactory) -> LadderRun:
        directory = tmp_path_factory.mktemp(make_clip.__name__)
        return make_ladder(make_clip(directory), directory / "out")

    return ladder


landscape = ladder_of(clips.landscape_720p_stereo)
portrait = ladder_of(clips.portrait_720x1280)
odd_sized = ladder_of(clips.odd_size_641x361)
silent = ladder_of(clips.without_audio)
surround = ladder_of(clips.surround_5_1)
variable_rate = ladder_of(clips.variable_frame_rate)
rotated = ladder_of(clips.rotated_90)
tiny = ladder_of(clips.tiny_320x180)
anamorphic = ladder_of(clips.anamorphic_pal)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def ffprobe(path: Path, *arguments: str) -> dict:
    command = ["ffprobe", "-v", "error", "-of", "json", *arguments, str(path)]
    return json.loads(subprocess.run(command, capture_output=True, check=True).stdout)


def video_stream(path: Path) -> dict:
    return ffprobe(path, "-select_streams", "v:0", "-show_streams")["streams"][0]


def rendition_sizes(run: LadderRun) -> list[tuple[int, int]]:
    return [(s["width"], s["height"]) for s in (video_stream(run.out_dir / r.playlist) for r in run.rungs)]


def keyframe_times(playlist: Path) -> list[float]:
    data = ffprobe(
        playlist, "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time"
    )
    return [float(frame["pts_time"]) for frame in data["frames"]]


def frame_times(playlist: Path) -> list[float]:
    data = ffprobe(playlist, "-select_streams", "v:0", "-show_entries", "packet=pts_time")
    return sorted(float(packet["pts_time"]) for packet in data["packets"])


def master_lines(run: LadderRun, prefix: str) -> list[str]:
    return [
        line for line in (run.out_dir / "master.m3u8").read_text().splitlines() if line.startswith(prefix)
    ]


def stream_infs(run: LadderRun) -> list[dict[str, str]]:
    return [parse_attributes(line.partition(":")[2]) for line in master_lines(run, "#EXT-X-STREAM-INF:")]


def similarity(first: Path, second: Path, *, second_filter: str = "null") -> float:
    """SSIM of two pictures, the second passed through ``second_filter`` first."""
    graph = f"[1:v]{second_filter}[b];[0:v][b]ssim"
    command = [
        "ffmpeg",
        "-hide_banner",
        "-i",
        str(first),
        "-i",
        str(second),
        "-lavfi",
        graph,
        "-f",
        "null",
        "-",
    ]
    log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return float(re.search(r"All:([\d.]+)", log).group(1))


def frame_at(source: Path, seconds: float, path: Path, *, size: str) -> Path:
    command = ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-ss", str(seconds), "-frames:v", "1"]
    subprocess.run([*command, "-s", size, str(path)], check=True)
    return path


# --- The landscape ladder ------------------------------------------------------------------


def test_a_720p_source_yields_the_360_540_and_720_renditions(landscape):
    assert rendition_sizes(landscape) == [(640, 360), (960, 540), (1280, 720)]


def test_every_media_playlist_uses_fmp4_segments_with_an_init_section(landscape):
    for rung in landscape.rungs:
        playlist = (landscape.out_dir / rung.playlist).read_text()
        assert re.search(r'^#EXT-X-MAP:URI="init_\d+\.mp4"$', playlist, re.MULTILINE)
        assert re.findall(r"^segment_\d+\.m4s$", playlist, re.MULTILINE)


def test_the_master_playlist_declares_independent_segments(landscape):
    assert master_lines(landscape, "#EXT-X-INDEPENDENT-SEGMENTS")


def test_every_rung_refers_to_the_one_audio_rendition(landscape):
    [audio] = master_lines(landscape, "#EXT-X-MEDIA:")
    assert parse_attributes(audio.partition(":")[2])["GROUP-ID"] == '"group_audio"'
    assert [info["AUDIO"] for info in stream_infs(landscape)] == ['"group_audio"'] * 3


def test_the_audio_rendition_is_stereo_aac(landscape):
    stream = ffprobe(landscape.out_dir / "audio/index.m3u8", "-show_streams")["streams"][0]
    assert (stream["codec_name"], stream["channels"]) == ("aac", 2)


def test_keyframes_fall_every_two_seconds_in_step_across_rungs(landscape):
    smallest = keyframe_times(landscape.out_dir / "360p/index.m3u8")
    largest = keyframe_times(landscape.out_dir / "720p/index.m3u8")
    assert smallest == largest
    assert [round(later - earlier, 3) for earlier, later in pairwise(smallest)] == [2.0, 2.0]


def recomputed_peak(playlist: Path) -> int:
    """The peak segment bit rate, worked out here from the playlist and the files on disk."""
    text = playlist.read_text()
    target = int(re.search(r"#EXT-X-TARGETDURATION:(\d+)", text).group(1))
    pairs = re.findall(r"#EXTINF:([\d.]+),\n(\S+)", text)
    segments = [(float(seconds), (playlist.parent / name).stat().st_size * 8) for seconds, name in pairs]
    rates = []
    for start in range(len(segments)):
        for end in range(start + 1, len(segments) + 1):
            seconds = sum(s for s, _bits in segments[start:end])
            if 0.5 * target <= seconds <= 1.5 * target:
                rates.append(sum(bits for _s, bits in segments[start:end]) / seconds)
    return math.ceil(max(rates))


def test_master_bandwidth_is_the_measured_peak_of_video_and_audio(landscape):
    audio_peak = recomputed_peak(landscape.out_dir / "audio/index.m3u8")
    expected = [recomputed_peak(landscape.out_dir / rung.playlist) + audio_peak for rung in landscape.rungs]
    assert [int(info["BANDWIDTH"]) for info in stream_infs(landscape)] == expected
    assert [rung.bandwidth for rung in landscape.measured] == expected


def test_master_bandwidth_is_at_least_the_average_bandwidth(landscape):
    for info in stream_infs(landscape):
        assert int(info["BANDWIDTH"]) >= int(info["AVERAGE-BANDWIDTH"]) > 0


def test_progress_rises_to_100(landscape):
    assert landscape.progress == sorted(set(landscape.progress))
    assert landscape.progress[-1] == 100


def test_the_poster_is_a_jpeg_the_size_of_the_top_rung(landscape):
    stream = video_stream(landscape.out_dir / "poster.jpg")
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("mjpeg", 1280, 720)


def test_the_poster_shows_the_middle_of_the_video(landscape, tmp_path):
    poster = landscape.out_dir / "poster.jpg"
    middle = frame_at(landscape.source, 2.5, tmp_path / "middle.png", size="1280x720")
    start = frame_at(landscape.source, 0, tmp_path / "start.png", size="1280x720")
    assert similarity(poster, middle) > 0.9 > similarity(poster, start)


def test_the_storyboard_sprite_holds_one_thumbnail_per_second(landscape):
    stream = video_stream(landscape.out_dir / "storyboard.jpg")
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("mjpeg", 5 * 160, 90)


def test_the_storyboard_track_points_inside_the_sprite(landscape):
    cells = re.findall(
        r"storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", (landscape.out_dir / "storyboard.vtt").read_text()
    )
    assert len(cells) == 5
    assert all(int(x) + int(w) <= 800 and int(y) + int(h) <= 90 for x, y, w, h in cells)


def test_a_finished_ladder_passes_verification(landscape):
    verify_outputs(landscape.out_dir, landscape.probe, landscape.rungs)


# --- Other shapes of source ----------------------------------------------------------------


def test_a_portrait_source_stays_portrait_in_every_rung(portrait):
    assert rendition_sizes(portrait) == [(360, 640), (540, 960), (720, 1280)]


def test_a_rotated_phone_video_comes_out_as_displayed(rotated):
    stream = video_stream(rotated.out_dir / "360p/index.m3u8")
    assert (stream["width"], stream["height"]) == (360, 640)
    assert not stream.get("side_data_list")


def test_a_rotated_phone_video_is_turned_the_way_its_display_matrix_says(rotated, tmp_path):
    [matrix] = video_stream(rotated.source)["side_data_list"]
    assert matrix["rotation"] == 90  # ffprobe gives the display matrix's angle counter-clockwise
    output = frame_at(rotated.out_dir / "360p/index.m3u8", 1, tmp_path / "out.png", size="360x640")
    coded = frame_at(rotated.source.parent / "unrotated.mp4", 1, tmp_path / "coded.png", size="640x360")
    assert similarity(output, coded, second_filter="transpose=cclock") > 0.9
    assert similarity(output, coded, second_filter="transpose=clock") < 0.9


def test_an_odd_sized_source_comes_out_with_even_dimensions(odd_sized):
    assert rendition_sizes(odd_sized) == [(640, 360)]
    verify_outputs(odd_sized.out_dir, odd_sized.probe, odd_sized.rungs)


def test_a_silent_source_gets_no_audio_group(silent):
    assert master_lines(silent, "#EXT-X-MEDIA:") == []
    assert all("AUDIO" not in info for info in stream_infs(silent))
    assert not (silent.out_dir / "audio").exists()
    verify_outputs(silent.out_dir, silent.probe, silent.rungs)


def test_5_1_sound_is_downmixed_to_stereo(surround):
    assert surround.probe.audio_channels == 6
    stream = ffprobe(surround.out_dir / "audio/index.m3u8", "-show_streams")["streams"][0]
    assert stream["channels"] == 2


def test_a_variable_frame_rate_source_comes_out_at_a_constant_rate(variable_rate):
    times = frame_times(variable_rate.out_dir / "360p/index.m3u8")
    steps = {round(later - earlier, 3) for earlier, later in pairwise(times)}
    assert steps == {round(1001 / 24000, 3)}


def test_a_tiny_source_gets_one_rendition_at_its_own_size(tiny):
    assert rendition_sizes(tiny) == [(320, 180)]
    assert [info["RESOLUTION"] for info in stream_infs(tiny)] == ["320x180"]
    verify_outputs(tiny.out_dir, tiny.probe, tiny.rungs)


def test_widescreen_pal_comes_out_16_by_9_with_square_pixels(anamorphic):
    assert rendition_sizes(anamorphic) == [(640, 360), (960, 540)]
    assert video_stream(anamorphic.out_dir / "540p/index.m3u8")["sample_aspect_ratio"] == "1:1"


# --- Refusals and verification ------------------------------------------------------------


def test_the_ladder_command_will_not_follow_a_playlist_disguised_as_an_mp4(tmp_path):
    """Probing refuses such a file; the command refuses it on its own too, should a probe be skipped."""
    target = clips.without_audio(tmp_path)
    disguised = clips.playlist_named_mp4(tmp_path, target=target)
    (tmp_path / "out").mkdir()
    probe = probe_video(target)
    command = build_ladder_command(
        source=disguised, out_dir=tmp_path / "out", probe=probe, rungs=plan_ladder(probe)
    )
    with pytest.raises(TranscodeFailed) as failure:
        run_ffmpeg(command, duration=probe.duration, on_progress=lambda percent: None, timeout=60)
    assert "Format not on whitelist" in failure.value.detail


def test_a_truncated_source_fails_verification_though_ffmpeg_finished(tmp_path):
    run = make_ladder(clips.truncated(tmp_path), tmp_path / "out")
    with pytest.raises(TranscodeFailed, match="failed its final check") as failure:
        verify_outputs(run.out_dir, run.probe, run.rungs)
    assert "360p/index.m3u8: lasts" in failure.value.detail


def test_a_missing_rendition_fails_verification(landscape, tmp_path):
    out_dir = shutil.copytree(landscape.out_dir, tmp_path / "out")
    shutil.rmtree(out_dir / "540p")
    with pytest.raises(TranscodeFailed) as failure:
        verify_outputs(out_dir, landscape.probe, landscape.rungs)
    assert failure.value.detail == "540p/index.m3u8 is missing"
