"""The Elasticsearch backend without a cluster: analysis, mapping, request bodies, and the backend's
requests and response handling against a mocked client."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import elastic_transport
import pytest
from elasticsearch import ApiError, BadRequestError

from search.backends import elasticsearch as es
from search.backends.base import FACETS, FacetValue, RebuildState, SearchRequest, SearchUnavailable
from search.backends.elasticsearch import (
    ElasticsearchBackend,
    access_filter,
    char_filter_mappings,
    document_source,
    index_settings,
    mapping,
    query_body,
    related_body,
    suggest_body,
    suggest_entry,
)
from search.documents import Access, Reader
from search.tests.factories import ANYONE, EVERYTHING, MEMBER, members_only, record
from search.text import parse_query

ORGANIZER = Reader(logged_in=True, organizer=True, tokens=frozenset({"m:1", "u:2"}))


def request(q: str, reader: Reader = EVERYTHING, **fields: Any) -> SearchRequest:
    return SearchRequest(query=parse_query(q), reader=reader, **fields)


# analysis and mapping -----------------------------------------------------------------------------


def test_the_char_filter_applies_our_normalisation_character_for_character():
    rules = set(index_settings("")["analysis"]["char_filter"]["school_normalise"]["mappings"])
    assert "黨 => 党" in rules
    assert "Ａ => a" in rules
    assert "１ => 1" in rules
    assert index_settings("")["analysis"]["char_filter"]["school_normalise"]["type"] == "mapping"


def test_rules_the_mapping_syntax_cannot_carry_are_left_out_and_backslashes_escaped():
    rules = char_filter_mappings()
    assert all(not rule.startswith(("\u3000", "\xa0")) for rule in rules)  # whitespace sources
    assert "＝ => =" not in rules
    assert "﹥ => >" not in rules
    assert "＼ => \\\\" in rules  # the rule parser reads \\ as one backslash
    assert all(rule.count(" => ") == 1 for rule in rules)


def test_the_main_analyzer_makes_cjk_bigrams_without_unigrams():
    analysis = index_settings("")["analysis"]
    assert analysis["analyzer"]["school_cjk"] == {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["school_normalise"],
        "filter": ["lowercase", "cjk_width", "school_bigram"],
    }
    assert analysis["filter"]["school_bigram"] == {"type": "cjk_bigram", "output_unigrams": False}


def test_the_chars_analyzer_keeps_one_token_per_character():
    assert index_settings("")["analysis"]["analyzer"]["school_chars"] == {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["school_normalise"],
        "filter": ["lowercase"],
    }


def test_every_text_field_has_a_chars_sub_field_and_no_cjk_one_without_a_word_analyzer():
    properties = mapping("")["properties"]
    for name in ("title", "keys", "body", "summary"):
        assert properties[name]["type"] == "text"
        assert properties[name]["analyzer"] == "school_cjk"
        assert properties[name]["fields"] == {"chars": {"type": "text", "analyzer": "school_chars"}}


def test_facet_date_and_access_fields_have_exact_types():
    properties = mapping("")["properties"]
    for name in ("type", "category", "authority", "orgs", "key", "access_0", "access_1", "access_2"):
        assert properties[name] == {"type": "keyword"}
    assert properties["url"] == {"type": "keyword", "index": False, "doc_values": False}
    assert properties["date"] == {"type": "date"}
    assert properties["year"] == {"type": "integer"}
    assert properties["pk"] == {"type": "long"}
    for name in ("login", "organizer", "open", "open_members"):
        assert properties[name] == {"type": "boolean"}


def test_the_completion_field_has_a_visibility_context():
    assert mapping("")["properties"]["suggest"] == {
        "type": "completion",
        "analyzer": "school_suggest",
        "contexts": [{"name": "visibility", "type": "category"}],
    }
    assert index_settings("")["analysis"]["analyzer"]["school_suggest"]["tokenizer"] == "keyword"


def test_a_word_analyzer_takes_the_main_fields_and_bigrams_move_to_a_cjk_sub_field():
    properties = mapping("smartcn")["properties"]
    assert properties["title"]["analyzer"] == "school_words"
    assert properties["title"]["fields"]["cjk"] == {"type": "text", "analyzer": "school_cjk"}
    assert properties["title"]["fields"]["chars"] == {"type": "text", "analyzer": "school_chars"}
    words = index_settings("smartcn")["analysis"]["analyzer"]["school_words"]
    assert words["tokenizer"] == "smartcn_tokenizer"
    assert words["char_filter"] == ["school_normalise"]


def test_an_unknown_word_analyzer_is_used_by_name():
    assert mapping("my_plugin_analyzer")["properties"]["body"]["analyzer"] == "my_plugin_analyzer"
    assert "school_words" not in index_settings("my_plugin_analyzer")["analysis"]["analyzer"]


def test_the_mapping_records_its_schema_and_tolerates_new_fields():
    body = mapping("")
    assert body["_meta"] == {"schema": es.SCHEMA_VERSION, "word_analyzer": ""}
    assert body["dynamic"] == "false"


# records ------------------------------------------------------------------------------------------


def test_a_record_keeps_its_original_text_and_facet_values():
    doc = record(
        "黨建工作要點",
        "正文",
        pk=7,
        keys="中发〔2019〕1号",
        summary="摘要",
        category="党章党规",
        authority="中共中央",
        orgs=("甲支部",),
        date=datetime.date(2024, 3, 1),
    )
    source = document_source(doc)
    assert source["title"] == "黨建工作要點"
    assert source["keys"] == "中发〔2019〕1号"
    assert (source["key"], source["type"], source["pk"]) == ("article:7", "article", 7)
    assert (source["date"], source["year"]) == ("2024-03-01", 2024)
    assert (source["category"], source["authority"], source["orgs"]) == ("党章党规", "中共中央", ["甲支部"])
    assert (source["login"], source["organizer"], source["open"], source["open_members"]) == (
        False,
        False,
        True,
        True,
    )
    json.dumps(source)


def test_empty_facet_values_and_a_missing_date_are_left_out():
    source = document_source(record("标题", date=None))
    assert "category" not in source and "authority" not in source
    assert "date" not in source and "year" not in source


def test_each_access_group_is_a_field_of_its_own():
    doc = record(
        "支部文件",
        access=members_only(groups=(frozenset({"u:10", "m:1"}), frozenset({"u:20"}))),
    )
    source = document_source(doc)
    assert source["access_0"] == ["m:1", "u:10"]
    assert source["access_1"] == ["u:20"]
    assert "access_2" not in source
    assert (source["login"], source["open"], source["open_members"]) == (True, False, False)


def test_an_empty_access_group_admits_nobody_rather_than_everybody():
    source = document_source(record("空组", access=Access(login=True, groups=(frozenset(),))))
    assert source["access_0"] == [es.NO_TOKEN]


def test_public_titles_complete_from_their_characters_pinyin_initials_and_words():
    entry = suggest_entry(record("党的建设新的伟大工程"))
    assert entry["contexts"] == {"visibility": ["public"]}
    assert entry["input"][:3] == ["党的建设新的伟大工程", "dangdejianshexindeweidagongcheng", "ddjsxdwdgc"]
    assert {"建设", "伟大工程"} <= set(entry["input"])
    assert "的" not in entry["input"]


def test_members_titles_complete_only_in_the_members_context():
    assert suggest_entry(record("党史学习教育", access=members_only()))["contexts"] == {
        "visibility": ["members"]
    }


def test_restricted_records_have_no_completion_input_at_all():
    organizers = record("内部通知", access=members_only(organizer=True))
    groups = record("支部通知", access=members_only(groups=(frozenset({"u:1"}),)))
    for doc in (organizers, groups):
        assert suggest_entry(doc) is None
        assert "suggest" not in document_source(doc)


# query bodies -------------------------------------------------------------------------------------


def phrases(text: str) -> list[dict]:
    return [
        {"match_phrase": {"title.chars": {"query": text, "boost": 10}}},
        {"match_phrase": {"keys.chars": {"query": text, "boost": 5}}},
        {"match_phrase": {"summary.chars": {"query": text, "boost": 2}}},
        {"match_phrase": {"body.chars": {"query": text, "boost": 1}}},
    ]


def test_every_term_is_a_must_clause_of_phrases_on_the_chars_fields():
    must = query_body(request("党章 党规"))["query"]["bool"]["must"]
    assert must == [
        {"bool": {"should": phrases("党章"), "minimum_should_match": 1}},
        {"bool": {"should": phrases("党规"), "minimum_should_match": 1}},
    ]


def test_a_term_of_several_words_also_matches_all_its_words_apart():
    (clause,) = query_body(request("学习精神"))["query"]["bool"]["must"]
    options = clause["bool"]["should"]
    assert options[:4] == phrases("学习精神")
    assert options[4] == {
        "bool": {
            "must": [
                {"bool": {"should": phrases("学习"), "minimum_should_match": 1}},
                {"bool": {"should": phrases("精神"), "minimum_should_match": 1}},
            ]
        }
    }
    assert clause["bool"]["minimum_should_match"] == 1


def test_a_term_is_normalised_before_it_becomes_a_phrase():
    (clause,) = query_body(request("黨建"))["query"]["bool"]["must"]
    assert clause["bool"]["should"] == phrases("党建")


def test_ranking_clauses_score_the_main_fields_with_the_title_first():
    should = query_body(request("党建"))["query"]["bool"]["should"]
    fields = ["title^10", "keys^5", "summary^2", "body^1"]
    assert should == [
        {"multi_match": {"query": "党建", "type": "phrase", "fields": fields}},
        {"multi_match": {"query": "党建", "type": "best_fields", "fields": fields}},
    ]


def test_a_word_analyzer_adds_phrases_on_the_cjk_sub_fields():
    should = query_body(request("党建"), word_analyzer="smartcn")["query"]["bool"]["should"]
    assert should[-1] == {
        "multi_match": {
            "query": "党建",
            "type": "phrase",
            "fields": ["title.cjk^10", "keys.cjk^5", "summary.cjk^2", "body.cjk^1"],
        }
    }


def test_anonymous_readers_are_limited_to_records_without_login_organizer_or_groups():
    assert access_filter(ANYONE) == [
        {"term": {"login": False}},
        {"term": {"organizer": False}},
        {"bool": {"must_not": [{"exists": {"field": "access_0"}}]}},
        {"bool": {"must_not": [{"exists": {"field": "access_1"}}]}},
        {"bool": {"must_not": [{"exists": {"field": "access_2"}}]}},
    ]


def test_members_without_tokens_see_members_records_but_no_group_ones():
    assert access_filter(MEMBER) == [
        {"term": {"organizer": False}},
        {"bool": {"must_not": [{"exists": {"field": "access_0"}}]}},
        {"bool": {"must_not": [{"exists": {"field": "access_1"}}]}},
        {"bool": {"must_not": [{"exists": {"field": "access_2"}}]}},
    ]


def test_organizers_meet_each_group_absent_or_with_one_of_their_tokens():
    def group(field: str) -> dict:
        return {
            "bool": {
                "should": [
                    {"bool": {"must_not": [{"exists": {"field": field}}]}},
                    {"terms": {field: ["m:1", "u:2"]}},
                ],
                "minimum_should_match": 1,
            }
        }

    assert access_filter(ORGANIZER) == [group("access_0"), group("access_1"), group("access_2")]


def test_readers_of_everything_have_no_access_filter():
    assert access_filter(EVERYTHING) == []
    assert query_body(request("党章"))["query"]["bool"]["filter"] == []


def test_access_is_a_filter_of_the_query_itself_never_a_post_filter():
    body = query_body(request("党章", ANYONE))
    assert body["query"]["bool"]["filter"] == access_filter(ANYONE)
    assert "post_filter" not in body


def _matches(clause: dict, source: dict) -> bool:
    """The few query clauses of the access filter, evaluated on a stored record."""
    ((kind, spec),) = clause.items()
    if kind == "term":
        ((field, value),) = spec.items()
        return source.get(field) == value
    if kind == "terms":
        ((field, values),) = spec.items()
        stored = source.get(field)
        return bool(set(stored if isinstance(stored, list) else [stored]) & set(values))
    if kind == "exists":
        return source.get(spec["field"]) not in (None, [])
    if kind == "bool":
        must = all(_matches(c, source) for c in spec.get("must", []) + spec.get("filter", []))
        must_not = not any(_matches(c, source) for c in spec.get("must_not", []))
        should = spec.get("should", [])
        enough = sum(_matches(c, source) for c in should) >= spec.get("minimum_should_match", 0)
        return must and must_not and enough
    raise AssertionError(kind)


def test_the_access_filter_agrees_with_the_access_rule():
    accesses = [
        Access(),
        Access(login=True),
        Access(login=True, organizer=True),
        Access(login=True, groups=(frozenset({"u:10", "m:1"}),)),
        Access(login=True, groups=(frozenset({"u:10"}), frozenset({"u:20"}))),
        Access(login=True, organizer=True, groups=(frozenset({"m:10"}),)),
        Access(login=True, groups=(frozenset(),)),
        Access(groups=(frozenset({"u:1"}), frozenset({"u:2"}), frozenset({"u:3"}))),
    ]
    readers = [
        ANYONE,
        MEMBER,
        EVERYTHING,
        Reader(logged_in=True, organizer=True),
        Reader(logged_in=True, tokens=frozenset({"u:10"})),
        Reader(logged_in=True, tokens=frozenset({"u:10", "u:20"})),
        Reader(logged_in=True, organizer=True, tokens=frozenset({"m:10"})),
        Reader(tokens=frozenset({"u:1", "u:2", "u:3"})),
    ]
    for number, access in enumerate(accesses):
        source = document_source(record("x", pk=number, access=access))
        for reader in readers:
            found = all(_matches(clause, source) for clause in access_filter(reader))
            assert found == access.allows(reader), (access, reader)


def test_facet_filters_and_types_become_filter_terms():
    body = query_body(
        request(
            "党章", filters={"category": "党章党规", "year": "2024", "org": "甲支部", "authority": "中共中央"}
        ),
        ("article", "policy"),
    )
    assert body["query"]["bool"]["filter"] == [
        {"term": {"category": "党章党规"}},
        {"term": {"year": 2024}},
        {"term": {"orgs": "甲支部"}},
        {"term": {"authority": "中共中央"}},
        {"terms": {"type": ["article", "policy"]}},
    ]


def test_a_malformed_year_matches_nothing_and_unknown_facets_are_ignored():
    body = query_body(request("党章", filters={"year": "二〇二四", "colour": "red"}))
    assert body["query"]["bool"]["filter"] == [{"match_none": {}}]


def test_every_facet_is_a_terms_aggregation_of_fifty_values():
    aggs = query_body(request("党章"))["aggs"]
    assert set(aggs) == set(FACETS)
    assert aggs["org"] == {"terms": {"field": "orgs", "size": 50}}
    assert aggs["year"] == {"terms": {"field": "year", "size": 50}}


def test_relevance_sorts_by_score_then_date_and_newest_by_date_then_score():
    by_date = {"date": {"order": "desc", "missing": "_last"}}
    by_score = {"_score": {"order": "desc"}}
    by_key = {"key": {"order": "asc"}}
    assert query_body(request("党章"))["sort"] == [by_score, by_date, by_key]
    assert query_body(request("党章", sort="newest"))["sort"] == [by_date, by_score, by_key]
    assert query_body(request("党章", sort="newest"))["track_scores"] is True


def test_paging_uses_from_and_size_and_counts_every_hit():
    body = query_body(request("党章", offset=20, limit=10))
    assert (body["from"], body["size"], body["track_total_hits"]) == (20, 10, True)


def test_pages_beyond_the_result_window_are_empty_instead_of_an_error():
    body = query_body(request("党章", offset=20_000, limit=10))
    assert (body["from"], body["size"]) == (10_000, 0)


def test_highlights_are_escaped_marks_on_the_chars_sub_fields():
    highlight = query_body(request("党章"))["highlight"]
    assert highlight["pre_tags"] == ["<mark>"]
    assert highlight["post_tags"] == ["</mark>"]
    assert highlight["encoder"] == "html"
    assert highlight["type"] == "unified"
    assert highlight["fields"]["title.chars"] == {"number_of_fragments": 0}
    assert highlight["fields"]["body.chars"] == {
        "fragment_size": 120,
        "number_of_fragments": 1,
        "no_match_size": 120,
    }
    assert set(highlight["fields"]) == {"title.chars", "body.chars", "summary.chars", "keys.chars"}


def test_the_body_does_not_fetch_long_texts():
    assert "body" not in query_body(request("党章"))["_source"]


def test_user_syntax_is_sent_as_plain_json_text():
    body = query_body(request('"党章" OR title:学习 \x00'))
    text = json.dumps(body, ensure_ascii=False)
    assert '"query": "\\"党章\\""' in text


def test_anonymous_readers_complete_only_public_titles():
    body = suggest_body("党的", ANYONE, 8)
    completion = body["suggest"]["titles"]["completion"]
    assert body["suggest"]["titles"]["prefix"] == "党的"
    assert completion["contexts"] == {"visibility": ["public"]}
    assert completion["field"] == "suggest"
    assert body["size"] == 0


def test_logged_in_readers_complete_public_and_members_titles():
    for reader in (MEMBER, EVERYTHING, ORGANIZER):
        contexts = suggest_body("党的", reader, 8)["suggest"]["titles"]["completion"]["contexts"]
        assert contexts == {"visibility": ["public", "members"]}


def test_related_titles_must_share_half_of_the_bigrams_and_be_readable():
    body = related_body("伟大工作", ANYONE)
    assert body["query"]["bool"]["must"] == [
        {"match": {"title": {"query": "伟大工作", "minimum_should_match": "50%"}}}
    ]
    assert body["query"]["bool"]["filter"] == access_filter(ANYONE)
    assert related_body("伟大工作", ANYONE, word_analyzer="smartcn")["query"]["bool"]["must"][0][
        "match"
    ].keys() == {"title.cjk"}
    assert related_body("党", ANYONE)["query"]["bool"]["must"][0]["match"].keys() == {"title.chars"}


# the backend with a mocked client -----------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[mock.MagicMock]:
    with mock.patch.object(es, "Elasticsearch") as client_class:
        client = client_class.return_value
        client.options.return_value = client
        client.indices.get_alias.return_value = {}
        client._class = client_class
        yield client


@pytest.fixture
def backend(client) -> Iterator[ElasticsearchBackend]:
    backend = ElasticsearchBackend(url="http://search.invalid:9200", prefix="test")
    yield backend
    backend.close()


class FakeBulk:
    """Stands in for ``helpers.streaming_bulk``: records the actions, answers every one."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[dict], dict]] = []
        self.answers: list[dict[tuple[str, str], tuple[bool, dict]]] = []

    def __call__(self, client: Any, actions: list[dict], **options: Any) -> Iterator[tuple[bool, dict]]:
        actions = list(actions)
        self.calls.append((actions, options))
        answers = self.answers.pop(0) if self.answers else {}
        for action in actions:
            op = action["_op_type"]
            default = {"_index": action["_index"], "_id": action["_id"], "status": 200, "result": "created"}
            if op == "delete":
                default["result"] = "deleted"
            yield answers.get((action["_index"], action["_id"]), (True, {op: default}))

    @property
    def actions(self) -> list[dict]:
        return [action for actions, _options in self.calls for action in actions]


