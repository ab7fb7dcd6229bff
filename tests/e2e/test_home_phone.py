"""A visitor on a 375 px phone: the home page fits, the menu opens, the language switches."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from school.context_processors import NAV_ITEMS

# serialized_rollback: transactional tests flush the database afterwards, which would take the
# home page and role groups created by migrations with it; this restores them for each test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COURSES = next(item for item in NAV_ITEMS if item.key == "courses")


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_home_page_has_no_horizontal_scroll_at_375(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    assert phone_page.get_attribute("html", "lang") == "zh-hans"
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert phone_page.locator(".primary-nav").is_hidden()
    assert phone_page.locator(".tabbar").is_visible()


def test_menu_button_opens_navigation_and_courses_is_clickable(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    menu_link = phone_page.locator(".mobile-menu__panel").get_by_role(
        "link", name=zh(COURSES.label), exact=True
    )
    assert menu_link.is_hidden()
    phone_page.locator(".mobile-menu summary").click()
    assert menu_link.is_visible()
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375
    menu_link.click()
    phone_page.wait_for_url(live_server.url + COURSES.url)
    current = phone_page.locator(".tabbar [aria-current=page]")
    assert current.inner_text().strip() == zh(COURSES.label)


def test_escape_closes_the_menu(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    phone_page.locator(".mobile-menu summary").click()
    assert phone_page.locator(".mobile-menu__panel").is_visible()
    phone_page.keyboard.press("Escape")
    assert phone_page.locator(".mobile-menu__panel").is_hidden()


def test_language_switch_changes_to_english_and_back(live_server, phone_page):
    phone_page.goto(live_server.url + "/library/")
    phone_page.locator(".mobile-menu summary").click()
    phone_page.locator(".mobile-menu button[value=en]").click()
    phone_page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert phone_page.url == live_server.url + "/library/"
    with translation.override("en"):
        assert phone_page.locator(".tabbar__item").first.inner_text().strip() == gettext("Home")
    phone_page.goto(live_server.url + "/")
    assert phone_page.get_attribute("html", "lang") == "en"
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 375
    phone_page.locator(".mobile-menu summary").click()
    phone_page.locator(".mobile-menu button[value=zh-hans]").click()
    phone_page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")


def test_desktop_shows_the_full_navigation(live_server, desktop_page):
    desktop_page.goto(live_server.url + "/")
    assert desktop_page.locator(".primary-nav").is_visible()
    assert desktop_page.locator(".mobile-menu").is_hidden()
    assert desktop_page.locator(".tabbar").is_hidden()
    assert desktop_page.locator(".primary-nav a").count() == len(NAV_ITEMS)
    assert desktop_page.evaluate("document.scrollingElement.scrollWidth") <= 1280


def test_menu_and_language_switch_work_without_javascript(live_server, phone_page_without_js):
    page = phone_page_without_js
    page.goto(live_server.url + "/")
    page.locator(".mobile-menu summary").click()
    assert (
        page.locator(".mobile-menu__panel")
        .get_by_role("link", name=zh(COURSES.label), exact=True)
        .is_visible()
    )
    page.locator(".mobile-menu button[value=en]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
