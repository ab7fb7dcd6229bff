"""What only the embedded backend has: many-match plans, concurrent readers, its file's lifecycle."""

from __future__ import annotations

import datetime
import sqlite3
import threading

import pytest

from search.backends import embedded
from search.backends.embedded import EmbeddedBackend
from search.tests.factories import EVERYTHING, MEMBER, ask, keys, record


@pytest.fixture
def backend(tmp_path):
    backend = EmbeddedBackend(path=tmp_path / "index.sqlite3")
    yield backend
    backend.close()


def written_by_other_versions(path) -> None:
    """Make the index file look written by other tokenizer versions (it is emptied when opened)."""
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'old' WHERE name = 'schema'")
    db.commit()
    db.close()


@pytest.fixture
def few(monkeypatch):
    """Plans switch at three matches instead of two thousand."""
    monkeypatch.setattr(embedded, "EXACT_LIMIT", 3)


def test_many_matches_are_all_counted_with_title_matches_first(backend, few):
    backend.index([record(f"资料{n}", "学习党章", pk=n) for n in range(1, 6)] + [record("党章", pk=9)])
    results = ask(backend, "党章", MEMBER, limit=3)
    assert results.total == 6
    assert not results.capped
    assert keys(results)[0] == "article:9"
    assert sum(v.count for v in results.facets["type"]) == 6


def test_many_matches_page_on_newest_first_after_the_titles(backend, few):
    import datetime

    backend.index(
        [record(f"资料{n}", "学习党章", pk=n, date=datetime.date(2020 + n, 1, 1)) for n in range(1, 6)]
        + [record("党章", pk=9, date=datetime.date(2000, 1, 1))]
    )
    first = ask(backend, "党章", limit=3)
    second = ask(backend, "党章", limit=3, offset=3)
    assert keys(first) + keys(second) == [
        "article:9",
        "article:5",
        "article:4",
        "article:3",
        "article:2",
        "article:1",
    ]


def test_one_common_character_is_answered_from_the_newest_matches_and_says_its_counts_are_partial(
    backend, few
):
    backend.index([record(f"资料{n}", "党", pk=n) for n in range(1, 8)] + [record("党", pk=20)])
    results = ask(backend, "党", EVERYTHING, limit=10)
    assert results.capped
    assert 3 <= results.total < 8
    assert keys(results)[0] == "article:20"


def test_one_rare_character_is_counted_in_full(backend, few):
    backend.index([record("党", pk=1), record("党章", pk=2), record("学习", pk=3)])
    results = ask(backend, "党")
    assert not results.capped
    assert results.total == 2


def test_readers_keep_reading_while_a_writer_writes(backend):
    backend.index([record("党章学习", pk=1)])
    errors: list[BaseException] = []
    seen: list[list[int]] = [[], [], []]
    stop = threading.Event()

    def read(totals: list[int]) -> None:
        try:
            while not stop.is_set():
                totals.append(ask(backend, "党章").total)
        except BaseException as error:  # noqa: BLE001 - any failure fails the test
            errors.append(error)

    readers = [threading.Thread(target=read, args=(totals,)) for totals in seen]
    for thread in readers:
        thread.start()
    for batch in range(20):
        backend.index([record("党章学习", pk=100 + batch * 10 + n) for n in range(10)])
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    for totals in seen:
        assert totals and totals == sorted(totals)  # never goes back
        assert all((total - 1) % 10 == 0 for total in totals)  # whole batches only: committed states
    assert ask(backend, "党章").total == 201


def test_an_index_written_by_other_tokeniser_versions_is_emptied(tmp_path):
    path = tmp_path / "index.sqlite3"
    backend = EmbeddedBackend(path=path)
    backend.index([record("党章", pk=1)])
    backend.close()
    written_by_other_versions(path)
    reopened = EmbeddedBackend(path=path)
    assert reopened.counts() == {}
    reopened.index([record("党章", pk=1)])
    assert keys(ask(reopened, "党章")) == ["article:1"]
    reopened.close()


def test_replacing_and_deleting_keep_the_contentless_index_consistent(backend):
    backend.index([record("旧的标题", "旧的正文", pk=1)])
    backend.index([record("新的标题", "新的正文", pk=1)])
    backend.delete(["article:1"])
    backend.index([record("旧的标题", pk=2)])
    db = backend._connect()
    db.execute("INSERT INTO fts (fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO fts_chars (fts_chars) VALUES ('integrity-check')")
    assert keys(ask(backend, "旧的")) == ["article:2"]
    assert ask(backend, "新的").total == 0


def test_a_key_given_twice_in_one_batch_keeps_its_last_version_and_the_index_consistent(backend, monkeypatch):
    monkeypatch.setattr(embedded, "PARALLEL_MIN", 2)
    monkeypatch.setattr(embedded, "PREPARE_CHUNK", 2)  # the two versions arrive in different chunks
    backend.index([record("最初的标题", pk=1)])
    backend.index(
        [
            record("中间的标题", pk=1),
            record("别的资料", pk=2),
            record("其他资料", pk=3),
            record("最后的标题", pk=1),
        ]
    )
    db = backend._connect()
    db.execute("INSERT INTO fts (fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO fts_chars (fts_chars) VALUES ('integrity-check')")
    assert keys(ask(backend, "最后")) == ["article:1"]
    assert ask(backend, "最初").total == 0
    assert ask(backend, "中间").total == 0
    assert ask(backend, "资料").total == 2
    assert db.execute("SELECT count(*) FROM suggest WHERE text = '最后的标题'").fetchone() == (1,)


