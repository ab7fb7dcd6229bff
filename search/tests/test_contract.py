"""What every search backend must do, run against each (see conftest: embedded, Elasticsearch)."""

from __future__ import annotations

import datetime

import pytest

from search.backends.base import FACETS
from search.documents import Access, Reader
from search.tests.factories import ANYONE, EVERYTHING, MEMBER, ask, keys, members_only, record


def facet(results, name: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[name]}


# recall ------------------------------------------------------------------------------------------


def test_a_word_inside_a_longer_run_of_characters_is_found(backend):
    backend.index([record("学习贯彻党的二十大精神", pk=1), record("中华人民共和国宪法", pk=2)])
    assert keys(ask(backend, "二十大")) == ["article:1"]
    assert keys(ask(backend, "人民共和国")) == ["article:2"]
    assert keys(ask(backend, "大精")) == ["article:1"]


def test_one_character_is_found_wherever_it_stands(backend):
    backend.index([record("党", pk=1), record("学习党章", pk=2), record("入党", pk=3), record("学习", pk=4)])
    assert sorted(keys(ask(backend, "党"))) == ["article:1", "article:2", "article:3"]


def test_the_body_is_searched_as_well_as_the_title(backend):
    backend.index([record("第一讲", "全面从严治党永远在路上", pk=1)])
    assert keys(ask(backend, "从严治党")) == ["article:1"]


def test_simplified_and_traditional_characters_find_each_other(backend):
    backend.index([record("黨建工作要點", pk=1), record("党建引领基层治理", pk=2)])
    assert sorted(keys(ask(backend, "党建"))) == ["article:1", "article:2"]
    assert sorted(keys(ask(backend, "黨建"))) == ["article:1", "article:2"]
    assert keys(ask(backend, "基層治理")) == ["article:2"]


def test_full_width_and_upper_case_letters_match_their_plain_forms(backend):
    backend.index([record("ＰＤＦ版党章下载", pk=1), record("Party building in SOEs", pk=2)])
    assert keys(ask(backend, "pdf")) == ["article:1"]
    assert keys(ask(backend, "PARTY")) == ["article:2"]
    assert keys(ask(backend, "ｓｏｅｓ")) == ["article:2"]


def test_a_document_number_is_found_as_typed(backend):
    backend.index(
        [
            record("关于加强党的政治建设的意见", keys="中发〔2019〕1号 中共中央", type="policy", pk=1),
            record("另一份文件", keys="中发〔2019〕11号 中共中央", type="policy", pk=2),
        ]
    )
    assert keys(ask(backend, "中发〔2019〕1号")) == ["policy:1"]
    assert keys(ask(backend, "中发(2019)1号")) == ["policy:1"]


def test_every_word_of_a_query_must_appear(backend):
    backend.index([record("学习党章", "党员义务", pk=1), record("学习党史", pk=2)])
    assert keys(ask(backend, "学习 义务")) == ["article:1"]


def test_a_query_of_several_words_finds_them_apart(backend):
    backend.index([record("学习贯彻党的二十大精神", pk=1)])
    assert keys(ask(backend, "学习精神")) == ["article:1"]


def test_nothing_is_found_for_text_no_record_has(backend):
    backend.index([record("学习党章", pk=1)])
    assert ask(backend, "量子计算").total == 0


# ranking -------------------------------------------------------------------------------------------


def test_a_match_in_the_title_ranks_above_a_match_in_the_body(backend):
    backend.index(
        [
            record("工作简报", "本期介绍基层党组织建设的经验。" * 3, pk=1),
            record("基层党组织建设", "工作简报", pk=2),
        ]
    )
    assert keys(ask(backend, "基层党组织建设"))[0] == "article:2"


def test_the_exact_phrase_ranks_above_its_words_apart(backend):
    backend.index(
        [
            record("党的建设", "学习与贯彻的方法", pk=1),
            record("学习贯彻", "学习贯彻的方法", pk=2),
        ]
    )
    assert keys(ask(backend, "学习贯彻"))[0] == "article:2"


def test_newest_first_sorts_by_date(backend):
    backend.index(
        [
            record("党章学习一", pk=1, date=datetime.date(2020, 1, 1)),
            record("党章学习二", pk=2, date=datetime.date(2024, 1, 1)),
            record("党章学习三", pk=3, date=datetime.date(2022, 1, 1)),
        ]
    )
    assert keys(ask(backend, "党章", sort="newest")) == ["article:2", "article:3", "article:1"]


