"""Merging watched intervals: a union, so order and repetition never change the total."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses import intervals

DURATION = 600.0


@st.composite
def an_interval(draw) -> tuple[float, float]:
    start = draw(st.floats(min_value=0, max_value=DURATION - 1, allow_nan=False))
    length = draw(st.floats(min_value=0.01, max_value=120, allow_nan=False))
    return (start, min(start + length, DURATION))


interval_lists = st.lists(an_interval(), max_size=30)


def seconds_covered(pairs, step: float = 0.05) -> float:
    """A brute-force measure to check against: sample the timeline."""
    ticks = int(DURATION / step)
    hit = [False] * ticks
    for start, end in pairs:
        for tick in range(int(start / step), min(ticks, int(end / step))):
            hit[tick] = True
    return sum(hit) * step


@given(interval_lists)
def test_merged_intervals_are_sorted_and_disjoint(pairs):
    merged = intervals.merge(pairs)
    for (_, end), (next_start, _) in zip(merged, merged[1:], strict=False):
        assert end < next_start
    assert all(start < end for start, end in merged)


@given(interval_lists, st.randoms(use_true_random=False))
def test_merging_does_not_depend_on_order(pairs, rng: random.Random):
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    assert intervals.merge(pairs) == intervals.merge(shuffled)


@given(interval_lists, interval_lists)
def test_merging_in_two_heartbeats_equals_merging_at_once(first, second):
    assert intervals.merge(intervals.merge(first), second) == intervals.merge(first + second)


@given(interval_lists)
def test_a_part_watched_twice_counts_once(pairs):
    assert intervals.covered(pairs + pairs) == pytest.approx(intervals.covered(pairs), abs=1e-6)


@given(interval_lists)
def test_the_total_never_exceeds_the_sum_of_the_parts_or_the_video(pairs):
    total = intervals.covered(pairs)
    assert total <= sum(end - start for start, end in pairs) + 1e-6
    assert total <= DURATION


@given(st.lists(an_interval(), max_size=8))
def test_the_total_is_the_time_covered(pairs):
    merged = intervals.merge(pairs)
    slack = 0.1 * max(1, len(pairs))  # sampling misses up to a step at each end of an interval
    assert intervals.total(merged) == pytest.approx(seconds_covered(pairs), abs=slack)


@pytest.mark.parametrize(
    "raw",
    [
        "0-10",
        [[10, 5]],
        [[-1, 5]],
        [[5, 5]],
        [[0, float("inf")]],
        [[0, 1e9]],
        [[0, "10"]],
        [[True, 10]],
        [[0, 10, 20]],
        [[0, 1]] * 101,
    ],
    ids=["text", "reversed", "negative", "empty", "infinite", "huge", "string", "bool", "triple", "too many"],
)
def test_malformed_intervals_are_refused(raw):
    with pytest.raises(intervals.InvalidIntervals):
        intervals.parse(raw, limit=100, duration=DURATION)


def test_an_end_a_frame_past_the_video_is_clamped_to_its_length():
    assert intervals.parse([[590, 600.04]], limit=100, duration=DURATION) == [(590.0, 600.0)]