@pytest.fixture
def bulk() -> Iterator[FakeBulk]:
    fake = FakeBulk()
    with mock.patch.object(es.helpers, "streaming_bulk", fake):
        yield fake


def api_error(status: int, message: str = "error", cls: type[ApiError] = ApiError) -> ApiError:
    meta = elastic_transport.ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=elastic_transport.HttpHeaders(),
        duration=0.0,
        node=elastic_transport.NodeConfig("http", "search.invalid", 9200),
    )
    return cls(message, meta=meta, body={"error": {"type": message}})


def live(type_name: str = "article", stamp: str = "20240101000000", *aliases: str) -> dict:
    return {
        f"test-{type_name}-{stamp}": {
            "aliases": {f"test-{type_name}": {}, "test--all": {}, **dict.fromkeys(aliases, {})}
        }
    }


CANNED = {
    "hits": {
        "total": {"value": 2, "relation": "eq"},
        "hits": [
            {
                "_id": "article:1",
                "_score": 12.5,
                "_source": {
                    "key": "article:1",
                    "type": "article",
                    "title": "黨建工作要點",
                    "url": "/article/1/",
                    "date": "2024-03-01",
                    "category": "党章党规",
                    "summary": "摘要",
                },
                "highlight": {
                    "title.chars": ["<mark>黨</mark><mark>建</mark>工作要點"],
                    "body.chars": ["加強<mark>黨</mark><mark>建</mark>\n工作"],
                    "summary.chars": ["摘要"],
                },
            },
            {
                "_id": "policy:2",
                "_score": None,
                "_source": {
                    "key": "policy:2",
                    "type": "policy",
                    "title": "<b>党建</b>",
                    "url": "/policy/2/",
                    "summary": "没有正文 & 说明" * 20,
                },
            },
        ],
    },
    "aggregations": {
        "type": {"buckets": [{"key": "article", "doc_count": 1}, {"key": "policy", "doc_count": 1}]},
        "category": {"buckets": [{"key": "学习资料", "doc_count": 3}, {"key": "党章党规", "doc_count": 3}]},
        "authority": {"buckets": []},
        "year": {"buckets": [{"key": 2024, "doc_count": 2}, {"key": 2023, "doc_count": 5}]},
        "org": {"buckets": [{"key": "甲支部", "doc_count": 1}]},
    },
}


