"""The Elasticsearch backend against a live cluster: what the mocked tests cannot show (analysis,
highlight offsets, access inside real queries, alias swaps). Runs only with ``ELASTICSEARCH_URL``."""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator

import pytest

from search.backends.base import SearchUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.documents import Access, Reader
from search.tests.factories import ANYONE, EVERYTHING, MEMBER, ask, keys, members_only, record

pytestmark = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="needs a live Elasticsearch 8 cluster: set ELASTICSEARCH_URL (e.g. http://localhost:9200)",
)


@pytest.fixture
def backend(settings) -> Iterator[ElasticsearchBackend]:
    """A backend on a prefix of its own; every index under the prefix is removed afterwards."""
    from elasticsearch import Elasticsearch

    settings.SEARCH_ES_REFRESH = True
    settings.SEARCH_ES_WORD_ANALYZER = ""
    url = os.environ["ELASTICSEARCH_URL"]
    prefix = f"estest-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(url=url, prefix=prefix)
    yield backend
    backend.close()
    client = Elasticsearch(url)
    try:
        names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True))
        if names:
            client.indices.delete(index=",".join(names))
    finally:
        client.close()


def concrete(backend: ElasticsearchBackend, type_name: str = "article") -> list[str]:
    """The indices the live alias of a type points at."""
    return sorted(backend._es().indices.get_alias(name=backend.alias(type_name)))


def all_indices(backend: ElasticsearchBackend) -> list[str]:
    return sorted(backend._es().indices.get(index=f"{backend.prefix}-*", ignore_unavailable=True))


def test_the_cluster_is_healthy(backend):
    assert backend.status().startswith("elasticsearch (")


def test_the_analyzers_normalise_and_keep_offsets_on_the_text_as_written(backend):
    backend.index([record("党章", pk=1)])
    (index,) = concrete(backend)
    client = backend._es()
    chars = client.indices.analyze(index=index, analyzer="school_chars", text="黨建ＡＢ工作")["tokens"]
    assert [t["token"] for t in chars] == ["党", "建", "ab", "工", "作"]
    assert [(t["start_offset"], t["end_offset"]) for t in chars][:3] == [(0, 1), (1, 2), (2, 4)]
    bigrams = client.indices.analyze(index=index, analyzer="school_cjk", text="黨建工作")["tokens"]
    assert [t["token"] for t in bigrams] == ["党建", "建工", "工作"]


def test_the_first_write_creates_a_timestamped_index_behind_the_aliases(backend):
    backend.index([record("党章", pk=1)])
    (index,) = concrete(backend)
    assert index.startswith(f"{backend.alias('article')}-")
    assert len(index) == len(backend.alias("article")) + 15
    assert index in backend._es().indices.get_alias(name=backend.all_alias())


def test_a_search_finds_substrings_traditional_forms_and_document_numbers(backend):
    backend.index(
        [
            record("学习贯彻党的二十大精神", pk=1),
            record("黨建工作要點", pk=2),
            record("文件", keys="中发〔2019〕1号", type="policy", pk=3),
            record("文件", keys="中发〔2019〕11号", type="policy", pk=4),
        ]
    )
    assert keys(ask(backend, "二十大")) == ["article:1"]
    assert keys(ask(backend, "党建")) == ["article:2"]
    assert keys(ask(backend, "中发(2019)1号")) == ["policy:3"]
    assert keys(ask(backend, "学习精神")) == ["article:1"]
    assert sorted(keys(ask(backend, "党"))) == ["article:1", "article:2"]


def test_highlights_are_marked_on_the_text_as_written_and_escaped(backend):
    backend.index([record("<i>黨建</i>工作要點", "加強黨建工作 & 幾點思考", pk=1)])
    hit = ask(backend, "党建").hits[0]
    assert "<mark>黨建</mark>" in hit.title_html
    assert "&lt;i&gt;" in hit.title_html
    assert "<mark>黨建</mark>" in hit.snippet_html
    assert "&amp;" in hit.snippet_html


def test_a_very_long_body_is_highlighted_at_its_start_without_an_error(backend):
    backend.index([record("长文", "党章" + "字" * 1_100_000, pk=1)])
    hit = ask(backend, "党章").hits[0]
    assert "<mark>党章</mark>" in hit.snippet_html


@pytest.fixture
def mixed(backend) -> tuple[ElasticsearchBackend, list]:
    records = [
        record("党章 公开", pk=1, category="公开类", date=datetime.date(2023, 1, 1)),
        record("党章 党员", pk=2, category="党员类", access=members_only()),
        record("党章 组织者", pk=3, category="内部类", access=members_only(organizer=True)),
        record(
            "党章 支部甲",
            pk=4,
            category="支部类",
            orgs=("甲支部",),
            access=members_only(groups=(frozenset({"u:10", "m:1"}),)),
        ),
        record(
            "党章 两道",
            pk=5,
            category="支部类",
            access=members_only(groups=(frozenset({"u:10"}), frozenset({"u:20"}))),
        ),
        record("党章 空组", pk=6, access=Access(login=True, groups=(frozenset(),))),
    ]
    backend.index(records)
    return backend, records


