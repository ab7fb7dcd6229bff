"""TrustedProxyMiddleware: the client address behind our own reverse proxies, and only then."""

import pytest
from django.test import Client

from school.middleware import client_address_from_forwarded_for

LOGIN = "/accounts/login/"


@pytest.mark.parametrize(
    ("header", "proxies", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", 1, "203.0.113.7"),  # the left entry is the client's own claim
        ("198.51.100.1, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        (" 2001:db8::1 ", 1, "2001:db8::1"),
        ("203.0.113.7", 2, None),  # fewer hops than proxies: the header was not written by them
        ("", 1, None),
        ("not-an-address", 1, None),
        ("203.0.113.7", 0, None),
    ],
)
def test_client_address_is_taken_from_the_right(header, proxies, expected):
    assert client_address_from_forwarded_for(header, proxies) == expected


def log_in(client: Client, username: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)


@pytest.fixture
def limit(settings, db) -> int:
    settings.LOGIN_RATE_LIMIT = 2
    return 2


def test_behind_a_proxy_each_client_has_its_own_login_budget(settings, limit):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.1")  # every request arrives from the proxy
    for n in range(limit):
        assert log_in(client, f"u{n}", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
    assert log_in(client, "u", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert log_in(client, "u", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(settings, limit):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(limit):
        log_in(client, f"u{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert log_in(client, "u", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


# --- Chinese first ----------------------------------------------------------------


def test_an_english_browser_still_gets_the_chinese_site(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()


def test_the_language_switch_wins_over_the_default(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="en"' in response.content.decode()


def test_a_forged_language_cookie_falls_back_to_chinese(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-evil"
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()
