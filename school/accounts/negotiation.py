from __future__ import annotations

from django.http import HttpRequest


def wants_json(request: HttpRequest) -> bool:
    """Script calls (fetch, XHR) get JSON errors; browsers navigating get pages and redirects.

    fetch() sends ``Accept: */*`` by default, so a JSON body or the XHR header counts too.
    """
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    if request.content_type == "application/json":
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"