def test_hits_totals_and_facets_only_count_what_the_reader_may_open(mixed):
    backend, records = mixed
    readers = [
        ANYONE,
        MEMBER,
        EVERYTHING,
        Reader(logged_in=True, organizer=True),
        Reader(logged_in=True, tokens=frozenset({"u:10"})),
        Reader(logged_in=True, tokens=frozenset({"u:10", "u:20"})),
        Reader(logged_in=True, organizer=True, tokens=frozenset({"m:1"})),
    ]
    for reader in readers:
        expected = sorted(r.key for r in records if r.access.allows(reader))
        results = ask(backend, "党章", reader, limit=50)
        assert sorted(keys(results)) == expected, reader
        assert results.total == len(expected)
        assert sum(value.count for value in results.facets["type"]) == len(expected)
        categories = {value.value for value in results.facets["category"]}
        assert categories == {r.category for r in records if r.access.allows(reader) and r.category}


def test_facet_values_and_filters(mixed):
    backend, _records = mixed
    results = ask(backend, "党章", EVERYTHING)
    assert {v.value: v.count for v in results.facets["category"]} == {
        "公开类": 1,
        "党员类": 1,
        "内部类": 1,
        "支部类": 2,
    }
    assert {v.value: v.count for v in results.facets["year"]} == {"2023": 1, "2024": 5}
    assert keys(ask(backend, "党章", EVERYTHING, filters={"org": "甲支部"})) == ["article:4"]
    assert keys(ask(backend, "党章", EVERYTHING, filters={"year": "2023"})) == ["article:1"]


def test_suggestions_respect_visibility_and_understand_pinyin(mixed):
    backend, _records = mixed
    backend.index(
        [record("党的建设新的伟大工程", pk=10), record("党史学习教育", pk=11, access=members_only())]
    )
    assert "党的建设新的伟大工程" in [s.text for s in backend.suggest("ddjs", reader=ANYONE)]
    assert "党的建设新的伟大工程" in [s.text for s in backend.suggest("dangde", reader=ANYONE)]
    assert backend.suggest("党史", reader=ANYONE) == []
    assert [s.text for s in backend.suggest("党史", reader=MEMBER)] == ["党史学习教育"]
    assert not [
        s for s in backend.suggest("党章", reader=EVERYTHING) if "支部" in s.text or "组织者" in s.text
    ]


def test_related_terms_come_from_readable_titles(backend):
    backend.index([record("党的建设新的伟大工程", pk=1)])
    assert "伟大工程" in backend.related_terms("伟大工作", reader=ANYONE)


def test_delete_counts_and_bookkeeping(mixed):
    backend, _records = mixed
    assert backend.counts() == {"article": 6}
    assert backend.restricted_keys() == {"article:4", "article:5", "article:6"}
    assert backend.delete(["article:1", "article:404"]) == 1
    assert backend.keys("article") == {f"article:{pk}" for pk in (2, 3, 4, 5, 6)}
    assert backend.keys("never") == set()


def test_a_rebuild_swaps_the_alias_keeping_writes_made_meanwhile(backend):
    backend.index([record("党章旧一", pk=1), record("党章旧二", pk=2), record("党章旧三", pk=3)])
    (old,) = concrete(backend)
    state = backend.rebuild_start("article", resume=False)
    state.after_pk = 2
    backend.rebuild_write(state, [record("党章新一", pk=1), record("党章新二", pk=2)])
    backend.index([record("党章新五", pk=5)])  # created during the rebuild
    backend.delete(["article:2"])  # deleted during the rebuild
    assert sorted(keys(ask(backend, "旧"))) == ["article:1", "article:3"]  # old records still answer
    removed = backend.rebuild_finish(state)
    assert removed == 1  # article:3
    assert concrete(backend) == [state.target]
    assert old not in all_indices(backend)
    assert sorted(keys(ask(backend, "党章"))) == ["article:1", "article:5"]
    assert ask(backend, "旧").total == 0
    settings = backend._es().indices.get_settings(index=state.target)[state.target]["settings"]["index"]
    assert settings["refresh_interval"] == "1s"
    assert settings["auto_expand_replicas"] == "0-1"


def test_a_rebuild_resumes_in_its_index_after_the_last_batch(backend):
    state = backend.rebuild_start("article", resume=False)
    state.after_pk = 1
    backend.rebuild_write(state, [record("党章一", pk=1)])
    backend.index([record("党章九", pk=9)])  # a live write does not move the resume point
    resumed = backend.rebuild_start("article", resume=True)
    assert (resumed.target, resumed.after_pk) == (state.target, 1)
    backend.rebuild_write(resumed, [record("党章二", pk=2)])
    assert backend.rebuild_finish(resumed) == 0
    assert sorted(keys(ask(backend, "党章"))) == ["article:1", "article:2", "article:9"]


def test_a_fresh_rebuild_drops_an_unfinished_one(backend):
    first = backend.rebuild_start("article", resume=False)
    second = backend.rebuild_start("article", resume=False)
    assert second.target != first.target
    assert first.target not in all_indices(backend)


def test_an_unreachable_cluster_is_unavailable():
    backend = ElasticsearchBackend(url="http://127.0.0.1:9", prefix="nowhere")
    try:
        with pytest.raises(SearchUnavailable):
            backend.counts()
    finally:
        backend.close()
