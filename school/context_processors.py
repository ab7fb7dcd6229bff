from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NAV_ITEMS = [
    ("home", _("Home"), "/"),
    ("courses", _("Courses"), "/courses/"),
    ("library", _("Library"), "/library/"),
    ("exams", _("Exams"), "/exams/"),
    ("community", _("Community"), "/community/"),
    ("search", _("Search"), "/search/"),
    ("my", _("My learning"), "/my/"),
]


def navigation(request) -> dict:
    path = request.path
    active = "home"
    for key, _label, url in NAV_ITEMS[1:]:
        if path.startswith(url):
            active = key
    return {"nav_items": NAV_ITEMS, "nav_active": active}
