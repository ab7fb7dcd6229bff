from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's own, with its error message carried by our catalog.

    Django 5.2 changed that message's msgid and its zh_Hans catalog still has the old one,
    so members would read the most common password error in English.
    """

    def get_error_message(self) -> str:
        message = gettext("This password is too short. It must contain at least %(min_length)d characters.")
        return message % {"min_length": self.min_length}
