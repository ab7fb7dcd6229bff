"""How django-axes names the account being guessed, and what a locked-out visitor sees.

Axes counts failures per "username". We hand it the account's real username whether the
login named the username or the mobile number, so alternating the two does not double the
attempts an attacker gets. Identifiers that name no account are counted as typed
(case-folded), which keeps the lockout page identical for real and made-up accounts.
"""

from __future__ import annotations

from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from school.accounts.backends import find_user_for_login
from school.accounts.negotiation import wants_json

_CACHE_ATTRIBUTE = "_axes_login_accounts"


def _typed_login(request: HttpRequest | None, credentials: dict | None) -> str | None:
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return credentials.get(field)
    if request is not None:
        return request.POST.get(field)
    return None


def _remembered(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    if not hasattr(request, _CACHE_ATTRIBUTE):
        setattr(request, _CACHE_ATTRIBUTE, {})
    return getattr(request, _CACHE_ATTRIBUTE)


def axes_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account's username for a username or a phone number.

    Axes asks several times per login, so the answer is remembered on the request.
    """
    login = _typed_login(request, credentials)
    if login is None:
        return None
    login = login.strip()
    remembered = _remembered(request)
    if login not in remembered:
        user = find_user_for_login(login)
        remembered[login] = user.get_username() if user is not None else login.casefold()
    return remembered[login]


def locked_until(username: str | None) -> datetime:
    """When the newest counted failure leaves the cool-off window (an upper bound)."""
    cool_off = get_cool_off()
    latest = None
    if username:
        latest = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    return (latest or timezone.now()) + cool_off


def _retry_display(retry_at: datetime) -> str:
    """A clock time when the lock ends today, the full date and time otherwise."""
    local = timezone.localtime(retry_at)
    same_day = local.date() == timezone.localdate()
    return date_format(local, "H:i" if same_day else "DATETIME_FORMAT")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a Chinese 429 page (or JSON) that says when to try again.

    It never shows the username, so a lockout reached with a phone number does not
    reveal which account the number belongs to.
    """
    retry_at = locked_until(axes_username(request, credentials))
    retry_after = max(int((retry_at - timezone.now()).total_seconds()), 1)
    if wants_json(request):
        message = _("Too many failed login attempts. Please try again later.")
        response = JsonResponse(
            {"error": "locked_out", "detail": message, "retry_at": retry_at.isoformat()},
            status=settings.AXES_HTTP_RESPONSE_CODE,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        context = {
            "title": _("Account locked"),
            "retry_at": retry_at,
            "retry_display": _retry_display(retry_at),
            "retry_minutes": -(-retry_after // 60),
        }
        response = render(
            request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    response["Retry-After"] = str(retry_after)
    return response
