"""A member on a 375 px phone searches from the header in Debian Chromium: suggestions appear while
typing, the results highlight the word, a filter chip narrows them, and the first hit opens its page.
On a desktop the header box's suggestions work from the keyboard.

Screenshots go to test-artifacts/search-journey/.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from courses.models import AccessLevel, LibraryCategory
from courses.tests import factories
from school.tests.factories import MemberFactory
from search.registry import all_types
from search.services import search_rebuild
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "search-journey"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def member(org_tree, site_tree):
    return MemberFactory(org_unit=org_tree.branch_a1, real_name="王学习")


@pytest.fixture
def library(member):
    """Articles, policy documents and a course about 党章, in two categories, then a full index."""
    rules = LibraryCategory.objects.create(name="党章党规")
    theory = LibraryCategory.objects.create(name="理论学习")
    factories.policy_document(
        "中国共产党章程",
        category=rules,
        issuing_authority="中共中央",
        issued_on=datetime.date(2022, 10, 22),
        summary="中国共产党第二十次全国代表大会部分修改，2022年10月22日通过。党章是党的根本大法。",
    )
    factories.policy_document(
        "中国共产党纪律处分条例",
        category=rules,
        issuing_authority="中共中央",
        issued_on=datetime.date(2023, 12, 8),
        summary="以党章为根本遵循，严明党的纪律。",
    )
    factories.article(
        "学习党章的几点体会",
        access=AccessLevel.MEMBERS,
        category=theory,
        author="王明",
        published_on=datetime.date(2024, 3, 1),
        summary="一名普通党员学习党章的心得：对照党章找差距。",
        body=[("paragraph", "<p>认真学习党章，遵守党章，贯彻党章，维护党章，是每个党员的义务。</p>")],
    )
    factories.article(
        "党章知识问答五十题",
        access=AccessLevel.PUBLIC,
        category=rules,
        published_on=datetime.date(2025, 5, 4),
        body=[("paragraph", "<p>关于党章的总纲、党员、组织制度的五十个问题与解答。</p>")],
    )
    course = factories.course(
        "学习党章 争做合格党员", summary="逐章学习党章的基本内容，对照党员标准查找差距。"
    )
    factories.lesson(course, "第一讲 党章总纲", body=[("paragraph", "<p>党章总纲阐明了党的性质和宗旨。</p>")])
    for search_type in all_types():
        search_rebuild(search_type=search_type)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_member_searches_from_the_phone_header_filters_and_opens_a_hit(
    live_server, phone_page, member, library
):
    page = phone_page
    log_in(page, live_server, member.user)
    page.goto(live_server.url + "/")
    assert page.locator("#phone-search-q").is_hidden()

    page.locator(".header-search__button").click()  # the search icon beside the menu button
    box = page.locator("#phone-search-q")
    # The <details> "toggle" event that moves the focus is dispatched after the click returns.
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    box.press_sequentially("党章", delay=60)
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    screenshot(page, SCREENSHOTS, "01-suggestions-phone.png")

    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert query_of(page.url)["q"] == ["党章"]
    first = page.locator(".search-hit").first
    assert first.locator(".search-hit__title mark").count() >= 1
    assert first.locator(".search-hit__title mark").first.inner_text() == "党章"
    assert page.locator(".search-summary__count").inner_text().strip()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "02-results-phone.png")

    page.locator(".search-filters__summary").click()
    chip = page.locator(".facet-chip", has_text="党章党规")
    chip.click()
    page.wait_for_url(re.compile(r"category="))
    assert query_of(page.url) == {"q": ["党章"], "category": ["党章党规"]}
    selected = page.locator(".facet-chip.is-selected")
    assert selected.count() == 1 and "党章党规" in selected.inner_text()
    titles = page.locator(".search-hit__title").all_inner_texts()
    assert titles and "学习党章的几点体会" not in titles
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "03-filtered-phone.png")

    hit = page.locator(".search-hit__title a").first
    title = hit.inner_text()
    assert hit.locator("mark").count() >= 1
    hit.click()
    page.wait_for_url(lambda url: "/search/" not in url)
    assert page.get_by_role("heading", level=1).inner_text() == title


def test_results_page_at_desktop_width(live_server, desktop_page, member, library):
    page = desktop_page
    log_in(page, live_server, member.user)
    page.goto(live_server.url + "/search/?q=党章")
    assert page.locator(".search-hit").count() >= 5
    assert page.locator(".facet-chip").first.is_visible()  # filters stay open beside the results
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "04-results-desktop.png")

    page.get_by_role("link", name=zh("Newest"), exact=True).click()
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = page.locator(".search-hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates == sorted(dates, reverse=True)


def test_header_suggestions_work_from_the_keyboard_on_a_desktop(live_server, desktop_page, member, library):
    page = desktop_page
    log_in(page, live_server, member.user)
    page.goto(live_server.url + "/courses/")
    box = page.locator("#header-search-q")
    assert box.get_attribute("role") == "combobox"
    box.click()
    box.press_sequentially("党章知识", delay=60)
    option = page.get_by_role("option", name="党章知识问答五十题")
    option.wait_for()
    screenshot(page, SCREENSHOTS, "05-suggestions-desktop.png")

    box.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    box.press("ArrowDown")
    assert page.get_by_role("listbox").is_visible()
    options = page.get_by_role("option")
    target = next(i for i in range(options.count()) if options.nth(i).inner_text() == "党章知识问答五十题")
    for _ in range(target):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").inner_text() == "党章知识问答五十题"
    box.press("Enter")
    page.wait_for_url(lambda url: "/search/" not in url and "/courses/" not in url)
    assert page.get_by_role("heading", level=1).inner_text() == "党章知识问答五十题"


def test_the_empty_state_offers_another_query_on_a_phone(live_server, phone_page, member, library):
    page = phone_page
    log_in(page, live_server, member.user)
    page.goto(live_server.url + "/search/?q=量子力学")
    assert page.locator(".empty-state").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "06-empty-phone.png")
    page.goto(live_server.url + "/search/")
    assert page.locator(".search-start").is_visible()
    expect(page.locator("#search-q")).to_be_focused()
    screenshot(page, SCREENSHOTS, "07-start-phone.png")

    page.locator("#search-q").press_sequentially("党", delay=60)  # one CJK character is enough
    term = page.locator(".autocomplete__option--term").first
    term.wait_for()
    text = term.inner_text()
    term.tap()  # a term fills the box and searches
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert query_of(page.url)["q"] == [text]
    assert page.locator("#search-q").input_value() == text