# highlights -------------------------------------------------------------------------------------------


def test_matches_are_marked_on_the_text_as_written(backend):
    backend.index([record("黨建工作要點", "加強黨建工作的幾點思考", pk=1)])
    hit = ask(backend, "党建").hits[0]
    assert "<mark>黨建</mark>" in hit.title_html
    assert "<mark>黨建</mark>" in hit.snippet_html


def test_highlighted_text_is_escaped(backend):
    backend.index([record("<script>alert(1)</script> 党章", "<b>党章</b> & 党规", pk=1)])
    hit = ask(backend, "党章").hits[0]
    assert "<script>" not in hit.title_html
    assert "&lt;script&gt;" in hit.title_html
    assert "<b>" not in hit.snippet_html
    assert "<mark>党章</mark>" in hit.snippet_html


def test_the_snippet_shows_the_passage_with_the_match(backend):
    body = "开头的话。" * 60 + "坚持和加强党的全面领导。" + "结尾的话。" * 60
    backend.index([record("讲话", body, pk=1)])
    snippet = ask(backend, "全面领导").hits[0].snippet_html
    assert "<mark>全面领导</mark>" in snippet
    assert len(snippet) < 300


# access -------------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_access(backend):
    backend.index(
        [
            record("党章 公开", pk=1, category="公开类"),
            record("党章 党员", pk=2, category="党员类", access=members_only()),
            record("党章 组织者", pk=3, category="内部类", access=members_only(organizer=True)),
            record(
                "党章 支部甲",
                pk=4,
                category="支部类",
                authority="甲支部",
                orgs=("甲支部",),
                access=members_only(groups=(frozenset({"u:10", "m:1", "m:10"}),)),
            ),
            record(
                "党章 甲乙两道",
                pk=5,
                category="支部类",
                access=members_only(groups=(frozenset({"u:10"}), frozenset({"u:20"}))),
            ),
        ]
    )
    return backend


def test_anonymous_readers_find_only_public_records(mixed_access):
    results = ask(mixed_access, "党章", ANYONE)
    assert keys(results) == ["article:1"]
    assert results.total == 1
    assert facet(results, "category") == {"公开类": 1}


def test_members_find_members_records_but_not_organisation_ones(mixed_access):
    results = ask(mixed_access, "党章", MEMBER)
    assert sorted(keys(results)) == ["article:1", "article:2"]
    assert facet(results, "type") == {"article": 2}
    assert "支部类" not in facet(results, "category")
    assert facet(results, "authority") == {}
    assert facet(results, "org") == {}


def test_a_member_of_the_chosen_unit_finds_its_record(mixed_access):
    reader = Reader(logged_in=True, tokens=frozenset({"u:10", "u:1"}))
    results = ask(mixed_access, "党章", reader)
    assert sorted(keys(results)) == ["article:1", "article:2", "article:4"]
    assert facet(results, "org") == {"甲支部": 1}


def test_every_access_group_must_be_met(mixed_access):
    only_one = Reader(logged_in=True, tokens=frozenset({"u:10"}))
    both = Reader(logged_in=True, tokens=frozenset({"u:10", "u:20"}))
    assert "article:5" not in keys(ask(mixed_access, "党章", only_one))
    assert "article:5" in keys(ask(mixed_access, "党章", both))


def test_organizers_find_internal_records_and_those_of_units_they_manage(mixed_access):
    organizer = Reader(logged_in=True, organizer=True, tokens=frozenset({"m:1"}))
    assert sorted(keys(ask(mixed_access, "党章", organizer))) == [
        "article:1",
        "article:2",
        "article:3",
        "article:4",
    ]


def test_readers_of_everything_find_every_record(mixed_access):
    assert ask(mixed_access, "党章", EVERYTHING).total == 5


def test_hidden_records_count_nowhere(mixed_access):
    results = ask(mixed_access, "党章", MEMBER, limit=1)
    assert results.total == 2
    assert sum(value.count for value in results.facets["type"]) == 2