def test_the_client_is_created_on_first_use_with_short_timeouts_and_one_retry(backend, client):
    assert not client._class.called
    client.search.return_value = CANNED
    backend.search(request("党建"))
    client._class.assert_called_once_with(
        "http://search.invalid:9200", request_timeout=5, max_retries=1, retry_on_timeout=False
    )


def test_a_search_sends_the_query_body_to_the_requested_types_aliases(backend, client):
    client.search.return_value = CANNED
    backend.search(request("党建", ANYONE, types=("article", "policy")))
    kwargs = client.search.call_args.kwargs
    assert kwargs["index"] == "test-article,test-policy"
    assert kwargs["body"] == query_body(
        request("党建", ANYONE, types=("article", "policy")), ("article", "policy")
    )
    assert kwargs["ignore_unavailable"] is True
    assert kwargs["allow_no_indices"] is True


def test_a_search_of_every_type_reads_the_alias_of_all_live_indexes(backend, client):
    client.search.return_value = CANNED
    backend.search(request("党建"))
    assert client.search.call_args.kwargs["index"] == "test--all"


def test_the_word_analyzer_setting_reaches_the_query(backend, client, settings):
    settings.SEARCH_ES_WORD_ANALYZER = "smartcn"
    client.search.return_value = CANNED
    backend.search(request("党建"))
    assert "title.cjk^10" in json.dumps(client.search.call_args.kwargs["body"])


