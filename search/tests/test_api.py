"""``search.query`` and ``search.suggest``: notices, paging, suggestions, and an index that is down."""

from __future__ import annotations

import pytest

import search
from courses.models import AccessLevel
from courses.tests import factories
from search.backends.base import SearchUnavailable
from search.backends.embedded import EmbeddedBackend
from search.registry import all_types
from search.services import search_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(member_a1):
    for number in range(1, 26):
        factories.article(
            f"党章学习第{number}篇", body=[("paragraph", "<p>认真学习党章，牢记初心使命。</p>")]
        )
    factories.article("伟大建党精神", access=AccessLevel.PUBLIC)
    for search_type in all_types():
        search_rebuild(search_type=search_type)
    return member_a1.user


def test_an_empty_query_searches_nothing(library):
    page = search.query(library, "   ")
    assert page.results is None
    assert page.notices == []


def test_a_query_of_common_words_only_gets_a_message(library):
    page = search.query(library, "的 了")
    assert page.results is None
    assert page.notices


def test_a_long_query_is_cut_and_says_so(library):
    page = search.query(library, "党章" * 5000)
    assert page.results is not None
    assert any("64" in notice for notice in page.notices)


def test_pages_beyond_the_last_show_the_last(library):
    page = search.query(library, "党章", page=99)
    assert page.page == 3
    assert len(page.results.hits) == 5


def test_a_negative_page_is_the_first(library):
    assert search.query(library, "党章", page=-4).page == 1


def test_unknown_types_filters_and_sorts_are_ignored(library):
    page = search.query(library, "党章", types=["nonsense"], filters={"colour": "red"}, sort="random")
    assert page.total == 25
    assert page.sort == "relevance"


def test_the_type_facet_narrows_by_type(library):
    assert search.query(library, "党章", filters={"type": "policy"}).total == 0
    assert search.query(library, "党章", filters={"type": "article"}).total == 25


def test_a_query_without_hits_suggests_a_close_one_that_has_hits(library):
    page = search.query(library, "建党精神伟大")
    assert page.total == 0 or page.suggestion == ""
    page = search.query(library, "伟大建设精神")
    assert page.total == 0
    assert page.suggestion
    assert search.query(library, page.suggestion).total > 0


def test_pinyin_without_hits_suggests_the_characters(library):
    page = search.query(library, "dangzhang")
    assert page.total == 0
    assert page.suggestion == "党章"


def test_visitors_find_only_public_pages(library):
    from django.contrib.auth.models import AnonymousUser

    assert [hit.title for hit in search.query(AnonymousUser(), "精神").results.hits] == ["伟大建党精神"]


def test_an_unavailable_index_gives_a_notice_not_an_error(library, monkeypatch):
    def broken(self, request):
        raise SearchUnavailable("disk I/O error")

    monkeypatch.setattr(EmbeddedBackend, "search", broken)
    page = search.query(library, "党章")
    assert page.unavailable
    assert page.results is None
    assert page.notices


def test_suggestions_complete_titles_and_return_nothing_when_the_index_is_down(library, monkeypatch):
    assert any(s.text.startswith("党章学习") for s in search.suggest("党章", user=library))

    def broken(self, prefix, **kwargs):
        raise SearchUnavailable("gone")

    monkeypatch.setattr(EmbeddedBackend, "suggest", broken)
    assert search.suggest("党章", user=library) == []


def test_an_unreadable_index_file_makes_search_unavailable(settings, tmp_path, member_a1):
    from search.backends import close_backends

    close_backends()
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    settings.SEARCH_INDEX_PATH = bad
    page = search.query(member_a1.user, "党章")
    assert page.unavailable


def test_an_index_being_rebuilt_gives_a_notice(library, monkeypatch):
    monkeypatch.setattr(EmbeddedBackend, "rebuilding", lambda self: True)
    page = search.query(library, "党章")
    assert page.total == 25
    assert any("重建" in notice or "rebuilt" in notice for notice in page.notices)
