"""Private work folders of transcodes on a worker's local disk, and the sweep of abandoned ones.

A worker killed mid-transcode (SIGKILL, out of memory, power cut) leaves its folder behind: a
copy of the source and a partial ladder, often gigabytes. Each run holds an exclusive ``flock`` on
a file inside its folder for as long as it lives, and the kernel releases it when the process
dies. A folder whose lock can be taken therefore belongs to nobody and is removed, whichever
worker on this host made it. The folder is locked under a hidden name and only then renamed to
its visible one, so the sweep never sees a folder that is not locked yet.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

VISIBLE_PREFIX = "transcode-"
HIDDEN_PREFIX = ".new-transcode-"
LOCK_NAME = ".lock"


def work_root() -> Path:
    return Path(settings.MEDIA_WORK_DIR or tempfile.gettempdir())


@contextmanager
def transcode_workspace(video_id: int) -> Iterator[Path]:
    """A fresh locked folder for one run; removed afterwards, whatever happened inside."""
    root = work_root()
    root.mkdir(parents=True, exist_ok=True)
    hidden = Path(tempfile.mkdtemp(prefix=f"{HIDDEN_PREFIX}{video_id}-", dir=root))
    lock = (hidden / LOCK_NAME).open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        folder = root / hidden.name.removeprefix(".new-")
        os.rename(hidden, folder)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.close()
        shutil.rmtree(hidden, ignore_errors=True)  # only there if the rename never happened


def sweep_abandoned_workspaces() -> list[str]:
    """Remove the work folders of runs that are no longer alive; the names of those removed."""
    root = work_root()
    try:
        candidates = sorted(p for p in root.iterdir() if p.name.startswith(VISIBLE_PREFIX) and p.is_dir())
    except FileNotFoundError:
        return []
    removed = []
    for folder in candidates:
        if _remove_if_abandoned(folder):
            removed.append(folder.name)
    return removed


def _remove_if_abandoned(folder: Path) -> bool:
    try:
        lock = (folder / LOCK_NAME).open("r")
    except FileNotFoundError:
        # Only a run in the middle of deleting its own folder leaves one without its lock file.
        shutil.rmtree(folder, ignore_errors=True)
        return True
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live run
        logger.warning("removing the work folder %s of a transcode whose worker died", folder)
        shutil.rmtree(folder, ignore_errors=True)
        return True