def test_an_empty_query_asks_nothing(backend, client):
    results = backend.search(request("的"))
    assert results.total == 0 and results.hits == []
    assert set(results.facets) == set(FACETS)
    assert not client.search.called


def test_a_response_becomes_hits_with_highlights_on_the_text_as_written(backend, client):
    client.search.return_value = CANNED
    results = backend.search(request("党建"))
    assert results.total == 2
    assert results.capped is False
    first = results.hits[0]
    assert (first.key, first.type, first.url, first.category) == (
        "article:1",
        "article",
        "/article/1/",
        "党章党规",
    )
    assert first.date == datetime.date(2024, 3, 1)
    assert first.score == 12.5
    assert first.title == "黨建工作要點"
    assert first.title_html == "<mark>黨建</mark>工作要點"
    assert first.snippet_html == "加強<mark>黨建</mark> 工作"


def test_a_hit_without_highlights_shows_its_escaped_title_and_summary(backend, client):
    client.search.return_value = CANNED
    second = backend.search(request("党建")).hits[1]
    assert second.title_html == "&lt;b&gt;党建&lt;/b&gt;"
    assert second.snippet_html.startswith("没有正文 &amp; 说明")
    assert second.snippet_html.endswith("…")
    assert second.date is None and second.score == 0.0


