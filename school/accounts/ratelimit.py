"""Per-client-address throttles on Django's cache, for forms that must not be flooded.

Usage on a function view::

    @rate_limit(scope="guestbook", limit=10, period=60)
    def guestbook(request): ...

and on a class-based view ``@method_decorator(rate_limit(...), name="dispatch")``.
Counts live in the default cache (Redis in production, so every web process shares
them); if the cache is down the request is let through rather than refused.
"""

from __future__ import annotations

import functools
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from school.accounts.negotiation import wants_json


def client_key(request: HttpRequest) -> str:
    """REMOTE_ADDR, widened to its /64 for IPv6: one IPv6 subscriber holds a whole /64."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests per client address in each ``period``-second window.

    ``limit`` may name a setting instead of a number; it is then read on every request,
    so deployments (and tests) can tune it.
    """

    scope: str
    limit: int | str
    period: int
    methods: tuple[str, ...] = ("POST",)
    per_user: bool = False  # count per logged-in account instead of per address (posting, voting)

    def current_limit(self) -> int:
        return getattr(settings, self.limit) if isinstance(self.limit, str) else self.limit

    def hit(self, request: HttpRequest) -> int | None:
        """Count this request; the seconds until the window ends if it is over the limit, else None."""
        if request.method not in self.methods:
            return None
        now = time.time()
        window = int(now // self.period)
        who = (
            f"user-{request.user.pk}"
            if self.per_user and request.user.is_authenticated
            else client_key(request)
        )
        key = f"ratelimit:{self.scope}:{who}:{window}"
        try:
            cache.add(key, 0, timeout=self.period + 1)
            count = cache.incr(key)
        except Exception:  # a cache outage must not lock everybody out
            return None
        if count is None or count <= self.current_limit():
            return None
        return max(int((window + 1) * self.period - now), 1)

    def __call__(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            retry_after = self.hit(request)
            if retry_after is not None:
                return too_many_requests(request, retry_after=retry_after)
            return view(request, *args, **kwargs)

        return wrapped


def rate_limit(
    *, scope: str, limit: int | str, period: int, methods: tuple[str, ...] = ("POST",), per_user: bool = False
) -> RateLimit:
    return RateLimit(scope=scope, limit=limit, period=period, methods=methods, per_user=per_user)


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 in Chinese with Retry-After; JSON for script calls."""
    minutes = -(-retry_after // 60)
    if wants_json(request):
        detail = _("Too many requests. Please wait a few minutes and try again.")
        response = JsonResponse(
            {"error": "rate_limited", "detail": detail, "retry_after": retry_after},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        context = {"retry_minutes": minutes, "title": _("Too many requests")}
        response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# Login forms, ours and the Wagtail admin's, share one budget per address (settings.LOGIN_RATE_LIMIT).
login_rate_limit = rate_limit(scope="login", limit="LOGIN_RATE_LIMIT", period=5 * 60)
