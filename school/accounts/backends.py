from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the member's mobile number, with one password check either way."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        login = username.strip()
        User = get_user_model()
        user = User.objects.filter(Q(username__iexact=login) | Q(member__phone=login)).order_by("pk").first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle for unknown logins
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