def test_the_snippet_prefers_a_body_match_then_the_summary_then_the_start_of_the_body():
    def snippet(highlight: dict) -> str:
        return es.hit_from({"_source": {"title": "t"}, "highlight": highlight}).snippet_html

    assert snippet({"body.chars": ["a <mark>b</mark>"], "summary.chars": ["s"]}) == "a <mark>b</mark>"
    assert snippet({"body.chars": ["start"], "summary.chars": ["s <mark>b</mark>"]}) == "s <mark>b</mark>"
    assert snippet({"body.chars": ["start"], "summary.chars": ["s"]}) == "s"
    assert snippet({"body.chars": ["start"], "keys.chars": ["k"]}) == "k"
    assert snippet({"body.chars": ["start"]}) == "start"


def test_facets_come_by_count_then_value_with_years_as_text(backend, client):
    client.search.return_value = CANNED
    facets = backend.search(request("党建")).facets
    assert set(facets) == set(FACETS)
    assert facets["category"] == [FacetValue("党章党规", 3), FacetValue("学习资料", 3)]
    assert facets["year"] == [FacetValue("2023", 5), FacetValue("2024", 2)]
    assert facets["org"] == [FacetValue("甲支部", 1)]
    assert facets["authority"] == []


def test_a_response_without_indexes_is_empty_not_an_error(backend, client):
    client.search.return_value = {"hits": {"total": {"value": 0}, "hits": []}, "_shards": {"total": 0}}
    results = backend.search(request("党建", types=("never-indexed",)))
    assert results.total == 0
    assert results.facets == {name: [] for name in FACETS}