def test_a_new_reader_opens_the_index_while_a_writer_holds_it(tmp_path):
    path = tmp_path / "index.sqlite3"
    writer = EmbeddedBackend(path=path)
    writer.index([record("党章", pk=1)])
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # a worker in the middle of a batch
    lock.execute("DELETE FROM meta WHERE name = 'nothing'")
    reader = EmbeddedBackend(path=path)
    try:
        assert keys(ask(reader, "党章")) == ["article:1"]
    finally:
        lock.execute("ROLLBACK")
        lock.close()
        reader.close()
        writer.close()


def test_an_emptied_index_says_it_is_being_rebuilt_until_a_full_rebuild(tmp_path):
    path = tmp_path / "index.sqlite3"
    first = EmbeddedBackend(path=path)
    assert not first.rebuilding()
    first.close()
    written_by_other_versions(path)
    backend = EmbeddedBackend(path=path)
    assert backend.rebuilding()
    backend.rebuild_done()
    assert not backend.rebuilding()
    state = backend.rebuild_start("article", resume=False)
    assert backend.rebuilding()
    backend.rebuild_finish(state)
    assert not backend.rebuilding()
    backend.close()


def test_a_reader_sees_access_changed_by_another_process_in_hits_and_counts(tmp_path):
    from search.documents import Access, Reader

    path = tmp_path / "index.sqlite3"
    worker, web = EmbeddedBackend(path=path), EmbeddedBackend(path=path)
    branch_a = Reader(logged_in=True, tokens=frozenset({"u:1"}))
    try:
        worker.index([record("党章学习", pk=1), record("党章解读", pk=2)])
        assert ask(web, "党章", branch_a).total == 2  # the web process now holds a snapshot
        worker.index([record("党章解读", pk=2, access=Access(login=True, groups=(frozenset({"u:2"}),)))])
        results = ask(web, "党章", branch_a)
        assert keys(results) == ["article:1"]
        assert results.total == 1
        assert sum(value.count for value in results.facets["type"]) == 1
        worker.index([record("党章解读", pk=2, access=Access(login=True, groups=(frozenset({"u:1"}),)))])
        assert ask(web, "党章", branch_a).total == 2
    finally:
        worker.close()
        web.close()


def test_a_readers_kept_decisions_cover_access_rules_and_facet_keys_added_after_them(backend):
    from search.documents import Access, Reader

    branch_a = Reader(logged_in=True, tokens=frozenset({"u:1"}))
    backend.index([record("党章学习", pk=1, access=Access(login=True, groups=(frozenset({"u:1"}),)))])
    assert ask(backend, "党章", branch_a).total == 1  # its decisions are now kept
    backend.index(
        [
            record("党章解读", pk=2, access=Access(login=True, groups=(frozenset({"u:2"}),))),
            record("党章问答", pk=3, access=Access(login=True, groups=(frozenset({"u:1", "u:9"}),))),
            record("党章新编", pk=4, category="新的分类", date=datetime.date(2031, 1, 1)),
            record("党章汇编", pk=5, access=Access(login=True, organizer=True)),
        ]
    )
    results = ask(backend, "党章", branch_a)
    assert sorted(keys(results)) == ["article:1", "article:3", "article:4"]
    assert results.total == 3
    assert {(v.value, v.count) for v in results.facets["category"]} == {("新的分类", 1)}
    assert {(v.value, v.count) for v in results.facets["year"]} == {("2024", 2), ("2031", 1)}
    assert ask(backend, "党章", branch_a, filters={"category": "新的分类"}).total == 1
    organizer = Reader(logged_in=True, organizer=True, tokens=frozenset({"u:2"}))
    assert sorted(keys(ask(backend, "党章", organizer))) == ["article:2", "article:4", "article:5"]


def test_a_reader_after_the_index_was_emptied_and_refilled_does_not_reuse_its_old_snapshot(tmp_path):
    path = tmp_path / "index.sqlite3"
    worker, web = EmbeddedBackend(path=path), EmbeddedBackend(path=path)
    try:
        worker.index([record("党章", pk=1, category="党章党规"), record("党章", pk=2, category="党章党规")])
        assert {v.value for v in ask(web, "党章").facets["category"]} == {"党章党规"}
        worker.close()
        written_by_other_versions(path)
        refilled = EmbeddedBackend(path=path)
        refilled.index([record("党章", pk=7, category="学习资料")])
        refilled.close()
        results = ask(web, "党章")
        assert keys(results) == ["article:7"]
        assert {v.value for v in results.facets["category"]} == {"学习资料"}
    finally:
        web.close()


def test_a_character_in_the_title_ranks_before_newer_records_with_it_only_in_the_body(backend):
    import datetime

    backend.index(
        [
            record("学习资料", "党的建设", pk=1, date=datetime.date(2024, 1, 1)),
            record("党员", "学习", pk=2, date=datetime.date(2001, 1, 1)),
        ]
    )
    assert keys(ask(backend, "党")) == ["article:2", "article:1"]
    assert keys(ask(backend, "党", sort="newest")) == ["article:1", "article:2"]
