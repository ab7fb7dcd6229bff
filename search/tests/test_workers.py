"""The indexing helper process: same results as one process, chunks in order, survives losing it."""

from __future__ import annotations

import os
import signal

from search.backends import embedded, workers
from search.backends.embedded import EmbeddedBackend
from search.tests.factories import EVERYTHING, ask, record


def squares(numbers):
    return [n * n for n in numbers]


def pids(numbers):
    return [os.getpid() for _ in numbers]


def test_chunks_come_back_in_order_and_complete():
    chunks = list(workers.map_chunks(squares, list(range(23)), size=5))
    assert [len(chunk) for chunk in chunks] == [5, 5, 5, 5, 3]
    assert sum(chunks, []) == [n * n for n in range(23)]


def test_the_helper_computes_the_later_chunks():
    chunks = list(workers.map_chunks(pids, list(range(6)), size=2))
    assert set(chunks[0]) == {os.getpid()}
    assert {pid for chunk in chunks[1:] for pid in chunk} != {os.getpid()}  # another process


def test_a_killed_helper_is_replaced_and_nothing_is_lost():
    first_helper = next(
        pid for pid in sum(workers.map_chunks(pids, [0, 1, 2, 3], size=2), []) if pid != os.getpid()
    )
    os.kill(first_helper, signal.SIGKILL)
    chunks = list(workers.map_chunks(squares, list(range(10)), size=3))
    assert sum(chunks, []) == [n * n for n in range(10)]
    again = sum(workers.map_chunks(pids, [0, 1, 2, 3], size=2), [])
    assert first_helper not in again


def test_a_large_batch_indexed_with_the_helper_finds_what_one_process_finds(tmp_path, monkeypatch):
    documents = [
        record(f"第{n}篇学习资料", f"学习贯彻党的二十大精神第{n}次专题研讨", pk=n) for n in range(1, 301)
    ]
    helped = EmbeddedBackend(path=tmp_path / "helped.sqlite3")
    helped.index(documents)
    monkeypatch.setattr(embedded, "PARALLEL_MIN", 10_000)  # one process
    alone = EmbeddedBackend(path=tmp_path / "alone.sqlite3")
    alone.index(documents)
    for q in ("二十大", "专题研讨", "第17篇", "精"):
        one, other = ask(helped, q, EVERYTHING, limit=400), ask(alone, q, EVERYTHING, limit=400)
        assert one.total == other.total > 0
        assert [hit.key for hit in one.hits] == [hit.key for hit in other.hits]
    helped.close()
    alone.close()