@pytest.mark.parametrize(
    "error",
    [
        elastic_transport.ConnectionError("Connection refused"),
        elastic_transport.ConnectionTimeout("timed out"),
        api_error(503, "cluster_block_exception"),
        api_error(400, "search_phase_execution_exception", BadRequestError),
    ],
    ids=["refused", "timeout", "unavailable", "bad request"],
)
def test_transport_and_cluster_errors_become_search_unavailable(backend, client, error):
    client.search.side_effect = error
    with pytest.raises(SearchUnavailable):
        backend.search(request("党建"))
    with pytest.raises(SearchUnavailable):
        backend.suggest("党", reader=ANYONE)


def test_an_unreachable_cluster_is_reported_by_the_real_client():
    backend = ElasticsearchBackend(url="http://127.0.0.1:9", prefix="test")
    try:
        with pytest.raises(SearchUnavailable):
            backend.search(request("党建"))
        with pytest.raises(SearchUnavailable):
            backend.status()
    finally:
        backend.close()


def test_a_misconfigured_url_is_reported_as_unavailable():
    with pytest.raises(SearchUnavailable):
        ElasticsearchBackend(url="", prefix="test").status()


def test_status_names_the_cluster_health(backend, client):
    client.cluster.health.return_value = {"status": "yellow"}
    assert backend.status() == "elasticsearch (yellow)"
    client.cluster.health.return_value = {"status": "red"}
    with pytest.raises(SearchUnavailable):
        backend.status()


def test_suggestions_are_titles_with_urls_without_repeats(backend, client):
    option = {"_source": {"title": "党的建设", "url": "/article/1/"}}
    client.search.return_value = {
        "suggest": {
            "titles": [
                {
                    "options": [
                        option,
                        option,
                        {"_source": {"title": "党的历史", "url": "/article/2/"}},
                        {"_source": {"title": "党的纪律", "url": "/article/3/"}},
                    ]
                }
            ]
        }
    }
    found = backend.suggest("  黨的 ", reader=MEMBER, limit=2)
    assert [(s.text, s.kind, s.url) for s in found] == [
        ("党的建设", "title", "/article/1/"),
        ("党的历史", "title", "/article/2/"),
    ]
    assert client.search.call_args.kwargs["body"] == suggest_body("党的", MEMBER, 2)
    assert client.search.call_args.kwargs["index"] == "test--all"


def test_an_empty_prefix_asks_nothing(backend, client):
    assert backend.suggest("   ", reader=ANYONE) == []
    assert not client.search.called


def test_related_terms_are_words_of_readable_titles_sharing_characters(backend, client):
    client.search.return_value = {
        "hits": {"hits": [{"_source": {"title": "党的建设新的伟大工程"}}, {"_source": {"title": "伟大工程"}}]}
    }
    terms = backend.related_terms("伟大工作", reader=ANYONE, limit=3)
    assert terms[0] == "伟大工程"
    assert "建设" not in terms  # no character in common
    assert "伟大工作" not in terms
    assert client.search.call_args.kwargs["body"] == related_body("伟大工作", ANYONE)


# writes -------------------------------------------------------------------------------------------


def test_the_first_write_of_a_type_creates_its_index_behind_the_aliases(backend, client, bulk):
    assert backend.index([record("党章", pk=1), record("党规", pk=2)]) == 2
    create = client.indices.create.call_args.kwargs
    assert create["index"].startswith("test-article-") and len(create["index"]) == len("test-article-") + 14
    assert create["aliases"] == {"test-article": {"is_write_index": True}, "test--all": {}}
    assert create["mappings"]["properties"]["title"]["fields"]["chars"]["analyzer"] == "school_chars"
    assert create["settings"]["analysis"] == index_settings("")["analysis"]
    assert create["settings"]["auto_expand_replicas"] == "0-1"
    assert [(a["_op_type"], a["_index"], a["_id"]) for a in bulk.actions] == [
        ("index", "test-article", "article:1"),
        ("index", "test-article", "article:2"),
    ]
    assert bulk.actions[0]["_source"] == document_source(record("党章", pk=1))
    assert bulk.calls[0][1]["require_alias"] is True
    assert "refresh" not in bulk.calls[0][1]


