from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class NavItem(NamedTuple):
    key: str
    label: Promise
    url: str
    icon: str  # symbol id in static/img/icons.svg
    in_tabbar: bool  # also shown in the phone's bottom tab bar


NAV_ITEMS = [
    NavItem("home", _("Home"), "/", "home", True),
    NavItem("courses", _("Courses"), "/courses/", "book", True),
    NavItem("library", _("Library"), "/library/", "library", False),
    NavItem("exams", _("Exams"), "/exams/", "exam", True),
    NavItem("community", _("Community"), "/community/", "community", False),
    NavItem("search", _("Search"), "/search/", "search", False),
    NavItem("my", _("My learning"), "/my/", "user", True),
]


def nav_active_key(path: str) -> str:
    """The section a path belongs to; "" for pages outside the seven (login, admin, errors)."""
    if path == "/":
        return "home"
    for item in NAV_ITEMS[1:]:
        if path.startswith(item.url):
            return item.key
    return ""


def login_url_for(request: HttpRequest) -> str:
    """The header's login link brings the visitor back to the page they were on (not to an accounts page)."""
    url = reverse("accounts:login")
    if request.path.startswith("/accounts/") or request.path == "/":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


def navigation(request: HttpRequest) -> dict:
    return {
        "nav_items": NAV_ITEMS,
        "tab_items": [item for item in NAV_ITEMS if item.in_tabbar],
        "nav_active": nav_active_key(request.path),
        "login_url": login_url_for(request),
    }
