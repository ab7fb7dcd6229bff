from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest

from school.models import User

_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


def normalise_phone(login: str) -> str | None:
    """Accept the ways people type a mobile number on a phone: spaces, dashes, a +86 prefix."""
    match = _MAINLAND_MOBILE.match(_PHONE_SEPARATORS.sub("", login))
    return match.group(1) if match else None


def find_user_for_login(login: str) -> User | None:
    """The one account a login identifier names, whether or not it may log in.

    The exact username wins over a case-insensitive one, and a username over a mobile
    number, so that the backend and the lockout count always agree on the account.
    """
    login = login.strip()
    if not login:
        return None
    condition = Q(username__iexact=login)
    phone = normalise_phone(login)
    if phone:
        condition |= Q(member__phone=phone)
    rank = Case(
        When(username=login, then=Value(0)),
        When(username__iexact=login, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    users = get_user_model().objects.filter(condition).select_related("member")
    return users.annotate(login_rank=rank).order_by("login_rank", "pk").first()


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the member's mobile number, with one password check either way."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user_for_login(username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        """A deactivated member is blocked even if only the profile, not the account, was switched off."""
        member = getattr(user, "member", None)
        return super().user_can_authenticate(user) and (member is None or member.is_active)

    def get_user(self, user_id):
        """Runs on every request; loading the profile here spares the header a second query."""
        user = get_user_model()._default_manager.select_related("member").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
