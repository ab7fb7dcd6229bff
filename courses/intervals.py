"""Watched parts of a video as sorted, disjoint ``[start, end]`` intervals in seconds.

The server keeps one such list per member and lesson; every heartbeat's intervals are merged in.
Merging is a union: order-independent, and a part watched twice counts once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Interval = tuple[float, float]

# A claimed end this far past the video's length is a rounding of the player's clock, not a lie.
END_TOLERANCE = 1.0


class InvalidIntervals(ValueError):
    """Not a list of ``[start, end]`` pairs of finite, non-negative seconds with start < end."""


def parse(raw: object, *, limit: int, duration: float) -> list[Interval]:
    """The intervals a client sent, checked; ``InvalidIntervals`` for anything else.

    Reversed, empty, negative, non-finite or past-the-end intervals are refused, not repaired:
    a player that sends them is broken or lying.
    """
    if not isinstance(raw, list) or len(raw) > limit:
        raise InvalidIntervals(f"not a list of at most {limit} intervals")
    intervals = []
    for item in raw:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise InvalidIntervals("an interval is a pair")
        start, end = item
        if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in item):
            raise InvalidIntervals("an interval holds numbers")
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
            raise InvalidIntervals("an interval runs forwards from zero or later")
        if end > duration + END_TOLERANCE:
            raise InvalidIntervals("an interval ends after the video")
        intervals.append((float(start), min(float(end), duration)))
    return intervals


def merge(*lists: Iterable[Sequence[float]]) -> list[Interval]:
    """The union of all intervals given, sorted and disjoint."""
    pairs = sorted((float(start), float(end)) for intervals in lists for start, end in intervals)
    merged: list[list[float]] = []
    for start, end in pairs:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def total(intervals: Iterable[Sequence[float]]) -> float:
    """Seconds covered by already merged intervals."""
    return sum(end - start for start, end in intervals)


def covered(intervals: Iterable[Sequence[float]]) -> float:
    """Seconds covered by any intervals, each second counted once."""
    return total(merge(intervals))
