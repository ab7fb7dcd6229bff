"""The audit log in the admin (操作日志): read-only, for system admins; per-object history within scope."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from school.models import AuditLog, Member
from school.services.audit import audit_record
from school.services.members import member_set_active, member_update
from school.services.org_units import org_unit_update
from school.tests.helpers import in_site_language


@pytest.fixture
def entries(system_admin, organizer_a1, org_tree, member_a1, member_a2) -> dict[str, AuditLog]:
    """One entry about each of: a member in 支部A1's subtree, the sibling 支部's member, 支部A1, 支部A2."""
    member_update(
        acting_user=organizer_a1,
        member=member_a1,
        real_name="甲新名",
        phone=member_a1.phone,
        gender="",
        org_unit=member_a1.org_unit,
        political_status=member_a1.political_status,
        joined_party_on=None,
    )
    member_set_active(acting_user=system_admin, member=member_a2, active=False)
    org_unit_update(acting_user=organizer_a1, unit=org_tree.branch_a1, details={"secretary": "王书记"})
    org_unit_update(acting_user=system_admin, unit=org_tree.branch_a2, details={"secretary": "李书记"})
    return {
        "member_a1": AuditLog.objects.get(action="member.updated"),
        "member_a2": AuditLog.objects.get(action="member.deactivated"),
        "branch_a1": AuditLog.objects.get(action="org_unit.updated", target_id=str(org_tree.branch_a1.pk)),
        "branch_a2": AuditLog.objects.get(action="org_unit.updated", target_id=str(org_tree.branch_a2.pk)),
    }


def listed(response) -> set[AuditLog]:
    assert response.status_code == 200
    return set(response.context["object_list"])


# --- Who may read it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["audit_log:index", "audit_log:index_results"])
def test_system_admin_sees_every_entry(system_admin_client, entries, url_name):
    assert listed(system_admin_client.get(reverse(url_name))) == set(entries.values())


@pytest.mark.parametrize("url_name", ["audit_log:index", "audit_log:index_results"])
def test_organizer_is_refused_the_audit_log(organizer_client, entries, url_name):
    response = organizer_client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_the_audit_log_menu_item_is_shown_to_system_admins_only(system_admin_client, organizer_client):
    index_url = reverse("audit_log:index").encode()
    assert index_url in system_admin_client.get(reverse("wagtailadmin_home")).content
    assert index_url not in organizer_client.get(reverse("wagtailadmin_home")).content


@pytest.mark.parametrize("user", ["learner", "plain_user"])
def test_people_without_admin_access_are_sent_to_log_in(request, entries, user):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    response = client.get(reverse("audit_log:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_deactivated_system_admin_is_refused(system_admin, system_admin_client, entries):
    system_admin.is_active = False
    system_admin.save(update_fields=["is_active"])
    response = system_admin_client.get(reverse("audit_log:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- Nothing changes it through the admin ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["add", "edit", "delete", "inspect", "history", "usage", "copy"])
def test_the_audit_log_has_no_views_that_could_change_or_open_a_row(name):
    with pytest.raises(NoReverseMatch):
        reverse(f"audit_log:{name}", args=[] if name == "add" else [1])


@pytest.mark.parametrize("path", ["new/", "edit/{pk}/", "delete/{pk}/", "inspect/{pk}/", "history/{pk}/"])
def test_row_urls_are_404(system_admin_client, entries, path):
    entry = entries["member_a1"]
    url = reverse("audit_log:index") + path.format(pk=entry.pk)
    assert system_admin_client.get(url).status_code == 404
    assert system_admin_client.post(url).status_code == 404
    assert AuditLog.objects.get(pk=entry.pk).data == entry.data


def test_posting_to_the_listing_changes_nothing(system_admin_client, entries):
    before = list(AuditLog.objects.values())
    response = system_admin_client.post(reverse("audit_log:index"), {"action": "delete"})
    assert response.status_code == 405
    assert list(AuditLog.objects.values()) == before


def test_the_listing_offers_no_add_edit_or_delete(system_admin_client, entries):
    response = system_admin_client.get(reverse("audit_log:index"))
    content = response.content.decode()
    prefix = reverse("audit_log:index")
    assert f"{prefix}new/" not in content
    assert f"{prefix}edit/" not in content
    assert f"{prefix}delete/" not in content
    assert response.context["view"].add_url_name is None


# --- Reading it -----------------------------------------------------------------------------------------


def test_filtering_by_action(system_admin_client, entries):
    response = system_admin_client.get(reverse("audit_log:index"), {"action": "member.deactivated"})
    assert listed(response) == {entries["member_a2"]}


def test_filtering_by_time(system_admin_client, entries):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert listed(system_admin_client.get(reverse("audit_log:index"), {"created_at_from": tomorrow})) == set()
    response = system_admin_client.get(reverse("audit_log:index"), {"created_at_from": yesterday})
    assert listed(response) == set(entries.values())


def test_searching_by_target(system_admin_client, entries):
    response = system_admin_client.get(reverse("audit_log:index"), {"q": "乙学员"})
    assert listed(response) == {entries["member_a2"]}


def test_changes_are_shown_as_old_and_new_values(system_admin_client, entries):
    content = system_admin_client.get(reverse("audit_log:index")).content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        real_name = str(Member._meta.get_field("real_name").verbose_name)
    assert f"{real_name}: 甲学员 → 甲新名" in content


def test_an_entry_without_an_actor_is_shown_as_the_system(system_admin_client, org_tree):
    audit_record(actor=None, action="member_import.failed", target=org_tree.branch_a1)
    content = system_admin_client.get(reverse("audit_log:index")).content.decode()
    assert in_site_language("System") in content
    assert in_site_language("Member import failed") in content


@pytest.mark.parametrize(
    "query",
    [
        {"action": "no.such.action"},
        {"action": ["member.updated", "member.deleted"]},
        {"created_at_from": "garbage"},
        {"created_at_to": "2026-13-45"},
        {"created_at_from": "0000-00-00", "created_at_to": "9999-99-99"},
        {"ordering": "actor__password"},
        {"ordering": "-created_at"},
        {"p": "abc"},
        {"p": "99999"},
        {"q": "%_\\"},
    ],
)
def test_garbage_in_the_listing_query_is_not_a_500(system_admin_client, entries, query):
    assert listed(system_admin_client.get(reverse("audit_log:index"), query)) <= set(entries.values())


# --- Per-object history, within the organizer's scope ---------------------------------------------------


def test_organizer_reads_the_history_of_a_member_in_their_subtree(organizer_client, entries, member_a1):
    response = organizer_client.get(reverse("members:history", args=[member_a1.pk]))
    assert listed(response) == {entries["member_a1"]}
    assert "甲新名" in response.content.decode()


def test_organizer_reads_the_history_of_their_own_branch(organizer_client, entries, org_tree):
    response = organizer_client.get(reverse("org_units:history", args=[org_tree.branch_a1.pk]))
    assert listed(response) == {entries["branch_a1"]}


@pytest.mark.parametrize(
    "url_name, target",
    [
        ("members:history", "member_a2"),
        ("members:history_results", "member_a2"),
        ("org_units:history", "branch_a2"),
        ("org_units:history_results", "branch_a2"),
    ],
)
def test_organizer_gets_404_for_the_history_of_anything_outside_their_subtree(
    request, organizer_client, entries, org_tree, url_name, target
):
    obj = request.getfixturevalue(target) if target.startswith("member") else getattr(org_tree, target)
    assert organizer_client.get(reverse(url_name, args=[obj.pk])).status_code == 404


def test_system_admin_reads_the_history_of_any_member(system_admin_client, entries, member_a2):
    response = system_admin_client.get(reverse("members:history", args=[member_a2.pk]))
    assert listed(response) == {entries["member_a2"]}


def test_the_listing_query_count_does_not_grow_with_the_entries(
    system_admin_client, system_admin, entries, member_a1
):
    with CaptureQueriesContext(connection) as few:
        system_admin_client.get(reverse("audit_log:index"))
    for number in range(10):
        audit_record(
            actor=system_admin, action="member.updated", target=member_a1, changes={"phone": [None, number]}
        )
    with CaptureQueriesContext(connection) as many:
        response = system_admin_client.get(reverse("audit_log:index"))
    assert len(response.context["object_list"]) == 14
    assert len(many) == len(few)
