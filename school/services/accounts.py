"""Writes on a person's own login account."""

from __future__ import annotations

from django.contrib.auth import password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from school.models import User
from school.services.audit import audit_record

PASSWORD_UNCHANGED_MESSAGE = _("The new password must be different from the current one.")


@transaction.atomic(durable=True)
def password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> User:
    """Set the user's own password and lift the first-login requirement.

    Keeping the initial password would leave the account with a password the organizer
    (and the import sheet) knows, so it is refused. Other sessions of the user end because
    the session hash changes; pass ``request`` to keep the caller's own session logged in.
    """
    if user.check_password(new_password):
        raise ValidationError(PASSWORD_UNCHANGED_MESSAGE, code="password_unchanged")
    password_validation.validate_password(new_password, user)
    was_forced = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="account.password_changed", target=user, forced=was_forced)
    if request is not None:
        update_session_auth_hash(request, user)
    return user
