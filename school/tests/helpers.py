"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext


def in_site_language(msgid: str, **params: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % params if params else gettext(msgid)


def client_for(user: Any) -> Client:
    """A test client logged in as ``user``; anonymous for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
