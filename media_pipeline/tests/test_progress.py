"""Reading ffmpeg's -progress output, from text captured from ffmpeg 5.1."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from media_pipeline.progress import ProgressParser, iter_percent

# ffmpeg -progress pipe:1 -nostats on a 5 s clip, as written (blocks trimmed of a few keys).
CAPTURED = """\
frame=0
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=N/A
out_time_us=N/A
out_time_ms=N/A
out_time=N/A
dup_frames=0
drop_frames=0
speed=N/A
progress=continue
frame=1
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=N/A
out_time_us=0
out_time_ms=0
out_time=00:00:00.000000
dup_frames=0
drop_frames=0
speed=   0x
progress=continue
frame=86
fps=0.00
stream_0_0_q=29.0
bitrate=N/A
total_size=N/A
out_time_us=2233333
out_time_ms=2233333
out_time=00:00:02.233333
dup_frames=0
drop_frames=0
speed=10.8x
progress=continue
frame=150
fps=0.00
stream_0_0_q=-1.0
bitrate=N/A
total_size=N/A
out_time_us=4933333
out_time_ms=4933333
out_time=00:00:04.933333
dup_frames=0
drop_frames=0
speed=13.4x
progress=continue
frame=150
fps=0.00
stream_0_0_q=-1.0
bitrate=N/A
total_size=N/A
out_time_us=5013333
out_time_ms=5013333
out_time=00:00:05.013333
dup_frames=0
drop_frames=0
speed=13.4x
progress=end
"""


def block(*, progress: str = "continue", **values: str) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items()) + f"progress={progress}\n"


def test_captured_output_gives_the_percent_of_each_block_then_100():
    assert list(iter_percent(CAPTURED.splitlines(keepends=True), duration=5.0)) == [44, 98, 100]


def test_the_percent_stays_below_100_until_ffmpeg_says_end():
    parser = ProgressParser(duration=5.0)
    assert parser.feed(block(out_time_us="5200000")) == 99
    assert parser.feed(block(progress="end", out_time_us="5200000")) == 100


def test_out_time_before_the_first_frame_is_ignored():
    parser = ProgressParser(duration=5.0)
    assert parser.feed(block(out_time_us="N/A", out_time_ms="N/A", out_time="-577014:32:22.775808")) is None
    assert parser.percent == 0


def test_the_clock_is_read_when_the_microsecond_keys_are_missing():
    assert ProgressParser(duration=100.0).feed(block(out_time="00:01:15.500000")) == 75


def test_out_time_ms_is_read_as_microseconds_as_ffmpeg_writes_it():
    assert ProgressParser(duration=10.0).feed(block(out_time_ms="2500000")) == 25


def test_the_percent_never_goes_back():
    parser = ProgressParser(duration=10.0)
    parser.feed(block(out_time_us="6000000"))
    assert parser.feed(block(out_time_us="3000000")) is None
    assert parser.percent == 60


def test_an_unchanged_percent_is_not_reported_again():
    parser = ProgressParser(duration=10.0)
    assert parser.feed(block(out_time_us="1000000")) == 10
    assert parser.feed(block(out_time_us="1050000")) is None


def test_a_block_counts_only_once_its_progress_line_has_arrived():
    parser = ProgressParser(duration=10.0)
    assert parser.feed("out_time_us=5000000\nprogr") is None
    assert parser.feed("ess=continue\n") == 50


def test_an_unknown_duration_reports_only_the_end():
    parser = ProgressParser(duration=0.0)
    assert parser.feed(block(out_time_us="5000000")) is None
    assert parser.feed(block(progress="end")) == 100


@given(st.lists(st.integers(min_value=0, max_value=len(CAPTURED)), max_size=40))
def test_text_cut_into_chunks_anywhere_reports_the_same_steps_a_chunk_at_a_time(cuts):
    bounds = [0, *sorted(cuts), len(CAPTURED)]
    chunks = [CAPTURED[start:end] for start, end in pairwise(bounds)]
    reported = list(iter_percent(chunks, duration=5.0))
    line_by_line = iter([44, 98, 100])
    assert all(percent in line_by_line for percent in reported)  # in order, none invented
    assert reported[-1] == 100