def test_writes_to_an_existing_alias_create_nothing(backend, client, bulk):
    client.indices.get_alias.return_value = live()
    backend.index([record("党章", pk=1)])
    assert not client.indices.create.called
    assert client.indices.get_alias.call_args.kwargs["index"] == "test-article-*"


def test_indexes_of_other_types_sharing_the_name_start_are_not_ours(backend, client, bulk):
    client.indices.get_alias.return_value = {
        "test-article-extra-20240101000000": {"aliases": {"test-article-extra": {}}}
    }
    backend.index([record("党章", pk=1)])
    assert client.indices.create.called


def test_writes_during_a_rebuild_go_to_the_rebuilding_index_as_well(backend, client, bulk):
    client.indices.get_alias.return_value = {
        **live(),
        "test-article-20250101000000": {"aliases": {"test-article--rebuild": {}}},
    }
    backend.index([record("党章", pk=1)])
    assert [a["_index"] for a in bulk.actions] == ["test-article", "test-article--rebuild"]


def test_the_refresh_setting_makes_writes_visible_at_once(backend, client, bulk, settings):
    settings.SEARCH_ES_REFRESH = True
    client.indices.get_alias.return_value = live()
    backend.index([record("党章", pk=1)])
    assert bulk.calls[0][1]["refresh"] is True


def test_a_write_racing_an_alias_swap_is_sent_again(backend, client, bulk):
    client.indices.get_alias.return_value = {
        **live(),
        "test-article-20250101000000": {"aliases": {"test-article--rebuild": {}}},
    }
    missing = {"status": 404, "error": {"type": "index_not_found_exception", "reason": "not an alias"}}
    bulk.answers.append({("test-article--rebuild", "article:1"): (False, {"index": missing})})
    assert backend.index([record("党章", pk=1)]) == 1
    assert len(bulk.calls) == 2


