"""ffmpeg's ``-progress`` output as a whole percent of a known duration.

ffmpeg writes blocks of ``key=value`` lines, each ending with ``progress=continue`` (or
``progress=end`` for the last). Text arrives in arbitrary chunks from a pipe, so the parser keeps
the unfinished line and applies a block only when its ``progress=`` line has arrived.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

# ffmpeg reports output time under three keys; ``out_time_ms`` is in microseconds too (a
# long-standing ffmpeg misnomer), and ``out_time`` is HH:MM:SS.micro, negative before the first frame.
_MICROSECOND_KEYS = ("out_time_us", "out_time_ms")


class ProgressParser:
    """Feed it chunks of ``-progress`` text; it answers with the percent whenever that changes.

    The percent never goes down and stays below 100 until ffmpeg says ``progress=end``: output time
    can reach the duration while muxers are still flushing.
    """

    def __init__(self, *, duration: float) -> None:
        self.duration = duration
        self.percent = 0
        self.finished = False
        self._partial = ""
        self._block: dict[str, str] = {}

    def feed(self, text: str) -> int | None:
        """Take a chunk of text; return the new percent if it changed, else None."""
        before = self.percent
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line.strip())
        return self.percent if self.percent != before else None

    def _line(self, line: str) -> None:
        key, sep, value = line.partition("=")
        if not sep:
            return
        key, value = key.strip(), value.strip()
        if key != "progress":
            self._block[key] = value
            return
        if value == "end":
            self.finished = True
            self.percent = 100
        else:
            seconds = _out_time_seconds(self._block)
            if seconds is not None and self.duration > 0:
                percent = min(99, math.floor(seconds / self.duration * 100))
                self.percent = max(self.percent, percent)
        self._block = {}


def iter_percent(chunks: Iterable[str], *, duration: float) -> Iterator[int]:
    """Each change of percent over a stream of text chunks, e.g. the lines of a pipe."""
    parser = ProgressParser(duration=duration)
    for chunk in chunks:
        percent = parser.feed(chunk)
        if percent is not None:
            yield percent


def _out_time_seconds(block: dict[str, str]) -> float | None:
    for key in _MICROSECOND_KEYS:
        try:
            microseconds = int(block[key])
        except (KeyError, ValueError):
            continue
        if microseconds >= 0:
            return microseconds / 1_000_000
    return _clock_seconds(block.get("out_time", ""))


def _clock_seconds(clock: str) -> float | None:
    """Seconds from ``HH:MM:SS.micro``; None for N/A or the negative value ffmpeg prints at start."""
    if clock.startswith("-"):
        return None
    try:
        hours, minutes, seconds = clock.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
