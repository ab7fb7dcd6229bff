"""The ladder's decisions and bookkeeping, without running ffmpeg: plans, the command, the VTT, bitrates."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest

from media_pipeline.ladder import (
    Rung,
    Segment,
    build_ladder_command,
    measure_and_rewrite_master,
    output_frame_rate,
    parse_attributes,
    peak_bitrate,
    plan_ladder,
    plan_storyboard,
    write_storyboard_vtt,
)
from media_pipeline.probe import ProbeResult


def probe(
    width: int = 1280,
    height: int = 720,
    *,
    rotation: int = 0,
    duration: float = 60.0,
    frame_rate: float = 30.0,
    has_audio: bool = True,
    sample_aspect_ratio: str = "1:1",
) -> ProbeResult:
    coded = (height, width) if rotation in (90, 270) else (width, height)
    video = {"index": 0, "codec_type": "video", "width": coded[0], "height": coded[1]}
    video["sample_aspect_ratio"] = sample_aspect_ratio
    streams = [video, {"index": 1, "codec_type": "audio", "channels": 2}] if has_audio else [video]
    return ProbeResult(
        duration=duration,
        width=width,
        height=height,
        rotation=rotation,
        frame_rate=frame_rate,
        video_codec="h264",
        has_audio=has_audio,
        audio_channels=2 if has_audio else 0,
        raw={"streams": streams},
    )


def sizes(rungs: list[Rung]) -> list[tuple[int, int]]:
    return [(rung.width, rung.height) for rung in rungs]


# --- Which rungs -------------------------------------------------------------------------------


def test_a_720p_source_gets_the_360_540_and_720_rungs():
    assert sizes(plan_ladder(probe(1280, 720))) == [(640, 360), (960, 540), (1280, 720)]


def test_a_portrait_phone_video_keeps_its_orientation_in_every_rung():
    assert sizes(plan_ladder(probe(1080, 1920))) == [(360, 640), (540, 960), (720, 1280), (1080, 1920)]


def test_rungs_are_named_by_the_short_side_of_the_frame():
    assert [rung.name for rung in plan_ladder(probe(1080, 1920))] == ["360p", "540p", "720p", "1080p"]


def test_a_4k_source_stops_at_1080():
    assert sizes(plan_ladder(probe(3840, 2160)))[-1] == (1920, 1080)


def test_a_source_between_rungs_is_never_upscaled():
    assert sizes(plan_ladder(probe(1000, 700))) == [(514, 360), (772, 540)]


def test_a_source_smaller_than_360_gets_one_rung_at_its_own_size():
    assert sizes(plan_ladder(probe(320, 180))) == [(320, 180)]


def test_an_odd_sized_source_gets_even_dimensions_no_larger_than_itself():
    assert sizes(plan_ladder(probe(641, 361))) == [(640, 360)]
    assert sizes(plan_ladder(probe(321, 181))) == [(320, 180)]


def test_a_rotated_source_is_planned_as_displayed():
    assert sizes(plan_ladder(probe(720, 1280, rotation=90))) == [(360, 640), (540, 960), (720, 1280)]


def test_non_square_pixels_are_stretched_to_the_displayed_aspect():
    widescreen_pal = probe(720, 576, sample_aspect_ratio="64:45")
    assert sizes(plan_ladder(widescreen_pal)) == [(640, 360), (960, 540)]


def test_every_rung_caps_its_crf_with_a_maxrate_and_a_buffer_of_twice_that():
    rungs = plan_ladder(probe(1920, 1080))
    assert [(rung.crf, rung.maxrate, rung.bufsize) for rung in rungs] == [
        (23, 800_000, 1_600_000),
        (23, 1_400_000, 2_800_000),
        (23, 2_500_000, 5_000_000),
        (23, 4_500_000, 9_000_000),
    ]


# --- Frame rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "output"),
    [
        (25, Fraction(25)),
        (30000 / 1001, Fraction(30000, 1001)),
        (30, Fraction(30)),
        (60, Fraction(30)),
        (50, Fraction(25)),
        (59.94, Fraction(30000, 1001)),
        (120, Fraction(30)),
        (29.81, Fraction(30000, 1001)),  # a variable-rate phone video's average
        (20.58, Fraction(24000, 1001)),
        (1, Fraction(10)),
    ],
)
def test_the_output_frame_rate_is_a_common_rate_of_at_most_30(source, output):
    assert output_frame_rate(probe(frame_rate=source)) == output


# --- The command -------------------------------------------------------------------------------


def command_for(source_probe: ProbeResult, tmp_path: Path) -> list[str]:
    return build_ladder_command(
        source=tmp_path / "in.mp4", out_dir=tmp_path, probe=source_probe, rungs=plan_ladder(source_probe)
    )


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_whole_ladder_is_one_ffmpeg_command_with_one_input(tmp_path):
    command = command_for(probe(), tmp_path)
    assert command[0] == "ffmpeg"
    assert command.count("-i") == 1


def test_video_rungs_share_an_audio_group_when_the_source_has_sound(tmp_path):
    stream_map = option(command_for(probe(has_audio=True), tmp_path), "-var_stream_map")
    assert stream_map == (
        "a:0,agroup:audio,name:audio,default:yes v:0,agroup:audio,name:360p "
        "v:1,agroup:audio,name:540p v:2,agroup:audio,name:720p"
    )


def test_there_is_no_audio_group_when_the_source_is_silent(tmp_path):
    command = command_for(probe(has_audio=False), tmp_path)
    assert option(command, "-var_stream_map") == "v:0,name:360p v:1,name:540p v:2,name:720p"
    assert "-c:a" not in command


def test_keyframes_are_forced_every_two_seconds_with_scene_cuts_off(tmp_path):
    command = command_for(probe(frame_rate=25), tmp_path)
    assert option(command, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    assert (option(command, "-g"), option(command, "-keyint_min"), option(command, "-sc_threshold")) == (
        "50",
        "50",
        "0",
    )


def test_progress_goes_where_the_caller_asks(tmp_path):
    command = build_ladder_command(
        source=tmp_path / "in.mp4",
        out_dir=tmp_path,
        probe=probe(),
        rungs=plan_ladder(probe()),
        progress="pipe:3",
    )
    assert option(command, "-progress") == "pipe:3"


def test_threads_are_passed_to_the_encoders_only_when_asked(tmp_path):
    rungs = plan_ladder(probe())
    unset = build_ladder_command(source=tmp_path / "in.mp4", out_dir=tmp_path, probe=probe(), rungs=rungs)
    two = build_ladder_command(
        source=tmp_path / "in.mp4", out_dir=tmp_path, probe=probe(), rungs=rungs, threads=2
    )
    assert "-threads" not in unset
    assert option(two, "-threads") == "2"


# --- Storyboard --------------------------------------------------------------------------------


def test_a_short_video_gets_a_thumbnail_every_second():
    storyboard = plan_storyboard(probe(duration=5.0))
    assert (storyboard.interval, storyboard.count, storyboard.columns, storyboard.rows) == (1, 5, 5, 1)


def test_a_long_lecture_gets_at_most_100_thumbnails_at_a_round_interval():
    storyboard = plan_storyboard(probe(duration=3 * 3600))
    assert (storyboard.interval, storyboard.count) == (120, 90)


def test_a_portrait_video_gets_portrait_thumbnails_160_wide():
    storyboard = plan_storyboard(probe(1080, 1920))
    assert (storyboard.thumb_width, storyboard.thumb_height) == (160, 284)


def test_the_storyboard_track_points_each_cue_at_its_cell_of_the_sprite(tmp_path):
    path = write_storyboard_vtt(out_dir=tmp_path, probe=probe(duration=12.5))
    text = path.read_text()
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90\n")
    assert "00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,90,160,90\n" in text
    assert text.endswith("00:00:11.000 --> 00:00:12.500\nstoryboard.jpg#xywh=160,90,160,90\n")


def test_cue_times_past_an_hour_are_written_with_hours(tmp_path):
    text = write_storyboard_vtt(out_dir=tmp_path, probe=probe(duration=3725.0)).read_text()
    assert "01:00:00.000 --> 01:01:00.000\n" in text


# --- Bitrates ----------------------------------------------------------------------------------


def test_the_peak_is_the_busiest_segment_when_segments_last_the_target_duration():
    segments = [Segment(4.0, 400_000), Segment(4.0, 1_000_000), Segment(4.0, 500_000)]
    assert peak_bitrate(segments, 4) == 2_000_000


def test_a_short_last_segment_does_not_claim_the_peak_on_its_own():
    segments = [Segment(4.0, 500_000), Segment(4.0, 500_000), Segment(0.1, 40_000)]
    # Alone, the 0.1 s tail would claim 3.2 Mbit/s; it counts together with the segment before it.
    assert peak_bitrate(segments, 4) == math.ceil(540_000 * 8 / 4.1)


def test_a_video_shorter_than_half_a_segment_has_its_average_as_peak():
    assert peak_bitrate([Segment(1.0, 100_000)], 4) == 800_000


def write_ladder_files(out_dir: Path, *, audio: bool) -> list[Rung]:
    """A master and media playlists as ffmpeg writes them, over segment files of known sizes."""
    rungs = plan_ladder(probe(640, 360))
    group = ',AUDIO="group_audio"' if audio else ""
    master = ["#EXTM3U", "#EXT-X-VERSION:7"]
    if audio:
        master.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_0",DEFAULT=YES,URI="audio/index.m3u8"'
        )
    master += [
        f'#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"{group}',
        "360p/index.m3u8",
        "",
    ]
    (out_dir / "master.m3u8").write_text("\n".join(master))
    for folder, sizes_ in (("360p", [400_000, 200_000]), ("audio", [64_000, 16_000])):
        (out_dir / folder).mkdir()
        playlist = ["#EXTM3U", "#EXT-X-TARGETDURATION:4", '#EXT-X-MAP:URI="init_0.mp4"']
        for index, size in enumerate(sizes_):
            (out_dir / folder / f"segment_{index}.m4s").write_bytes(b"\0" * size)
            playlist += [f"#EXTINF:{4.0 if index == 0 else 2.0},", f"segment_{index}.m4s"]
        (out_dir / folder / "index.m3u8").write_text("\n".join([*playlist, "#EXT-X-ENDLIST"]))
    return rungs


def stream_inf(out_dir: Path) -> dict[str, str]:
    line = next(
        x for x in (out_dir / "master.m3u8").read_text().splitlines() if x.startswith("#EXT-X-STREAM-INF")
    )
    return parse_attributes(line.partition(":")[2])


def test_bandwidth_in_the_master_is_the_measured_video_peak_plus_the_audio_peak(tmp_path):
    rungs = write_ladder_files(tmp_path, audio=True)
    [measured] = measure_and_rewrite_master(tmp_path, rungs)
    # Video: 4 s of 400 kB = 800 kbit/s, and 6 s of 600 kB = 800 kbit/s. Audio: 128 kbit/s and 106.7 kbit/s.
    assert measured.bandwidth == 800_000 + 128_000
    assert stream_inf(tmp_path)["BANDWIDTH"] == str(measured.bandwidth)


def test_average_bandwidth_in_the_master_is_the_video_and_audio_averages(tmp_path):
    rungs = write_ladder_files(tmp_path, audio=True)
    [measured] = measure_and_rewrite_master(tmp_path, rungs)
    assert measured.average_bandwidth == 800_000 + 106_667
    assert stream_inf(tmp_path)["AVERAGE-BANDWIDTH"] == str(measured.average_bandwidth)


def test_rewriting_keeps_resolution_codecs_and_audio_group(tmp_path):
    rungs = write_ladder_files(tmp_path, audio=True)
    measure_and_rewrite_master(tmp_path, rungs)
    attributes = stream_inf(tmp_path)
    assert (attributes["RESOLUTION"], attributes["CODECS"], attributes["AUDIO"]) == (
        "640x360",
        '"avc1.64001e,mp4a.40.2"',
        '"group_audio"',
    )


def test_rewriting_the_master_twice_changes_nothing(tmp_path):
    rungs = write_ladder_files(tmp_path, audio=True)
    measure_and_rewrite_master(tmp_path, rungs)
    once = (tmp_path / "master.m3u8").read_text()
    measure_and_rewrite_master(tmp_path, rungs)
    assert (tmp_path / "master.m3u8").read_text() == once


def test_the_measured_rung_names_its_playlist_and_size(tmp_path):
    rungs = write_ladder_files(tmp_path, audio=False)
    [measured] = measure_and_rewrite_master(tmp_path, rungs)
    assert (measured.playlist, measured.width, measured.height, measured.bandwidth) == (
        "360p/index.m3u8",
        640,
        360,
        800_000,
    )
