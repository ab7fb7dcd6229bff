"""Run one ffmpeg command to completion, reporting progress, with a deadline.

ffmpeg writes ``-progress`` blocks to stdout and its log to stderr. Both pipes are read in this
thread with a selector, so neither can fill up and stall ffmpeg, and the deadline is enforced even
while ffmpeg prints nothing. Only the last lines of the log are kept: enough to explain a failure.
"""

from __future__ import annotations

import codecs
import os
import selectors
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

from media_pipeline.exceptions import TranscodeFailed
from media_pipeline.progress import ProgressParser

STDERR_TAIL_LINES = 50
_READ_SIZE = 64 * 1024


def run_ffmpeg(
    command: Sequence[str],
    *,
    duration: float,
    on_progress: Callable[[int], None],
    timeout: float,
    nice: int = 10,
) -> None:
    """Run ``command`` (which must write ``-progress`` to stdout) at lower CPU priority.

    ``on_progress`` is called with each new whole percent of ``duration``, 100 only when ffmpeg
    says it has finished. Raises ``TranscodeFailed`` when ffmpeg fails or outlives ``timeout``
    seconds; the process is killed and reaped whenever this function does not return normally.
    """
    argv = ["nice", "-n", str(nice), *command] if nice else list(command)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    try:
        finished_in_time = _pump(
            process, duration=duration, on_progress=on_progress, tail=tail, timeout=timeout
        )
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()
    detail = "\n".join(tail)
    if not finished_in_time:
        raise TranscodeFailed(
            _("Transcoding took too long and was stopped. Try a shorter video or try again later."),
            detail=f"ffmpeg ran longer than {timeout:g}s\n{detail}",
        )
    if process.returncode < 0:
        raise TranscodeFailed(
            _("Transcoding was interrupted before it finished."),
            detail=f"ffmpeg was stopped by {_signal_name(-process.returncode)}\n{detail}",
            temporary=True,
        )
    if process.returncode != 0:
        raise TranscodeFailed(
            _("The video could not be decoded. It may be damaged or in a format we cannot convert."),
            detail=detail,
        )


def _pump(
    process: subprocess.Popen,
    *,
    duration: float,
    on_progress: Callable[[int], None],
    tail: deque[str],
    timeout: float,
) -> bool:
    """Read both pipes until ffmpeg closes them and exits; False if the deadline came first."""
    deadline = time.monotonic() + timeout
    parser = ProgressParser(duration=duration)
    decoders = {
        process.stdout: codecs.getincrementaldecoder("utf-8")(errors="replace"),
        process.stderr: codecs.getincrementaldecoder("utf-8")(errors="replace"),
    }
    unfinished_line = ""
    with selectors.DefaultSelector() as selector:
        for pipe in decoders:
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for key, _events in selector.select(remaining):
                data = os.read(key.fd, _READ_SIZE)
                if not data:
                    selector.unregister(key.fileobj)
                text = decoders[key.fileobj].decode(data, final=not data)
                if key.fileobj is process.stdout:
                    _report_progress(parser, text, on_progress)
                else:
                    unfinished_line = _keep_tail(unfinished_line + text, tail, final=not data)
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def _report_progress(parser: ProgressParser, text: str, on_progress: Callable[[int], None]) -> None:
    """Line by line, so each block's percent is reported even when several blocks arrive at once."""
    for line in text.splitlines(keepends=True):
        percent = parser.feed(line)
        if percent is not None:
            on_progress(percent)


def _keep_tail(text: str, tail: deque[str], *, final: bool) -> str:
    """Append the complete lines of ``text`` to ``tail``; return the unfinished rest."""
    lines = text.replace("\r", "\n").split("\n")
    rest = "" if final else lines.pop()
    tail.extend(line for line in lines if line.strip())
    return rest


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
