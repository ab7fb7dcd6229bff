from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """Until an imported member sets their own password, every page leads to the password form."""

    ALLOWED_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
            path = request.path
            if path not in allowed and not path.startswith(self.ALLOWED_PREFIXES):
                return redirect(f"{allowed[0]}?next={request.get_full_path()}")
        return self.get_response(request)
