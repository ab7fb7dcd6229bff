"""A helper process that takes the CPU-bound part of bulk indexing (segmentation, grams, pinyin) off
the process that writes the index, so the two run at the same time.

Only where a process may have children and the machine has a second core: Celery's prefork workers
are daemonic and cannot, so on-commit indexing there stays in one process, while
``manage.py search_reindex`` and other plain processes use the helper. The helper is forked on first
use (it inherits the loaded dictionaries) and ends with the interpreter.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def helper_pool() -> ProcessPoolExecutor | None:
    """The shared one-process pool, or None where a helper cannot or should not run."""
    global _pool
    if multiprocessing.current_process().daemon or (os.cpu_count() or 1) < 2:
        return None
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        return _pool


def _forget_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def map_chunks(
    function: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, size: int
) -> Iterator[list[R]]:
    """``function`` over ``items`` in chunks of ``size``, yielded in order: this process computes the
    first chunk while the helper starts on the others, so the caller can consume (write) one chunk
    while the next is being computed.

    ``function`` must be a module-level function of picklable items and results. If the helper is
    gone (killed, out of memory), this process computes the missing chunks and the next call starts
    a new helper: the results are the same either way.
    """
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    pool = helper_pool() if len(chunks) > 1 else None
    futures = []
    if pool is not None:
        try:
            futures = [pool.submit(function, chunk) for chunk in chunks[1:]]
        except (RuntimeError, BrokenProcessPool):
            _forget_pool()
            futures = []
    yield function(chunks[0]) if chunks else []
    for index, chunk in enumerate(chunks[1:]):
        if index < len(futures):
            try:
                yield futures[index].result()
                continue
            except BrokenProcessPool:
                _forget_pool()
                futures = []
        yield function(chunk)
