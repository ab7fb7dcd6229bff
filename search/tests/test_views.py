"""The search page and the autocomplete endpoint, through the test client and a real embedded index."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from courses.models import AccessLevel, LibraryCategory
from courses.tests import factories
from school.tests.factories import MemberFactory
from search.backends.base import SearchUnavailable
from search.registry import all_types
from search.services import search_rebuild
from search.text import MAX_QUERY_CHARS

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def rebuild() -> None:
    for search_type in all_types():
        search_rebuild(search_type=search_type)


def page_html(client, **params) -> str:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def hit_titles(content: str) -> list[str]:
    titles = re.findall(r'<h2 class="search-hit__title"><a href="[^"]*">(.*?)</a></h2>', content)
    return [re.sub(r"</?mark>", "", title) for title in titles]


def chip_links(content: str) -> list[dict[str, list[str]]]:
    hrefs = re.findall(r'<a class="facet-chip[^"]*" href="([^"]*)"', content)
    return [parse_qs(urlsplit(html.unescape(href)).query) for href in hrefs]


@pytest.fixture
def library(db):
    """Two public articles and a policy document about 党章, in two categories and two years."""
    theory = LibraryCategory.objects.create(name="理论学习")
    rules = LibraryCategory.objects.create(name="党章党规")
    factories.article(
        "学习党章的几点体会",
        access=AccessLevel.PUBLIC,
        category=theory,
        published_on=datetime.date(2024, 3, 1),
        summary="党员学习党章的心得。",
        body=[("paragraph", "<p>认真学习党章，遵守党章，贯彻党章，维护党章。</p>")],
    )
    factories.article(
        "党章知识问答",
        access=AccessLevel.PUBLIC,
        category=rules,
        published_on=datetime.date(2025, 5, 4),
        body=[("paragraph", "<p>关于党章的五十个问题。</p>")],
    )
    factories.policy_document(
        "中国共产党章程",
        category=rules,
        issuing_authority="中共中央",
        issued_on=datetime.date(2022, 10, 22),
        summary="党章全文。",
    )
    rebuild()


# --- the page before and without hits ------------------------------------------------------------


def test_search_page_without_a_query_shows_the_start_state(client):
    response = client.get("/search/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "search/results.html" in [template.name for template in response.templates]
    assert 'class="card search-start"' in content
    assert 'class="search-hits' not in content
    assert zh("Search tips") in content


def test_search_page_replaces_the_coming_soon_placeholder(client):
    content = page_html(client)
    assert zh("Nothing here yet") not in content
    assert 'role="search"' in content and 'name="q"' in content


def test_query_without_hits_shows_the_empty_state_with_tips(client, library):
    content = page_html(client, q="量子力学")
    assert 'class="empty-state"' in content
    assert "量子力学" in content
    assert zh("Search tips") in content
    assert hit_titles(content) == []


def test_empty_state_offers_a_query_that_has_hits(client, library):
    content = page_html(client, q="dangzhang")
    if 'class="search-hits' in content:
        pytest.skip("pinyin matched directly: nothing to suggest")
    assert zh("Did you mean:") in content
    suggestion = re.search(r'class="search-empty__suggestion">.*?<a href="([^"]*)">(.*?)</a>', content, re.S)
    assert suggestion is not None
    assert parse_qs(urlsplit(html.unescape(suggestion.group(1))).query)["q"] == [suggestion.group(2)]
    assert hit_titles(page_html(client, q=suggestion.group(2)))


def test_a_query_of_stop_words_says_so_instead_of_searching(client, library):
    content = page_html(client, q="的")
    assert html.escape(zh("Words this common appear everywhere: add a more specific word.")) in content
    assert hit_titles(content) == []


# --- hits -----------------------------------------------------------------------------------------


def test_hits_show_highlighted_titles_and_snippets_without_double_escaping(client, library):
    content = page_html(client, q="党章")
    assert "<mark>党章</mark>" in content
    assert "&lt;mark&gt;" not in content
    assert set(hit_titles(content)) == {"学习党章的几点体会", "党章知识问答", "中国共产党章程"}
    assert re.search(r'class="search-hit__snippet">[^<]*(<mark>|.)*党章', content)


def test_total_and_type_badges_are_shown(client, library):
    content = page_html(client, q="党章")
    with translation.override("zh-hans"):
        assert translation.ngettext("Found %(total)s result", "Found %(total)s results", 3) % {
            "total": 3
        } in (content)
    assert content.count('class="badge badge-red search-hit__type"') == 3
    assert zh("Policy documents") in content and zh("Study articles") in content


def test_hit_dates_use_the_site_date_format(client, library):
    content = page_html(client, q="章程")
    assert '<time datetime="2022-10-22">2022-10-22</time>' in content
    assert "中共中央" in content


def test_script_in_the_query_is_escaped_everywhere(client, library):
    content = page_html(client, q='<script>alert("x")</script>党章')
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content


def test_newest_sort_puts_the_latest_hit_first(client, library):
    content = page_html(client, q="党章", sort="newest")
    assert hit_titles(content)[0] == "党章知识问答"
    assert 'class="search-sort__option is-selected" href="?q=%E5%85%9A%E7%AB%A0&amp;sort=newest"' in content


# --- facets ---------------------------------------------------------------------------------------


def test_facet_chips_link_to_the_query_with_the_filter_added(client, library):
    content = page_html(client, q="党章", sort="newest")
    links = chip_links(content)
    assert {"q": ["党章"], "category": ["党章党规"], "sort": ["newest"]} in links
    assert {"q": ["党章"], "year": ["2024"], "sort": ["newest"]} in links
    assert {"q": ["党章"], "authority": ["中共中央"], "sort": ["newest"]} in links


def test_year_chips_read_as_years(client, library):
    content = page_html(client, q="党章")
    year = re.search(r'<span class="facet-chip__label">([^<]*2024[^<]*)</span>', content).group(1)
    with translation.override("zh-hans"):
        assert year == translation.pgettext("year facet chip", "%(year)s") % {"year": "2024"}


def test_a_chosen_filter_narrows_hits_and_its_chip_removes_it(client, library):
    content = page_html(client, q="党章", category="党章党规", page="1")
    assert set(hit_titles(content)) == {"党章知识问答", "中国共产党章程"}
    selected = re.search(r'<a class="facet-chip is-selected" href="([^"]*)" aria-current="true">', content)
    assert parse_qs(urlsplit(html.unescape(selected.group(1))).query) == {"q": ["党章"]}
    assert '<details class="card search-filters__panel" open>' in content


def test_clearing_the_filters_keeps_the_query_sort_and_type_tab(client, library):
    content = page_html(client, q="党章", type="policy", year="2022", sort="newest")
    clear = re.search(
        r'class="search-filters__clear"><a class="btn btn-secondary btn-sm" href="([^"]*)"', content
    )
    assert parse_qs(urlsplit(html.unescape(clear.group(1))).query) == {
        "q": ["党章"],
        "type": ["policy"],
        "sort": ["newest"],
    }


def test_type_tabs_keep_every_type_with_counts_while_one_is_chosen(client, library):
    content = page_html(client, q="党章", type="policy")
    assert hit_titles(content) == ["中国共产党章程"]
    tabs = re.findall(r'<a class="search-tab( is-selected)?" href="([^"]*)"[^>]*>([^<]*) <span', content)
    labels = [(bool(selected), label) for selected, _href, label in tabs]
    assert labels == [(False, zh("All")), (False, zh("Study articles")), (True, zh("Policy documents"))]
    counts = re.findall(r'<span class="search-tab__count">(\d+)</span>', content)
    assert counts == ["3", "2", "1"]


def test_the_page_form_keeps_the_chosen_type(client, library):
    content = page_html(client, q="党章", type="article")
    assert '<input type="hidden" name="type" value="article">' in content


def test_unknown_filters_and_sorts_are_ignored(client, library):
    content = page_html(client, q="党章", type="nonsense", sort="random", colour="red")
    assert len(hit_titles(content)) == 3


# --- paging and hostile input ---------------------------------------------------------------------


@pytest.fixture
def many_articles(db):
    for number in range(1, 24):
        factories.article(f"党课讲稿第{number}篇", access=AccessLevel.PUBLIC)
    rebuild()


def test_pagination_keeps_every_parameter(client, many_articles):
    content = page_html(client, q="党课", sort="newest")
    assert len(hit_titles(content)) == 10
    assert 'rel="next" href="?q=%E5%85%9A%E8%AF%BE&amp;sort=newest&amp;page=2"' in content


def test_a_page_beyond_the_last_shows_the_last_page(client, many_articles):
    content = page_html(client, q="党课", page="99")
    assert len(hit_titles(content)) == 3
    assert 'rel="prev"' in content and 'rel="next"' not in content


@pytest.mark.parametrize("page", ["abc", "-3", "0", "1e9", "99999999999999999999", ""])
def test_odd_page_numbers_do_not_fail(client, many_articles, page):
    assert hit_titles(page_html(client, q="党课", page=page))


@pytest.mark.parametrize(
    "q",
    [
        '"党章',
        "党*",
        "党章 NEAR 学习",
        "NEAR(党章 学习)",
        "-党章",
        "(党章",
        "党章)",
        '" * NEAR - ( )',
        "AND OR NOT",
        "党章 🇨🇳👍",
        "🎉",
        "'; DROP TABLE search_docs; --",
        "1' OR '1'='1",
        "title:党章",
        "^党章$",
        "\\",
        "\x00党章",
        "党" * 10_000,
        "a " * 5_000,
    ],
)
def test_hostile_queries_answer_200(client, library, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200


def test_a_very_long_query_says_only_its_start_was_searched(client, library):
    content = page_html(client, q="党章" * 5_000)
    notice = zh("Only the first %(count)s characters were searched.") % {"count": MAX_QUERY_CHARS}
    assert html.escape(notice) in content
    assert 'class="alert alert-info"' in content
    # Only the start of the query is kept: it is not echoed in full into the box and every link.
    kept = re.search(
        r'id="search-q" class="search-box__input" type="search" name="q" value="([^"]*)"', content
    )
    assert len(kept.group(1)) == 256
    assert all(len(link["q"][0]) == 256 for link in chip_links(content))


def test_search_page_is_private_and_not_indexed(client, library):
    response = client.get("/search/", {"q": "党章"})
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_search_page_answers_get_only(client):
    assert client.post("/search/", {"q": "党章"}).status_code == 405
    assert client.post("/search/suggest/", {"q": "党章"}).status_code == 405


# --- who sees what ---------------------------------------------------------------------------------


@pytest.fixture
def branch_documents(org_tree):
    category = LibraryCategory.objects.create(name="支部资料")
    factories.article(
        "第三支部整改台账",
        access=AccessLevel.ORG_UNITS,
        org_units=[org_tree.branch_b1],
        category=category,
        published_on=datetime.date(2019, 6, 1),
        body=[("paragraph", "<p>整改台账明细。</p>")],
    )
    factories.article(
        "全体党员整改通知",
        access=AccessLevel.MEMBERS,
        published_on=datetime.date(2024, 6, 1),
        body=[("paragraph", "<p>整改要求。</p>")],
    )
    rebuild()


def test_a_member_of_another_branch_sees_no_trace_of_a_branch_document(client, member_a1, branch_documents):
    client.force_login(member_a1.user)
    content = page_html(client, q="整改")
    assert hit_titles(content) == ["全体党员整改通知"]
    assert "第三支部整改台账" not in content
    assert "支部资料" not in content  # its category chip
    assert "第三党支部" not in content  # its organisation chip
    assert "2019" not in content  # its year chip
    with translation.override("zh-hans"):
        found_one = translation.ngettext("Found %(total)s result", "Found %(total)s results", 1) % {
            "total": 1
        }
    assert found_one in content
    assert hit_titles(page_html(client, q="台账")) == []


def test_a_member_of_that_branch_finds_it(client, org_tree, branch_documents):
    member_b1 = MemberFactory(org_unit=org_tree.branch_b1)
    client.force_login(member_b1.user)
    content = page_html(client, q="整改")
    assert set(hit_titles(content)) == {"第三支部整改台账", "全体党员整改通知"}
    assert "第三党支部" in content


def test_visitors_see_only_public_documents(client, library, branch_documents):
    assert hit_titles(page_html(client, q="整改")) == []
    assert len(hit_titles(page_html(client, q="党章"))) == 3


def test_an_internal_document_is_hidden_from_learners(client, member_a1, org_tree):
    factories.article("内部工作要点", access=AccessLevel.INTERNAL, body=[("paragraph", "<p>要点</p>")])
    rebuild()
    client.force_login(member_a1.user)
    content = page_html(client, q="工作要点")
    assert hit_titles(content) == []
    assert "内部工作要点" not in content


# --- the index is down -----------------------------------------------------------------------------


@pytest.fixture
def index_down(monkeypatch):
    from search.backends.embedded import EmbeddedBackend

    def unavailable(self, request):
        raise SearchUnavailable("index file is gone")

    monkeypatch.setattr(EmbeddedBackend, "search", unavailable)


def test_an_unavailable_index_shows_a_notice_not_an_error(client, library, index_down):
    response = client.get("/search/", {"q": "党章"})
    content = response.content.decode()
    assert response.status_code == 200
    assert html.escape(zh("Search is unavailable at the moment. Please try again later.")) in content
    assert 'class="alert alert-warning"' in content
    assert hit_titles(content) == []


def test_the_home_page_still_renders_when_the_index_is_down(client, index_down):
    response = client.get("/")
    assert response.status_code == 200
    assert 'role="search"' in response.content.decode()


# --- header box ------------------------------------------------------------------------------------


def test_every_page_header_has_a_labelled_search_box(client):
    content = client.get("/courses/").content.decode()
    assert content.count('action="/search/" role="search"') == 2  # desktop box and the phone panel
    assert '<label class="visually-hidden" for="header-search-q">' in content
    assert '<label class="visually-hidden" for="phone-search-q">' in content
    assert 'data-autocomplete="/search/suggest/"' in content
    assert "search/js/autocomplete.js" in content


def test_the_search_page_does_not_repeat_the_box_in_its_header(client):
    content = client.get("/search/").content.decode()
    assert content.count('role="search"') == 1
    assert 'id="search-q"' in content


# --- suggestions -----------------------------------------------------------------------------------


def test_suggestions_are_json_with_text_kind_and_url(client, library):
    response = client.get("/search/suggest/", {"q": "党章"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    suggestions = response.json()["suggestions"]
    assert suggestions
    for suggestion in suggestions:
        assert set(suggestion) == {"text", "kind", "url"}
        assert suggestion["kind"] in {"title", "term"}
        if suggestion["kind"] == "title":
            assert suggestion["url"].startswith("/")
    assert "党章知识问答" in [s["text"] for s in suggestions if s["kind"] == "title"]


@pytest.mark.parametrize("q", ["", "   ", "党" * 65, "x" * 10_000])
def test_empty_or_too_long_prefixes_get_no_suggestions(client, library, q):
    response = client.get("/search/suggest/", {"q": q})
    assert response.status_code == 200
    assert response.json() == {"suggestions": []}


def test_suggestions_never_name_a_restricted_document(client, member_a1, branch_documents):
    client.force_login(member_a1.user)
    texts = [s["text"] for s in client.get("/search/suggest/", {"q": "第三"}).json()["suggestions"]]
    assert "第三支部整改台账" not in texts


def test_suggestions_are_rate_limited_with_a_json_429(client, settings, library):
    settings.SEARCH_SUGGEST_RATE_LIMIT = 3
    for _ in range(3):
        assert client.get("/search/suggest/", {"q": "党"}).status_code == 200
    response = client.get("/search/suggest/", {"q": "党"})
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert response.json()["suggestions"] == []
    assert int(response["Retry-After"]) >= 1


def test_the_search_page_is_rate_limited(client, settings):
    settings.SEARCH_RATE_LIMIT = 2
    assert client.get("/search/", {"q": "党章"}).status_code == 200
    assert client.get("/search/", {"q": "党章"}).status_code == 200
    response = client.get("/search/", {"q": "党章"})
    assert response.status_code == 429
    assert "Retry-After" in response


def test_limits_count_each_client_address_separately(client, settings):
    settings.SEARCH_SUGGEST_RATE_LIMIT = 1
    assert client.get("/search/suggest/", {"q": "党"}, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert client.get("/search/suggest/", {"q": "党"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get("/search/suggest/", {"q": "党"}, REMOTE_ADDR="10.0.0.2").status_code == 200
