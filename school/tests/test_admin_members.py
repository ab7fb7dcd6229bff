"""The member screens of the admin (学员管理) through the real views: scope, add, edit, deactivate, delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.views import generic

from school.admin_ui.members import MemberViewSet
from school.models import AuditLog, Member, User
from school.roles import Role
from school.tests.factories import MemberFactory
from school.tests.helpers import in_site_language

OBJECT_VIEWS = ["edit", "inspect", "delete", "history", "history_results"]


def listed(response) -> set[Member]:
    assert response.status_code == 200
    return set(response.context["object_list"])


def new_member_data(org_unit, **overrides: Any) -> dict[str, Any]:
    data = {
        "real_name": "丙学员",
        "phone": "13700000001",
        "username": "",
        "gender": "",
        "org_unit": org_unit.pk,
        "political_status": Member.PoliticalStatus.MASSES,
        "joined_party_on": "",
        "password1": "Kx7mPq3zRt!",
        "password2": "Kx7mPq3zRt!",
    }
    return {**data, **overrides}


def edit_data(member: Member, **overrides: Any) -> dict[str, Any]:
    """The edit form as it is shown for ``member``, with ``overrides`` typed in; None leaves a field out."""
    data = {
        "real_name": member.real_name,
        "phone": member.phone or "",
        "gender": member.gender,
        "org_unit": member.org_unit_id,
        "political_status": member.political_status,
        "joined_party_on": member.joined_party_on.isoformat() if member.joined_party_on else "",
        "is_active": "on" if member.is_active else None,
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def roles_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def actions_about(member: Member) -> list[str]:
    return list(
        AuditLog.objects.filter(target_type="school.member", target_id=str(member.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Scope: an id outside the organizer's subtree does not exist for them ----------------------------


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_organizer_gets_404_for_a_sibling_branch_member_by_url_id(organizer_client, member_a2, view):
    response = organizer_client.get(reverse(f"members:{view}", args=[member_a2.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["edit", "inspect", "history"])
def test_organizer_opens_a_member_of_their_own_subtree(organizer_client, member_a1, view):
    response = organizer_client.get(reverse(f"members:{view}", args=[member_a1.pk]))
    assert response.status_code == 200


def test_posting_to_a_sibling_branch_members_edit_url_is_404_and_changes_nothing(
    organizer_client, member_a2, org_tree
):
    before = Member.objects.values().get(pk=member_a2.pk)
    data = edit_data(member_a2, real_name="改名", phone="13700000009", org_unit=org_tree.group_a1.pk)
    response = organizer_client.post(reverse("members:edit", args=[member_a2.pk]), data)
    assert response.status_code == 404
    assert Member.objects.values().get(pk=member_a2.pk) == before
    assert not AuditLog.objects.exists()


def test_posting_to_a_sibling_branch_members_delete_url_is_404_and_deletes_nothing(
    organizer_client, member_a2
):
    response = organizer_client.post(reverse("members:delete", args=[member_a2.pk]))
    assert response.status_code == 404
    assert Member.objects.filter(pk=member_a2.pk).exists()


def test_organizer_listing_shows_their_subtree_only(organizer_client, member_a1, member_a2):
    members = listed(organizer_client.get(reverse("members:index")))
    assert member_a1 in members
    assert member_a2 not in members


@pytest.mark.parametrize("url_name", ["members:index", "members:index_results"])
def test_organizer_search_finds_nobody_outside_their_subtree(
    organizer_client, member_a1, member_a2, url_name
):
    assert listed(organizer_client.get(reverse(url_name), {"q": member_a2.real_name})) == set()
    assert listed(organizer_client.get(reverse(url_name), {"q": member_a2.phone})) == set()
    assert listed(organizer_client.get(reverse(url_name), {"q": member_a1.real_name})) == {member_a1}


@pytest.mark.parametrize("url_name", ["members:index", "members:index_results"])
def test_filtering_by_a_unit_outside_the_subtree_leaks_nothing(
    organizer_client, org_tree, member_a1, member_a2, url_name
):
    for unit in (org_tree.branch_a2, org_tree.general_a, org_tree.committee):
        members = listed(organizer_client.get(reverse(url_name), {"org_unit": unit.pk}))
        assert member_a2 not in members


def test_filtering_by_a_branch_includes_the_members_of_its_groups(
    organizer_client, organizer_a1, org_tree, member_a1
):
    assert listed(organizer_client.get(reverse("members:index"), {"org_unit": org_tree.branch_a1.pk})) == {
        member_a1,
        organizer_a1.member,
    }
    assert listed(organizer_client.get(reverse("members:index"), {"org_unit": org_tree.group_a1.pk})) == {
        member_a1
    }


def test_system_admin_sees_every_member_and_filters_by_any_unit(
    system_admin_client, system_admin, org_tree, member_a1, member_a2
):
    assert {member_a1, member_a2, system_admin.member} <= listed(
        system_admin_client.get(reverse("members:index"))
    )
    response = system_admin_client.get(reverse("members:index"), {"org_unit": org_tree.branch_a2.pk})
    assert listed(response) == {member_a2}


@pytest.mark.parametrize("view", ["edit", "inspect", "delete", "history"])
def test_system_admin_opens_any_member(system_admin_client, member_a2, view):
    assert system_admin_client.get(reverse(f"members:{view}", args=[member_a2.pk])).status_code == 200


@pytest.mark.parametrize("user", ["learner", "plain_user"])
@pytest.mark.parametrize("view", ["index", "add", "edit", "inspect", "delete", "history"])
def test_people_without_admin_access_are_sent_to_log_in(request, member_a1, user, view):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    args = [] if view in ("index", "add") else [member_a1.pk]
    response = client.get(reverse(f"members:{view}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_an_editor_in_the_admin_sees_no_member_screens(org_tree, member_a1):
    editor = MemberFactory(user__roles=[Role.EDITOR], org_unit=org_tree.branch_a1).user
    client = Client()
    client.force_login(editor)
    for url in (
        reverse("members:index"),
        reverse("members:add"),
        reverse("members:edit", args=[member_a1.pk]),
    ):
        assert client.get(url).url == reverse("wagtailadmin_home")  # Wagtail's "no permission"


# --- Adding a member ----------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["branch_a1", "group_a1"])
def test_organizer_adds_a_learner_who_must_change_the_password(
    organizer_client, organizer_a1, org_tree, unit
):
    org_unit = getattr(org_tree, unit)
    response = organizer_client.post(reverse("members:add"), new_member_data(org_unit))
    assert response.status_code == 302
    member = Member.objects.get(phone="13700000001")
    assert member.org_unit == org_unit
    assert member.user.username == "13700000001"
    assert member.user.check_password("Kx7mPq3zRt!")
    assert member.user.must_change_password
    assert roles_of(member.user) == {Role.LEARNER.value}
    entry = AuditLog.objects.get(action="member.created")
    assert (entry.actor, entry.target_id) == (organizer_a1, str(member.pk))


def test_adding_a_member_to_a_sibling_branch_is_a_form_error_and_writes_nothing(organizer_client, org_tree):
    users = User.objects.count()
    response = organizer_client.post(reverse("members:add"), new_member_data(org_tree.branch_a2))
    assert response.status_code == 200
    assert "org_unit" in response.context["form"].errors
    assert User.objects.count() == users
    assert not Member.objects.filter(phone="13700000001").exists()
    assert not AuditLog.objects.exists()


def test_add_form_offers_only_units_of_the_subtree(organizer_client, org_tree):
    response = organizer_client.get(reverse("members:add"), {"org_unit": org_tree.branch_a2.pk})
    form = response.context["form"]
    assert set(form.fields["org_unit"].queryset) == {org_tree.branch_a1, org_tree.group_a1}
    assert form["org_unit"].value() is None


def test_add_form_preselects_a_unit_of_the_subtree(organizer_client, org_tree):
    response = organizer_client.get(reverse("members:add"), {"org_unit": org_tree.group_a1.pk})
    assert response.context["form"]["org_unit"].value() == org_tree.group_a1.pk


@pytest.mark.parametrize("phone", ["13900000000", "139 0000 0000", "+86 139-0000-0000"])
def test_adding_a_member_with_a_registered_phone_is_a_form_error(
    organizer_client, org_tree, member_a2, phone
):
    member_a2.phone = "13900000000"
    member_a2.save(update_fields=["phone"])
    members = Member.objects.count()
    response = organizer_client.post(reverse("members:add"), new_member_data(org_tree.branch_a1, phone=phone))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        in_site_language("This mobile number is already registered to another account.")
    ]
    assert Member.objects.count() == members


def test_adding_a_member_with_a_taken_login_name_is_a_form_error(organizer_client, org_tree, member_a2):
    data = new_member_data(org_tree.branch_a1, phone="", username=member_a2.user.username.upper())
    response = organizer_client.post(reverse("members:add"), data)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not Member.objects.filter(real_name="丙学员").exists()


def test_a_phone_taken_between_the_check_and_the_write_is_a_form_error(
    organizer_client, org_tree, monkeypatch
):
    monkeypatch.setattr("school.forms.phone_taken", lambda phone, **kwargs: False)
    MemberFactory(org_unit=org_tree.branch_b1, phone="13700000001")
    response = organizer_client.post(reverse("members:add"), new_member_data(org_tree.branch_a1))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        in_site_language("This mobile number or login name is already registered.")
    ]
    assert Member.objects.filter(phone="13700000001").count() == 1


def test_organizer_cannot_grant_a_role_by_forging_the_add_form(organizer_client, org_tree):
    data = new_member_data(org_tree.branch_a1, roles=[Role.SYSTEM_ADMIN.value])
    organizer_client.post(reverse("members:add"), data)
    assert roles_of(Member.objects.get(phone="13700000001").user) == {Role.LEARNER.value}


def test_system_admin_adds_a_member_with_chosen_roles(system_admin_client, org_tree):
    data = new_member_data(org_tree.branch_b1, roles=[Role.LEARNER.value, Role.INSTRUCTOR.value])
    response = system_admin_client.post(reverse("members:add"), data)
    assert response.status_code == 302
    member = Member.objects.get(phone="13700000001")
    assert roles_of(member.user) == {Role.LEARNER.value, Role.INSTRUCTOR.value}
    assert actions_about(member) == ["member.created", "member.roles_changed"]


# --- Editing a member ---------------------------------------------------------------------------------


def test_organizer_edits_a_member_and_the_change_is_audited(
    organizer_client, organizer_a1, member_a1, org_tree
):
    data = edit_data(member_a1, real_name="甲 新名", org_unit=org_tree.branch_a1.pk)
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 302
    member_a1.refresh_from_db()
    assert (member_a1.real_name, member_a1.org_unit) == ("甲 新名", org_tree.branch_a1)
    entry = AuditLog.objects.get(action="member.updated")
    assert entry.actor == organizer_a1
    assert entry.data["changes"]["real_name"] == ["甲学员", "甲 新名"]
    assert entry.data["changes"]["org_unit"][1] == {"id": org_tree.branch_a1.pk, "name": "第一党支部"}


def test_saving_an_unchanged_member_writes_no_audit_entry(organizer_client, member_a1):
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), edit_data(member_a1))
    assert response.status_code == 302
    assert not AuditLog.objects.exists()


def test_moving_a_member_into_a_sibling_branch_is_rejected(organizer_client, member_a1, org_tree):
    data = edit_data(member_a1, org_unit=org_tree.branch_a2.pk, real_name="甲 新名")
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 200
    assert "org_unit" in response.context["form"].errors
    member_a1.refresh_from_db()
    assert (member_a1.org_unit, member_a1.real_name) == (org_tree.group_a1, "甲学员")
    assert not AuditLog.objects.exists()


def test_changing_a_phone_to_another_members_number_is_a_form_error(organizer_client, member_a1, member_a2):
    data = edit_data(member_a1, phone=member_a2.phone)
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    member_a1.refresh_from_db()
    assert member_a1.phone != member_a2.phone


def test_a_login_named_after_the_phone_follows_a_new_number(organizer_client, member_a1):
    member_a1.user.username = member_a1.phone
    member_a1.user.save(update_fields=["username"])
    data = edit_data(member_a1, phone="13700000002")
    assert organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data).status_code == 302
    member_a1.user.refresh_from_db()
    assert member_a1.user.username == "13700000002"


def test_organizer_cannot_change_roles_by_forging_the_edit_form(organizer_client, member_a1):
    data = edit_data(member_a1, roles=[Role.SYSTEM_ADMIN.value])
    organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert roles_of(member_a1.user) == {Role.LEARNER.value}


def test_system_admin_changes_roles_and_it_is_audited(system_admin_client, member_a1):
    data = edit_data(member_a1, roles=[Role.LEARNER.value, Role.BRANCH_ORGANIZER.value])
    response = system_admin_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 302
    assert roles_of(member_a1.user) == {Role.LEARNER.value, Role.BRANCH_ORGANIZER.value}
    entry = AuditLog.objects.get(action="member.roles_changed")
    assert (entry.data["added"], entry.data["removed"]) == ([Role.BRANCH_ORGANIZER.value], [])


def test_system_admin_cannot_remove_their_own_admin_role(system_admin_client, system_admin):
    data = edit_data(system_admin.member, roles=[Role.LEARNER.value])
    response = system_admin_client.post(reverse("members:edit", args=[system_admin.member.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["roles"] == [
        in_site_language("You cannot remove your own system administrator role.")
    ]
    assert Role.SYSTEM_ADMIN.value in roles_of(system_admin)


# --- Deactivating and reactivating --------------------------------------------------------------------


def test_unticking_active_deactivates_the_member_and_their_login(organizer_client, organizer_a1, member_a1):
    data = edit_data(member_a1, is_active=None)
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 302
    member_a1.refresh_from_db()
    member_a1.user.refresh_from_db()
    assert not member_a1.is_active
    assert not member_a1.user.is_active
    entry = AuditLog.objects.get(action="member.deactivated")
    assert (entry.actor, entry.target_id) == (organizer_a1, str(member_a1.pk))


def test_ticking_active_again_reactivates_the_member_and_their_login(organizer_client, member_a1):
    organizer_client.post(reverse("members:edit", args=[member_a1.pk]), edit_data(member_a1, is_active=None))
    member_a1.refresh_from_db()
    data = edit_data(member_a1, is_active="on")
    response = organizer_client.post(reverse("members:edit", args=[member_a1.pk]), data)
    assert response.status_code == 302
    member_a1.refresh_from_db()
    member_a1.user.refresh_from_db()
    assert member_a1.is_active and member_a1.user.is_active
    assert actions_about(member_a1) == ["member.deactivated", "member.activated"]


@pytest.mark.parametrize("user", ["organizer_a1", "system_admin"])
def test_nobody_can_deactivate_themselves(request, db, user):
    acting = request.getfixturevalue(user)
    client = Client()
    client.force_login(acting)
    url = reverse("members:edit", args=[acting.member.pk])
    assert "is_active" not in client.get(url).context["form"].fields
    data = edit_data(acting.member, is_active=None)
    if user == "system_admin":
        data["roles"] = [Role.SYSTEM_ADMIN.value]
    assert client.post(url, data).status_code == 302
    acting.refresh_from_db()
    assert acting.is_active and acting.member.is_active


def test_organizer_cannot_change_a_system_admin_in_their_branch(organizer_client, org_tree):
    """The phone is a login: an organizer rewriting it would lock the administrator out."""
    admin_member = MemberFactory(user__roles=[Role.SYSTEM_ADMIN], org_unit=org_tree.branch_a1)
    before = (admin_member.real_name, admin_member.phone, admin_member.is_active)
    assert organizer_client.get(reverse("members:inspect", args=[admin_member.pk])).status_code == 200
    url = reverse("members:edit", args=[admin_member.pk])
    assert organizer_client.get(url).url == reverse("wagtailadmin_home")
    response = organizer_client.post(
        url, edit_data(admin_member, real_name="改名", phone="13900000000", is_active=None)
    )
    assert response.url == reverse("wagtailadmin_home")
    admin_member.refresh_from_db()
    assert (admin_member.real_name, admin_member.phone, admin_member.is_active) == before
    assert not AuditLog.objects.filter(action__startswith="member.").exclude(action="member.created").exists()


# --- Deleting -----------------------------------------------------------------------------------------


def test_organizer_may_not_delete_a_member_of_their_subtree(organizer_client, member_a1):
    url = reverse("members:delete", args=[member_a1.pk])
    assert organizer_client.get(url).url == reverse("wagtailadmin_home")
    response = organizer_client.post(url)
    assert response.url == reverse("wagtailadmin_home")
    assert Member.objects.filter(pk=member_a1.pk).exists()
    assert User.objects.filter(pk=member_a1.user_id).exists()


def test_edit_page_offers_no_delete_to_an_organizer(organizer_client, member_a1):
    response = organizer_client.get(reverse("members:edit", args=[member_a1.pk]))
    assert not response.context["can_delete"]
    assert reverse("members:delete", args=[member_a1.pk]).encode() not in response.content


def test_system_admin_deletes_a_member_with_their_account(system_admin_client, system_admin, member_a2):
    user_id = member_a2.user_id
    response = system_admin_client.post(reverse("members:delete", args=[member_a2.pk]))
    assert response.url == reverse("members:index")
    assert not Member.objects.filter(pk=member_a2.pk).exists()
    assert not User.objects.filter(pk=user_id).exists()
    entry = AuditLog.objects.get(action="member.deleted")
    assert (entry.actor, entry.target_repr, entry.data["username"]) == (
        system_admin,
        "乙学员",
        member_a2.user.username,
    )


def test_system_admin_cannot_delete_themselves(system_admin_client, system_admin):
    url = reverse("members:delete", args=[system_admin.member.pk])
    assert system_admin_client.post(url).url == reverse("wagtailadmin_home")
    assert User.objects.filter(pk=system_admin.pk).exists()


# --- Malformed input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("view", OBJECT_VIEWS)
@pytest.mark.parametrize("pk", ["abc", "0", "99999", "-1", "1.5"])
def test_bad_or_unknown_ids_are_404(system_admin_client, member_a1, view, pk):
    url = reverse(f"members:{view}", args=[member_a1.pk]).replace(f"/{member_a1.pk}/", f"/{pk}/")
    assert system_admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"org_unit": "abc"},
        {"org_unit": "99999"},
        {"org_unit": "-1"},
        {"is_active": "maybe"},
        {"political_status": "emperor"},
        {"ordering": "user__password"},
        {"ordering": "-nonsense"},
        {"p": "abc"},
        {"p": "99999"},
        {"q": "%' OR 1=1 --"},
        {"q": "x" * 1000},
        {"org_unit": ["1", "2"], "is_active": ["true", "false"]},
    ],
)
@pytest.mark.parametrize("url_name", ["members:index", "members:index_results"])
def test_garbage_in_the_listing_query_is_not_a_500(organizer_client, member_a1, member_a2, url_name, query):
    members = listed(organizer_client.get(reverse(url_name), query))
    assert member_a2 not in members


def test_add_form_ignores_a_garbage_preselection(organizer_client):
    for value in ("abc", "99999", ""):
        response = organizer_client.get(reverse("members:add"), {"org_unit": value})
        assert response.status_code == 200
        assert response.context["form"]["org_unit"].value() is None


def test_posting_garbage_to_the_add_form_is_a_form_error(organizer_client):
    data = {"real_name": "丁", "org_unit": "abc", "political_status": "emperor", "joined_party_on": "昨天"}
    response = organizer_client.post(reverse("members:add"), data)
    assert response.status_code == 200
    assert {"org_unit", "political_status", "joined_party_on"} <= set(response.context["form"].errors)
    assert not Member.objects.filter(real_name="丁").exists()


def test_a_successful_add_says_the_password_must_be_changed(organizer_client, org_tree):
    response = organizer_client.post(reverse("members:add"), new_member_data(org_tree.branch_a1))
    expected = in_site_language(
        "Member '%(object)s' added. They must change the initial password at first login.", object="丙学员"
    )
    assert [str(message).startswith(expected) for message in get_messages(response.wsgi_request)] == [True]


def test_the_unit_filter_offers_only_units_of_the_subtree(organizer_client, org_tree):
    response = organizer_client.get(reverse("members:index"))
    assert set(response.context["filters"].form.fields["org_unit"].queryset) == {
        org_tree.branch_a1,
        org_tree.group_a1,
    }
    assert org_tree.branch_a2.name not in response.content.decode()


def test_filtering_by_status_lists_deactivated_members_apart(organizer_client, organizer_a1, member_a1):
    member_a1.is_active = False
    member_a1.save(update_fields=["is_active"])
    assert listed(organizer_client.get(reverse("members:index"), {"is_active": "false"})) == {member_a1}
    assert listed(organizer_client.get(reverse("members:index"), {"is_active": "true"})) == {
        organizer_a1.member
    }


@pytest.mark.parametrize("view", ["index", "inspect"])
def test_delete_is_offered_to_a_system_admin_for_others_but_not_for_themselves(
    system_admin_client, system_admin, member_a2, view
):
    def page(member: Member) -> str:
        args = [] if view == "index" else [member.pk]
        return system_admin_client.get(reverse(f"members:{view}", args=args)).content.decode()

    assert reverse("members:delete", args=[member_a2.pk]) in page(member_a2)
    assert reverse("members:delete", args=[system_admin.member.pk]) not in page(system_admin.member)


@pytest.mark.parametrize("view", ["index", "inspect"])
def test_delete_is_not_offered_to_an_organizer(organizer_client, member_a1, view):
    args = [] if view == "index" else [member_a1.pk]
    content = organizer_client.get(reverse(f"members:{view}", args=args)).content.decode()
    assert reverse("members:delete", args=[member_a1.pk]) not in content


def test_an_object_view_that_skips_the_scoped_lookup_is_refused():
    class CarelessViewSet(MemberViewSet):
        inspect_view_class = generic.InspectView

    with pytest.raises(ImproperlyConfigured, match="ScopedObjectMixin"):
        CarelessViewSet("careless_members").get_urlpatterns()


@pytest.mark.parametrize("user", ["organizer_a1", "system_admin"])
def test_the_listing_query_count_does_not_grow_with_the_members(request, org_tree, user):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    MemberFactory(org_unit=org_tree.group_a1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("members:index"))
    MemberFactory.create_batch(10, org_unit=org_tree.group_a1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("members:index"))
    assert len(response.context["object_list"]) >= 11
    assert len(many) == len(few)


def test_an_edit_without_a_csrf_token_is_refused(organizer_a1, member_a1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer_a1)
    response = client.post(reverse("members:edit", args=[member_a1.pk]), edit_data(member_a1, is_active=None))
    assert response.status_code == 403
    member_a1.refresh_from_db()
    assert member_a1.is_active
