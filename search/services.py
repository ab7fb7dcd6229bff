"""Writes to the search index: indexing by key, rebuilding a type, checking it against the database.

Index writes never run inside a request: signals enqueue ``search_index_task`` on commit and the
task calls ``search_index``, which re-reads the objects and writes or removes their records, so
running it twice or late changes nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from school.queueing import enqueue
from search.backends import get_backend
from search.documents import split_key
from search.registry import SearchType, all_types, get_type

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass
class IndexReport:
    written: int = 0
    removed: int = 0


def search_index(*, keys: Iterable[str]) -> IndexReport:
    """Write the records of ``keys`` whose objects should be found; remove the others."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for key in keys:
        try:
            type_name, pk = split_key(key)
        except ValueError:
            logger.warning("ignoring malformed search key %r", key)
            continue
        by_type[type_name].add(pk)
    report = IndexReport()
    backend = get_backend()
    for type_name, pks in by_type.items():
        search_type = get_type(type_name)
        if search_type is None:
            report.removed += backend.delete(f"{type_name}:{pk}" for pk in pks)
            continue
        for chunk in _chunks(sorted(pks), BATCH_SIZE):
            objects = search_type.load(chunk)
            documents = search_type.documents(objects)
            present = [doc for doc in documents.values() if doc is not None]
            gone = [search_type.key(pk) for pk in chunk if documents.get(pk) is None]
            report.written += backend.index(present)
            report.removed += backend.delete(gone)
    return report


_pending = threading.local()


def search_index_on_commit(keys: Iterable[str]) -> None:
    """Queue ``keys`` for indexing once the current transaction commits (at once outside one).

    Every call registers a flush and the first flush sends all keys collected so far as one task.
    Keys of a rolled-back transaction go with the next flush: harmless, indexing re-reads them.
    """
    keys = set(keys)
    if not keys:
        return
    batch = getattr(_pending, "keys", None)
    if batch is None:
        batch = _pending.keys = set()
    batch.update(keys)
    transaction.on_commit(_flush)


def _flush() -> None:
    from search.tasks import search_index_task

    keys = sorted(getattr(_pending, "keys", None) or ())
    _pending.keys = None
    if keys:
        enqueue(search_index_task, keys=keys)


def search_reindex_restricted_on_commit() -> None:
    """After the org tree changed: re-index records limited to organisations, once per commit."""
    _pending.org = True
    transaction.on_commit(_flush_org)


def _flush_org() -> None:
    from search.tasks import search_reindex_restricted_task

    if getattr(_pending, "org", False):
        _pending.org = False
        enqueue(search_reindex_restricted_task)


def search_reindex_restricted() -> IndexReport:
    return search_index(keys=get_backend().restricted_keys())


@dataclass
class RebuildReport:
    type_name: str
    written: int
    removed: int
    seconds: float


def search_rebuild(
    *,
    search_type: SearchType,
    batch_size: int = BATCH_SIZE,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Rebuild one type's records in primary-key order while the old ones keep answering queries.

    ``resume`` continues an interrupted rebuild after the last batch it wrote.
    """
    backend = get_backend()
    started = time.monotonic()
    state = backend.rebuild_start(search_type.name, resume=resume)
    candidates = search_type.candidates().order_by("pk")
    total = candidates.count()
    done = candidates.filter(pk__lte=state.after_pk).count() if state.after_pk else 0
    written = 0
    while True:
        batch = list(candidates.filter(pk__gt=state.after_pk)[:batch_size])
        if not batch:
            break
        documents = [doc for doc in search_type.documents(batch).values() if doc is not None]
        state.after_pk = batch[-1].pk
        backend.rebuild_write(state, documents)
        written += len(documents)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    removed = backend.rebuild_finish(state)
    return RebuildReport(search_type.name, written, removed, time.monotonic() - started)


@dataclass
class TypeCheck:
    type_name: str
    label: str
    expected: int  # objects that should be found
    indexed: int
    missing: list[str]  # should be found, are not in the index
    extra: list[str]  # in the index, should not be

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def search_check() -> list[TypeCheck]:
    """Compare, per type, the keys that should be indexed with the keys that are."""
    backend = get_backend()
    checks = []
    for search_type in all_types():
        expected: set[str] = set()
        pks = list(search_type.candidates().order_by("pk").values_list("pk", flat=True))
        for chunk in _chunks(pks, 500):
            documents = search_type.documents(search_type.load(chunk))
            expected.update(doc.key for doc in documents.values() if doc is not None)
        indexed = backend.keys(search_type.name)
        checks.append(
            TypeCheck(
                type_name=search_type.name,
                label=str(search_type.label),
                expected=len(expected),
                indexed=len(indexed),
                missing=sorted(expected - indexed),
                extra=sorted(indexed - expected),
            )
        )
    return checks


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
