"""Accounts: login by username or phone, lockout, per-address rate limit, logout, password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from school.accounts.backends import find_user_for_login
from school.accounts.ratelimit import client_key
from school.models import AuditLog
from school.services.accounts import password_change
from school.services.members import member_set_active
from school.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD_PAGE = "/accounts/password/"
LOGOUT = "/accounts/logout/"
NEW_PASSWORD = "Hongqi-Piaopiao-1921"


def zh(text: str) -> str:
    """What the Chinese page shows for an English source string (identical until the catalog has it)."""
    with translation.override("zh-hans"):
        return gettext(text)


def html(response) -> str:
    return response.content.decode()


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def log_in(client: Client, login: str, password: str, path: str = LOGIN, **data):
    return client.post(path, {"username": login, "password": password, **data})


@pytest.fixture
def failure_limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


@pytest.fixture
def newcomer(org_tree):
    """An imported member still on the initial password."""
    member = MemberFactory(org_unit=org_tree.branch_a1, user__must_change_password=True)
    return member.user


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


# --- Logging in -------------------------------------------------------------


def test_member_logs_in_with_username(client, learner, password):
    response = log_in(client, learner.username, password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(learner.pk)


@pytest.mark.parametrize("typed", ["{phone}", " {phone} ", "+86 {spaced}", "{dashed}"])
def test_member_logs_in_with_mobile_number_however_it_is_typed(client, member_a1, password, typed):
    phone = member_a1.phone
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    dashed = spaced.replace(" ", "-")
    response = log_in(client, typed.format(phone=phone, spaced=spaced, dashed=dashed), password)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member_a1.user.pk)


def test_login_page_is_chinese_and_asks_for_username_or_mobile_number(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html(response)
    assert zh("Username or mobile number") in html(response)
    assert 'autocomplete="username"' in html(response)


def test_wrong_password_and_unknown_account_get_the_same_message(client, learner):
    wrong_password = log_in(client, learner.username, "not-the-password")
    unknown = log_in(client, "nobody-here", "not-the-password")
    message = zh("Incorrect username, mobile number or password.")
    assert wrong_password.status_code == unknown.status_code == 200
    assert message in html(wrong_password) and message in html(unknown)
    assert wrong_password.context["form"].errors == unknown.context["form"].errors
    assert logged_in_user_id(client) is None


def test_deactivated_member_cannot_log_in(client, organizer_a1, member_a1, password):
    member_set_active(acting_user=organizer_a1, member=member_a1, active=False)
    response = log_in(client, member_a1.phone, password)
    assert response.status_code == 200
    assert zh("Incorrect username, mobile number or password.") in html(response)
    assert logged_in_user_id(client) is None


def test_member_switched_off_only_on_the_profile_cannot_log_in(client, member_a1, password):
    member_a1.is_active = False
    member_a1.save(update_fields=["is_active"])
    log_in(client, member_a1.user.username, password)
    assert logged_in_user_id(client) is None


def test_deactivating_a_member_ends_their_open_session(client, organizer_a1, member_a1):
    client.force_login(member_a1.user)
    member_set_active(acting_user=organizer_a1, member=member_a1, active=False)
    assert client.get("/my/")["Location"].startswith(LOGIN)


def test_exact_username_wins_over_another_accounts_mobile_number(org_tree):
    phone_owner = MemberFactory(org_unit=org_tree.branch_a1, phone="13800138000").user
    named_like_the_phone = UserFactory(username="13800138000")
    assert find_user_for_login("13800138000") == named_like_the_phone
    assert find_user_for_login("138-0013-8000") == phone_owner


def test_login_follows_next_within_the_site(client, learner, password):
    response = log_in(client, learner.username, password, next="/my/")
    assert response["Location"] == "/my/"


@pytest.mark.parametrize("target", ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)"])
def test_login_ignores_next_pointing_to_another_host(client, learner, password, target):
    response = log_in(client, learner.username, password, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logged_in_visitor_is_sent_on_from_the_login_page(client, learner):
    client.force_login(learner)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_learner_sent_from_the_admin_sees_the_form_instead_of_a_redirect_loop(client, learner):
    client.force_login(learner)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(f"{LOGIN}?next=/admin/", 302)]
    assert "form" in response.context


def test_login_gives_a_new_http_only_session_key(client, learner, password):
    anonymous_key = client.session.session_key
    log_in(client, learner.username, password)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie.value != anonymous_key


# --- Lockout (django-axes) --------------------------------------------------


def fail_logins(client: Client, logins: list[str], path: str = LOGIN):
    responses = [log_in(client, login, "wrong-password", path=path) for login in logins]
    return responses[-1]


def test_account_is_locked_after_the_failure_limit(client, learner, password, failure_limit):
    assert fail_logins(client, [learner.username] * (failure_limit - 1)).status_code == 200
    assert fail_logins(client, [learner.username]).status_code == 429
    assert log_in(client, learner.username, password).status_code == 429
    assert logged_in_user_id(client) is None


def test_lockout_page_is_chinese_and_says_when_to_try_again(client, learner, failure_limit):
    response = fail_logins(client, [learner.username] * failure_limit)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert '<html lang="zh-hans">' in html(response)
    retry_at = response.context["retry_at"]
    assert timedelta(minutes=14) < retry_at - timezone.now() <= timedelta(minutes=15)
    assert response.context["retry_display"] in html(response)
    assert 800 < int(response["Retry-After"]) <= 900
    assert learner.username not in html(response)


def test_unknown_login_is_locked_out_like_a_real_account(client, failure_limit):
    response = fail_logins(client, ["Ghost"] + ["ghost"] * (failure_limit - 1))
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]


def test_alternating_username_and_mobile_number_counts_against_one_account(
    client, member_a1, password, failure_limit
):
    user = member_a1.user
    logins = [user.username, member_a1.phone, user.username.upper()][:failure_limit]
    assert fail_logins(client, logins).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {user.username}
    assert log_in(client, member_a1.phone, password).status_code == 429


def test_admin_login_page_still_answers(client):
    assert client.get(ADMIN_LOGIN).status_code == 200


def test_admin_login_locks_the_account_too(client, system_admin, password, failure_limit):
    response = fail_logins(client, [system_admin.username] * failure_limit, path=ADMIN_LOGIN)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert log_in(client, system_admin.username, password).status_code == 429


def test_failures_on_the_admin_and_the_site_login_add_up(client, member_a1, failure_limit):
    fail_logins(client, [member_a1.phone] * (failure_limit - 1), path=ADMIN_LOGIN)
    assert fail_logins(client, [member_a1.user.username]).status_code == 429


def test_failed_attempts_during_a_lockout_do_not_extend_it(client, learner, failure_limit):
    fail_logins(client, [learner.username] * failure_limit)
    locked_at = AccessAttempt.objects.get().attempt_time
    fail_logins(client, [learner.username] * 2)
    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_lock_lifts_after_the_cool_off(client, learner, password, failure_limit, settings):
    fail_logins(client, [learner.username] * failure_limit)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = log_in(client, learner.username, password)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


def test_successful_login_clears_earlier_failures(client, learner, password, failure_limit):
    fail_logins(client, [learner.username] * (failure_limit - 1))
    log_in(client, learner.username, password)
    client.logout()
    assert fail_logins(client, [learner.username] * (failure_limit - 1)).status_code == 200


def test_script_login_gets_lockout_as_json(client, learner, failure_limit):
    fail_logins(client, [learner.username] * (failure_limit - 1))
    response = client.post(
        LOGIN, {"username": learner.username, "password": "x"}, headers={"x-requested-with": "XMLHttpRequest"}
    )
    assert response.status_code == 429
    assert response.json()["error"] == "locked_out"


# --- Per-address rate limit ---------------------------------------------------


@pytest.fixture
def rate_limit(settings) -> int:
    settings.LOGIN_RATE_LIMIT = 3
    return 3


def test_login_posts_beyond_the_limit_from_one_address_get_429(client, rate_limit):
    for n in range(rate_limit):
        assert log_in(client, f"visitor{n}", "wrong").status_code == 200
    response = log_in(client, "visitor-x", "wrong")
    assert response.status_code == 429
    assert "accounts/rate_limited.html" in [t.name for t in response.templates]
    assert int(response["Retry-After"]) <= 300


def test_rate_limit_is_per_client_address(client, rate_limit):
    for n in range(rate_limit + 1):
        log_in(client, f"visitor{n}", "wrong")
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert log_in(other, "visitor-y", "wrong").status_code == 200


def test_rate_limit_counts_only_posts(client, rate_limit):
    for _ in range(rate_limit + 1):
        assert client.get(LOGIN).status_code == 200
    assert log_in(client, "visitor", "wrong").status_code == 200


def test_admin_login_shares_the_address_budget(client, rate_limit):
    for n in range(rate_limit):
        log_in(client, f"visitor{n}", "wrong")
    assert log_in(client, "visitor-z", "wrong", path=ADMIN_LOGIN).status_code == 429


def test_ipv6_clients_are_counted_per_64_block():
    class FakeRequest:
        def __init__(self, address: str):
            self.META = {"REMOTE_ADDR": address}

    assert client_key(FakeRequest("2001:db8:1:2::a")) == client_key(FakeRequest("2001:db8:1:2:ffff::1"))
    assert client_key(FakeRequest("192.0.2.7")) == "192.0.2.7"


# --- Logout -------------------------------------------------------------------


def test_logout_link_shows_a_button_and_keeps_the_user_logged_in(client, learner):
    client.force_login(learner)
    response = client.get(LOGOUT)
    assert response.status_code == 200
    assert f'action="{LOGOUT}"' in html(response)
    assert logged_in_user_id(client) == str(learner.pk)


def test_logout_by_post_ends_the_session(client, learner):
    client.force_login(learner)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_logout_without_csrf_token_is_refused(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(LOGOUT).status_code == 403
    assert logged_in_user_id(client) == str(learner.pk)


# --- Forced password change ---------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/", "/my/", "/courses/?page=2&sort=new"])
def test_member_on_initial_password_is_sent_to_the_password_form_from_every_page(newcomer_client, path):
    response = newcomer_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{PASSWORD_PAGE}?next=")
    followed = newcomer_client.get(response["Location"])
    assert followed.context["next"] == path


def test_logging_in_on_the_initial_password_leads_to_the_form(client, newcomer, password):
    response = log_in(client, newcomer.username, password, next="/my/")
    assert response["Location"] == f"{PASSWORD_PAGE}?next=%2Fmy%2F"


def test_forced_password_page_explains_why(newcomer_client):
    response = newcomer_client.get(PASSWORD_PAGE)
    assert response.status_code == 200
    assert zh("First login: please change your initial password") in html(response)
    assert f'action="{LOGOUT}"' in html(response)


@pytest.mark.parametrize("path", [LOGOUT, "/healthz", "/static/css/accounts.css", "/jsi18n/"])
def test_member_on_initial_password_can_still_reach_logout_and_plumbing(newcomer_client, path):
    assert newcomer_client.get(path).status_code != 302


def test_script_calls_get_json_403_while_the_password_must_change(newcomer_client):
    response = newcomer_client.post("/my/", data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "error": "password_change_required",
        "detail": zh("You must change your initial password before you continue."),
        "redirect": PASSWORD_PAGE,
    }


def change_password(client: Client, old: str, new: str, new2: str | None = None, next: str = ""):
    data = {"old_password": old, "new_password1": new, "new_password2": new if new2 is None else new2}
    url = f"{PASSWORD_PAGE}?next={next}" if next else PASSWORD_PAGE
    return client.post(url, data)


def test_password_change_clears_the_flag_and_keeps_the_user_logged_in(newcomer_client, newcomer, password):
    response = change_password(newcomer_client, password, NEW_PASSWORD, next="/my/")
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert newcomer.check_password(NEW_PASSWORD)
    assert newcomer_client.get("/my/").status_code == 200


def test_password_change_is_audited(newcomer_client, newcomer, password):
    change_password(newcomer_client, password, NEW_PASSWORD)
    entry = AuditLog.objects.get(action="account.password_changed")
    assert entry.actor == newcomer
    assert entry.target_id == str(newcomer.pk)
    assert entry.data == {"forced": True}


def test_password_change_ends_the_users_other_sessions(learner, password):
    phone, desk = Client(), Client()
    phone.force_login(learner)
    desk.force_login(learner)
    change_password(phone, password, NEW_PASSWORD)
    assert phone.get("/my/").status_code == 200
    assert desk.get("/my/")["Location"].startswith(LOGIN)


def test_password_change_goes_home_when_next_points_elsewhere(newcomer_client, password):
    response = change_password(newcomer_client, password, NEW_PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/"


def test_wrong_old_password_is_rejected(newcomer_client, newcomer, password):
    response = change_password(newcomer_client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 200
    assert zh("Your old password was entered incorrectly. Please enter it again.") in html(response)
    newcomer.refresh_from_db()
    assert newcomer.must_change_password


@pytest.mark.parametrize("weak", ["12345678", "password", "short1!"])
def test_weak_new_password_is_rejected(newcomer_client, newcomer, password, weak):
    response = change_password(newcomer_client, password, weak)
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    newcomer.refresh_from_db()
    assert newcomer.must_change_password and newcomer.check_password(password)


def test_mismatched_new_passwords_are_rejected(newcomer_client, password):
    response = change_password(newcomer_client, password, NEW_PASSWORD, new2=NEW_PASSWORD + "x")
    assert response.context["form"].errors["new_password2"]


def test_keeping_the_initial_password_does_not_count_as_a_change(newcomer_client, newcomer, password):
    response = change_password(newcomer_client, password, password)
    assert zh("The new password must be different from the current one.") in html(response)
    newcomer.refresh_from_db()
    assert newcomer.must_change_password


def test_password_change_service_validates_like_the_form(newcomer, password):
    with pytest.raises(ValidationError):
        password_change(user=newcomer, new_password=password)
    with pytest.raises(ValidationError):
        password_change(user=newcomer, new_password="12345678")
    password_change(user=newcomer, new_password=NEW_PASSWORD)
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password


def test_admin_account_page_leaves_password_changes_to_the_audited_form(client, system_admin):
    client.force_login(system_admin)
    response = client.get("/admin/account/")
    assert response.status_code == 200
    assert "new_password1" not in html(response)


def test_too_short_password_is_explained_through_our_catalog(newcomer_client, password):
    response = change_password(newcomer_client, password, "Ab1!xyz")
    message = zh("This password is too short. It must contain at least %(min_length)d characters.")
    assert message % {"min_length": 8} in html(response)