def test_the_backend_agrees_with_the_access_rule(mixed_access):
    readers = [
        ANYONE,
        MEMBER,
        EVERYTHING,
        Reader(logged_in=True, organizer=True),
        Reader(logged_in=True, tokens=frozenset({"u:10"})),
        Reader(logged_in=True, tokens=frozenset({"u:20", "u:10"})),
        Reader(logged_in=True, organizer=True, tokens=frozenset({"m:10"})),
    ]
    records = {r.key: r for r in _mixed_records()}
    for reader in readers:
        expected = sorted(key for key, r in records.items() if r.access.allows(reader))
        assert sorted(keys(ask(mixed_access, "党章", reader, limit=50))) == expected, reader


def _mixed_records():
    return [
        record("x", pk=1),
        record("x", pk=2, access=members_only()),
        record("x", pk=3, access=members_only(organizer=True)),
        record("x", pk=4, access=members_only(groups=(frozenset({"u:10", "m:1", "m:10"}),))),
        record("x", pk=5, access=members_only(groups=(frozenset({"u:10"}), frozenset({"u:20"})))),
    ]


# facets, filters, paging ---------------------------------------------------------------------------


@pytest.fixture
def library(backend):
    backend.index(
        [
            record("党章学习", pk=1, category="党章党规", date=datetime.date(2023, 5, 1)),
            record("党章解读", pk=2, category="党章党规", date=datetime.date(2024, 5, 1)),
            record("党章与党规", pk=3, category="学习资料", date=datetime.date(2024, 6, 1)),
            record(
                "党章修正案",
                type="policy",
                pk=4,
                category="党章党规",
                authority="中共中央",
                date=datetime.date(2022, 10, 22),
            ),
        ]
    )
    return backend


def test_facets_count_every_value_of_the_matching_records(library):
    results = ask(library, "党章")
    assert set(results.facets) == set(FACETS)
    assert facet(results, "type") == {"article": 3, "policy": 1}
    assert facet(results, "category") == {"党章党规": 3, "学习资料": 1}
    assert facet(results, "authority") == {"中共中央": 1}
    assert facet(results, "year") == {"2022": 1, "2023": 1, "2024": 2}


def test_facet_values_come_by_count_then_value(library):
    assert [v.value for v in ask(library, "党章").facets["category"]] == ["党章党规", "学习资料"]


def test_filters_narrow_hits_and_facets(library):
    results = ask(library, "党章", filters={"category": "党章党规", "year": "2024"})
    assert keys(results) == ["article:2"]
    assert facet(results, "category") == {"党章党规": 1}


def test_types_narrow_the_search(library):
    assert keys(ask(library, "党章", types=("policy",))) == ["policy:4"]


def test_filters_by_authority(library):
    assert keys(ask(library, "党章", filters={"authority": "中共中央"})) == ["policy:4"]


def test_pages_split_the_hits_without_changing_the_total(library):
    first = ask(library, "党章", sort="newest", limit=2)
    second = ask(library, "党章", sort="newest", limit=2, offset=2)
    assert first.total == second.total == 4
    assert keys(first) + keys(second) == ["article:3", "article:2", "article:1", "policy:4"]


def test_a_page_past_the_end_is_empty(library):
    results = ask(library, "党章", offset=100)
    assert results.total == 4
    assert results.hits == []


# bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '党章"',
        "党*",
        "NEAR(党章 学习)",
        "党章 -学习",
        "(党章) OR (学习",
        "党章 AND",
        "{title}: 党章",
        "党章 🇨🇳😀",
        "'; DROP TABLE docs; --",
        "1' OR '1'='1",
        "^党章",
        "党章:学习",
        "\x00党章",
    ],
)
def test_query_syntax_from_users_is_taken_as_text(library, q):
    results = ask(library, q)
    assert results.total >= 0
    assert all(hit.key for hit in results.hits)


def test_syntax_characters_around_a_word_still_find_it(library):
    assert ask(library, '"党章"').total == 4
    assert ask(library, "(党章)").total == 4


def test_a_very_long_query_is_answered(library):
    assert ask(library, "党章" * 5000).total >= 0


# writes -------------------------------------------------------------------------------------------


def test_indexing_a_key_again_replaces_its_record(backend):
    backend.index([record("旧标题", pk=1)])
    backend.index([record("新标题", pk=1)])
    assert ask(backend, "旧标题").total == 0
    assert keys(ask(backend, "新标题")) == ["article:1"]
    assert backend.counts() == {"article": 1}


