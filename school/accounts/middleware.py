from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from school.accounts.negotiation import wants_json
from school.accounts.ratelimit import login_rate_limit, too_many_requests


def _exempt_from_password_change(path: str) -> bool:
    """Pages a user who must change their password may still reach: the form, logout and plumbing."""
    if path in (reverse("accounts:password_change"), reverse("accounts:logout")):
        return True
    prefixes = (settings.STATIC_URL, settings.MEDIA_URL, reverse("healthz"), "/i18n/", "/jsi18n/")
    return path.startswith(prefixes)


def password_change_required(request: HttpRequest) -> HttpResponse:
    """Browsers go to the form and come back afterwards; script calls get a 403 they can act on.

    A redirect would be followed silently by fetch() and hand the script an HTML page.
    """
    url = reverse("accounts:password_change")
    if wants_json(request):
        detail = _("You must change your initial password before you continue.")
        return JsonResponse(
            {"error": "password_change_required", "detail": detail, "redirect": url},
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    if request.method in ("GET", "HEAD"):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return redirect(url)


class ForcePasswordChangeMiddleware:
    """Until an imported member sets their own password, every page (the admin too) leads to the form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not _exempt_from_password_change(request.path)
        ):
            return password_change_required(request)
        return self.get_response(request)


class AdminLoginRateLimitMiddleware:
    """The Wagtail admin's login form draws on the same per-address budget as ours.

    Otherwise /admin/login/ would be a way round the limit on /accounts/login/.
    """

    view_names = frozenset({"wagtailadmin_login"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name not in self.view_names:
            return None
        retry_after = login_rate_limit.hit(request)
        if retry_after is None:
            return None
        return too_many_requests(request, retry_after=retry_after)
