"""Request plumbing shared by every app."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def client_address_from_forwarded_for(header: str, trusted_proxies: int) -> str | None:
    """The client address as seen by the outermost of ``trusted_proxies`` proxies we run.

    Each proxy appends the address it received the request from, so with N trusted proxies the
    client is the N-th entry from the right; everything to its left was written by the client and
    proves nothing. None when the header is missing, too short or the entry is not an IP address.
    """
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if trusted_proxies < 1 or len(hops) < trusted_proxies:
        return None
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, REMOTE_ADDR becomes the real client address.

    Rate limits and the audit log read REMOTE_ADDR; without this every client behind the load
    balancer would share the proxy's address and one rate limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted_proxies = settings.TRUSTED_PROXY_COUNT
        if trusted_proxies:
            header = request.META.get("HTTP_X_FORWARDED_FOR", "")
            address = client_address_from_forwarded_for(header, trusted_proxies)
            if address:
                request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """zh-hans for everyone until they pick another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a member whose phone
    is set to English would land on an English site they never asked for.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen and translation.check_for_language(chosen):
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
