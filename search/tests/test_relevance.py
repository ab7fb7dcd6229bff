"""Natural queries over five real articles on party building find the right one first.

The articles live outside the project (``../shared/data/seed-articles``, or ``SEED_ARTICLES_DIR``):
one is in traditional characters, one carries unrelated spam paragraphs. They are indexed as library
articles the way editors would publish them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.html import escape

from courses.tests import factories
from search import api
from search.registry import get_type
from search.services import search_rebuild

SEED = Path(os.environ.get("SEED_ARTICLES_DIR", Path(settings.BASE_DIR).parent / "shared/data/seed-articles"))

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not SEED.is_dir(), reason=f"seed articles not found at {SEED} (set SEED_ARTICLES_DIR)"
    ),
]

# file prefix → title given when publishing (some files open with a byline, not a title)
TITLES = {
    "000": "谈互联网时代的智慧党务",
    "001": "互联网时代的党建工作",
    "002": "互联网+党建与智慧党建",
    "003": "智慧黨建與基層黨組織建設",
    "004": "运用互联网+提高党建工作水平",
}


@pytest.fixture
def seeded(member_a1):
    for path in sorted(SEED.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
        body = [("paragraph", "".join(f"<p>{escape(p)}</p>" for p in paragraphs))]
        factories.article(TITLES[path.name[:3]], body=body)
    search_rebuild(search_type=get_type("article"))
    return member_a1.user


def first(user, q: str) -> str:
    hits = api.query(user, q).results.hits
    assert hits, q
    return hits[0].title


@pytest.mark.parametrize(
    ("q", "prefix"),
    [
        ("智慧党务", "000"),
        ("自媒体 党建", "001"),
        ("年轻党员", "002"),
        ("乡村振兴", "002"),
        ("基层治理", "003"),
        ("基層黨組織建設", "003"),
        ("互联网+党建", "002"),
    ],
)
def test_a_natural_query_finds_the_right_article_first(seeded, q, prefix):
    assert first(seeded, q) == TITLES[prefix]


def test_the_traditional_article_is_found_by_simplified_words_and_highlighted_as_written(seeded):
    hit = api.query(seeded, "基层治理").results.hits[0]
    assert hit.title == TITLES["003"]
    assert "<mark>基層治理</mark>" in hit.snippet_html


def test_the_article_padded_with_spam_does_not_rank_for_what_it_does_not_discuss(seeded):
    titles = [hit.title for hit in api.query(seeded, "智慧党建", per_page=5).results.hits]
    assert titles[0] in (TITLES["002"], TITLES["003"])
    assert TITLES["004"] not in titles


def test_every_article_containing_a_phrase_is_found(seeded):
    titles = {hit.title for hit in api.query(seeded, "大数据").results.hits}
    assert titles == {TITLES["000"], TITLES["002"], TITLES["004"]}