def test_a_refused_record_makes_the_write_fail(backend, client, bulk):
    client.indices.get_alias.return_value = live()
    refused = {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad date"}}
    bulk.answers.append({("test-article", "article:1"): (False, {"index": refused})})
    with pytest.raises(SearchUnavailable):
        backend.index([record("党章", pk=1)])


def test_a_bulk_request_the_cluster_rejects_becomes_search_unavailable(backend, client):
    client.indices.get_alias.return_value = live()
    rejected = api_error(429, "es_rejected_execution")
    with (
        mock.patch.object(es.helpers, "streaming_bulk", side_effect=rejected),
        pytest.raises(SearchUnavailable),
    ):
        backend.index([record("党章", pk=1)])


def test_deleting_counts_removed_records_and_ignores_unknown_keys(backend, client, bulk):
    client.indices.get_alias.return_value = live()
    gone = {"_index": "test-article", "_id": "article:999", "status": 404, "result": "not_found"}
    bulk.answers.append({("test-article", "article:999"): (False, {"delete": gone})})
    assert backend.delete(["article:1", "article:999", "not-a-key"]) == 1
    assert [(a["_op_type"], a["_index"], a["_id"]) for a in bulk.actions] == [
        ("delete", "test-article", "article:1"),
        ("delete", "test-article", "article:999"),
    ]


def test_deleting_from_a_type_never_indexed_asks_nothing_but_where_it_is(backend, client, bulk):
    assert backend.delete(["lesson:1"]) == 0
    assert bulk.calls == []
    assert not client.indices.create.called


def test_counts_are_per_type_and_leave_out_empty_ones(backend, client):
    client.search.return_value = {
        "aggregations": {
            "types": {"buckets": [{"key": "article", "doc_count": 3}, {"key": "policy", "doc_count": 1}]}
        }
    }
    assert backend.counts() == {"article": 3, "policy": 1}
    assert client.search.call_args.kwargs["index"] == "test--all"


def test_keys_and_restricted_keys_are_scanned_ids(backend, client):
    with mock.patch.object(
        es.helpers, "scan", return_value=iter([{"_id": "article:1"}, {"_id": "article:2"}])
    ) as scan:
        assert backend.keys("article") == {"article:1", "article:2"}
    assert scan.call_args.kwargs["index"] == "test-article"
    assert scan.call_args.kwargs["query"]["_source"] is False
    with mock.patch.object(es.helpers, "scan", return_value=iter([{"_id": "policy:9"}])) as scan:
        assert backend.restricted_keys() == {"policy:9"}
    assert scan.call_args.kwargs["query"]["query"] == {"exists": {"field": "access_0"}}
    assert scan.call_args.kwargs["index"] == "test--all"


# rebuilds -----------------------------------------------------------------------------------------


def test_a_rebuild_starts_a_new_index_without_refreshes_or_replicas(backend, client):
    client.indices.get_alias.return_value = {
        **live(),
        "test-article-20230101000000": {"aliases": {}},  # left by an interrupted rebuild
    }
    state = backend.rebuild_start("article", resume=False)
    assert state.after_pk == 0
    assert state.target > "test-article-20240101000000"
    client.indices.delete.assert_called_once_with(
        index="test-article-20230101000000", ignore_unavailable=True
    )
    create = client.indices.create.call_args.kwargs
    assert create["index"] == state.target
    assert create["aliases"] == {"test-article--rebuild": {}}
    assert create["settings"]["refresh_interval"] == "-1"
    assert create["settings"]["number_of_replicas"] == 0
    assert create["mappings"]["_meta"]["rebuild"] == {"started_at": state.started_at, "after_pk": 0}


def test_a_resumed_rebuild_continues_in_its_index_after_the_last_key_written(backend, client):
    client.indices.get_alias.return_value = {
        **live(),
        "test-article-20250101000000": {"aliases": {"test-article--rebuild": {}}},
    }
    client.indices.get_mapping.return_value = {
        "test-article-20250101000000": {
            "mappings": {"_meta": {"schema": "1", "rebuild": {"started_at": 1700000000.0, "after_pk": 42}}}
        }
    }
    state = backend.rebuild_start("article", resume=True)
    assert (state.target, state.after_pk, state.started_at) == (
        "test-article-20250101000000",
        42,
        1700000000.0,
    )
    assert not client.indices.create.called
    assert not client.indices.delete.called


def test_a_rebuild_batch_goes_to_the_rebuilding_index_and_records_its_progress(backend, client, bulk):
    state = RebuildState("article", 1700000000.0, after_pk=2, target="test-article-20250101000000")
    backend.rebuild_write(state, [record("党章", pk=1), record("党规", pk=2)])
    assert [(a["_index"], a["_id"]) for a in bulk.actions] == [
        ("test-article--rebuild", "article:1"),
        ("test-article--rebuild", "article:2"),
    ]
    assert bulk.calls[0][1]["require_alias"] is True
    meta = client.indices.put_mapping.call_args.kwargs
    assert meta["index"] == "test-article-20250101000000"
    assert meta["meta"]["rebuild"] == {"started_at": 1700000000.0, "after_pk": 2}


def test_finishing_a_rebuild_moves_the_aliases_in_one_update_and_drops_the_old_index(backend, client):
    target = "test-article-20250101000000"
    client.indices.get_alias.return_value = {**live(), target: {"aliases": {"test-article--rebuild": {}}}}
    scans = {
        "test-article-20240101000000": [{"_id": "article:1"}, {"_id": "article:2"}, {"_id": "article:3"}],
        target: [{"_id": "article:1"}, {"_id": "article:4"}],
    }
    with mock.patch.object(es.helpers, "scan", side_effect=lambda client, index, **kw: iter(scans[index])):
        removed = backend.rebuild_finish(RebuildState("article", 0.0, 4, target=target))
    assert removed == 2
    client.indices.update_aliases.assert_called_once_with(
        actions=[
            {"remove": {"index": "test-article-20240101000000", "alias": "test--all"}},
            {"remove": {"index": "test-article-20240101000000", "alias": "test-article"}},
            {"remove": {"index": target, "alias": "test-article--rebuild"}},
            {"add": {"index": target, "alias": "test-article", "is_write_index": True}},
            {"add": {"index": target, "alias": "test--all"}},
        ]
    )
    client.indices.put_settings.assert_called_once_with(index=target, settings=es.LIVE_SETTINGS)
    client.indices.delete.assert_called_once_with(
        index="test-article-20240101000000", ignore_unavailable=True
    )
    assert client.indices.put_mapping.call_args.kwargs["meta"] == {"schema": "1", "word_analyzer": ""}


def test_finishing_the_first_rebuild_of_a_type_only_adds_the_aliases(backend, client):
    target = "test-article-20250101000000"
    client.indices.get_alias.return_value = {target: {"aliases": {"test-article--rebuild": {}}}}
    assert backend.rebuild_finish(RebuildState("article", 0.0, 4, target=target)) == 0
    (call,) = client.indices.update_aliases.call_args_list
    assert [next(iter(action)) for action in call.kwargs["actions"]] == ["remove", "add", "add"]
    assert not client.indices.delete.called


def test_finishing_a_rebuild_whose_index_has_gone_is_an_error(backend, client):
    client.indices.get_alias.return_value = live()
    with pytest.raises(SearchUnavailable):
        backend.rebuild_finish(RebuildState("article", 0.0, 4, target="test-article-20250101000000"))
    assert not client.indices.update_aliases.called


def test_closing_closes_the_client(backend, client):
    client.cluster.health.return_value = {"status": "green"}
    backend.status()
    backend.close()
    client.close.assert_called_once_with()