def test_deleting_removes_records_and_ignores_unknown_keys(backend):
    backend.index([record("党章", pk=1), record("党章", pk=2)])
    assert backend.delete(["article:1", "article:999"]) == 1
    assert keys(ask(backend, "党章")) == ["article:2"]
    assert backend.keys("article") == {"article:2"}


def test_replacing_a_record_updates_its_access(backend):
    backend.index([record("党章", pk=1)])
    backend.index([record("党章", pk=1, access=members_only(groups=(frozenset({"u:1"}),)))])
    assert ask(backend, "党章", MEMBER).total == 0
    assert backend.restricted_keys() == {"article:1"}


def test_a_rebuild_keeps_the_old_records_until_it_finishes_and_then_drops_the_stale_ones(backend):
    backend.index([record("党章旧一", pk=1), record("党章旧二", pk=2)])
    state = backend.rebuild_start("article", resume=False)
    backend.rebuild_write(state, [record("党章新一", pk=1)])
    assert ask(backend, "党章").total >= 1  # still answering during the rebuild
    removed = backend.rebuild_finish(state)
    assert removed == 1
    assert keys(ask(backend, "党章")) == ["article:1"]
    assert ask(backend, "新一").total == 1


def test_a_rebuild_resumes_after_its_last_batch(backend):
    state = backend.rebuild_start("article", resume=False)
    state.after_pk = 1
    backend.rebuild_write(state, [record("党章一", pk=1)])
    resumed = backend.rebuild_start("article", resume=True)
    assert resumed.after_pk == 1
    backend.rebuild_write(resumed, [record("党章二", pk=2)])
    backend.rebuild_finish(resumed)
    assert sorted(keys(ask(backend, "党章"))) == ["article:1", "article:2"]


def test_a_rebuild_of_one_type_leaves_other_types_alone(backend):
    backend.index([record("党章", type="policy", pk=1)])
    state = backend.rebuild_start("article", resume=False)
    backend.rebuild_write(state, [record("党章", pk=2)])
    backend.rebuild_finish(state)
    assert backend.counts() == {"article": 1, "policy": 1}


# suggestions ---------------------------------------------------------------------------------------


@pytest.fixture
def titles(backend):
    backend.index(
        [
            record("党的建设新的伟大工程", pk=1),
            record("党史学习教育", pk=2, access=members_only()),
            record("支部内部通知", pk=3, access=members_only(groups=(frozenset({"u:1"}),))),
        ]
    )
    return backend


def test_suggestions_complete_the_start_of_a_title(titles):
    assert "党的建设新的伟大工程" in [s.text for s in titles.suggest("党的", reader=ANYONE)]


def test_suggestions_understand_pinyin_initials_and_full_pinyin(titles):
    assert "党的建设新的伟大工程" in [s.text for s in titles.suggest("ddjs", reader=ANYONE)]
    assert any(s.text.startswith("党史") for s in titles.suggest("dangshi", reader=MEMBER))


def test_suggestions_name_titles_with_their_urls(titles):
    title = next(s for s in titles.suggest("党的", reader=ANYONE) if s.kind == "title")
    assert title.url == "/article/1/"


def test_anonymous_readers_are_not_suggested_members_titles(titles):
    assert not any("党史" in s.text for s in titles.suggest("党史", reader=ANYONE))
    assert any("党史" in s.text for s in titles.suggest("党史", reader=MEMBER))


def test_restricted_titles_are_never_suggested(titles):
    insider = Reader(logged_in=True, tokens=frozenset({"u:1"}))
    assert not any("支部" in s.text for s in titles.suggest("支部", reader=insider))
    assert not any("支部" in s.text for s in titles.suggest("支部", reader=EVERYTHING))


def test_related_terms_offer_words_that_share_most_characters(titles):
    assert "伟大工程" in titles.related_terms("伟大工作", reader=ANYONE) or "工程" in titles.related_terms(
        "伟大工作", reader=ANYONE
    )


def test_an_empty_prefix_suggests_nothing(titles):
    assert titles.suggest("   ", reader=ANYONE) == []


def test_access_records_can_be_built_from_groups():
    assert Access(login=True, groups=(frozenset({"u:1"}),)).allows(
        Reader(logged_in=True, tokens=frozenset({"u:1"}))
    )
