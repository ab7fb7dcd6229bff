"""The org tree screens of the admin (组织架构) through the real views: scope, contacts, add, move, delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from school.models import AuditLog, OrgUnit
from school.roles import Role
from school.services.org_units import kind_error
from school.tests.factories import MemberFactory, UserFactory, org_unit_create
from school.tests.helpers import in_site_language

Kind = OrgUnit.Kind
OBJECT_VIEWS = ["edit", "delete", "history", "history_results", "move"]


def fresh(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.pk)


def unit_data(unit: OrgUnit, **overrides: Any) -> dict[str, Any]:
    """The edit form as it is shown for ``unit``, with ``overrides`` typed in."""
    fields = ("name", "kind", "code", "secretary", "contact_name", "contact_phone", "address")
    data: dict[str, Any] = {name: getattr(unit, name) for name in fields}
    data["managers"] = list(unit.managers.values_list("pk", flat=True))
    return {**data, **overrides}


def new_unit_data(parent: OrgUnit | None, **overrides: Any) -> dict[str, Any]:
    data = {"parent": parent.pk if parent is not None else "", "name": "新党支部", "kind": Kind.BRANCH}
    return {**data, **overrides}


def messages_of(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


# --- Scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", OBJECT_VIEWS)
@pytest.mark.parametrize("unit", ["branch_a2", "general_a", "committee", "branch_b1"])
def test_organizer_gets_404_for_units_outside_their_subtree(organizer_client, org_tree, view, unit):
    response = organizer_client.get(reverse(f"org_units:{view}", args=[getattr(org_tree, unit).pk]))
    assert response.status_code == 404


def test_posting_to_a_sibling_branchs_edit_url_is_404_and_changes_nothing(organizer_client, org_tree):
    data = unit_data(org_tree.branch_a2, secretary="冒名", contact_phone="010-1234567")
    response = organizer_client.post(reverse("org_units:edit", args=[org_tree.branch_a2.pk]), data)
    assert response.status_code == 404
    assert fresh(org_tree.branch_a2).secretary == ""
    assert not AuditLog.objects.exists()


def test_organizer_tree_lists_their_subtree_only(organizer_client, org_tree):
    response = organizer_client.get(reverse("org_units:index"))
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [org_tree.branch_a1, org_tree.group_a1]
    content = response.content.decode()
    assert org_tree.branch_a2.name not in content
    assert org_tree.general_a.name not in content


def test_organizer_tree_counts_members_of_their_subtree(organizer_client, organizer_a1, org_tree, member_a1):
    view = organizer_client.get(reverse("org_units:index")).context["view"]
    direct, subtree = view.member_counts
    assert direct == {org_tree.branch_a1.pk: 1, org_tree.group_a1.pk: 1}
    assert subtree[org_tree.branch_a1.path] == 2


def test_system_admin_tree_lists_every_unit_in_tree_order(system_admin_client, org_tree):
    response = system_admin_client.get(reverse("org_units:index"))
    assert list(response.context["object_list"]) == list(OrgUnit.objects.order_by("path"))
    assert len(response.context["object_list"]) == 7


@pytest.mark.parametrize("user", ["learner", "plain_user"])
@pytest.mark.parametrize("view", ["index", "add", "edit", "delete", "move", "history"])
def test_people_without_admin_access_are_sent_to_log_in(request, org_tree, user, view):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    args = [] if view in ("index", "add") else [org_tree.branch_a1.pk]
    response = client.get(reverse(f"org_units:{view}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- What an organizer may change ----------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["branch_a1", "group_a1"])
def test_organizer_updates_contact_details_of_their_units(organizer_client, organizer_a1, org_tree, unit):
    org_unit = getattr(org_tree, unit)
    data = unit_data(org_unit, secretary="王书记", contact_name="李联络", contact_phone="010-12345678")
    response = organizer_client.post(reverse("org_units:edit", args=[org_unit.pk]), data)
    assert response.status_code == 302
    org_unit = fresh(org_unit)
    assert (org_unit.secretary, org_unit.contact_name, org_unit.contact_phone) == (
        "王书记",
        "李联络",
        "010-12345678",
    )
    entry = AuditLog.objects.get(action="org_unit.updated")
    assert entry.actor == organizer_a1
    assert entry.data["changes"]["secretary"] == ["", "王书记"]


def test_organizer_sees_name_kind_and_code_disabled_and_no_organizers(organizer_client, org_tree):
    form = organizer_client.get(reverse("org_units:edit", args=[org_tree.branch_a1.pk])).context["form"]
    assert all(form.fields[name].disabled for name in ("name", "kind", "code"))
    assert "managers" not in form.fields


def test_a_forged_post_does_not_change_name_kind_code_or_organizers(organizer_client, organizer_a1, org_tree):
    data = unit_data(
        org_tree.branch_a1, name="篡改", kind=Kind.COMMITTEE, code="X1", secretary="王书记", managers=[]
    )
    response = organizer_client.post(reverse("org_units:edit", args=[org_tree.branch_a1.pk]), data)
    assert response.status_code == 302
    unit = fresh(org_tree.branch_a1)
    assert (unit.name, unit.kind, unit.code, unit.secretary) == ("第一党支部", Kind.BRANCH, "", "王书记")
    assert list(unit.managers.all()) == [organizer_a1]
    assert set(AuditLog.objects.get().data["changes"]) == {"secretary"}


def test_a_bad_contact_phone_is_a_form_error(organizer_client, org_tree):
    data = unit_data(org_tree.branch_a1, contact_phone="call me")
    response = organizer_client.post(reverse("org_units:edit", args=[org_tree.branch_a1.pk]), data)
    assert response.status_code == 200
    assert "contact_phone" in response.context["form"].errors
    assert fresh(org_tree.branch_a1).contact_phone == ""


@pytest.mark.parametrize("view", ["delete", "move"])
def test_organizer_may_not_restructure_their_own_branch(organizer_client, org_tree, view):
    url = reverse(f"org_units:{view}", args=[org_tree.group_a1.pk])
    assert organizer_client.get(url).url == reverse("wagtailadmin_home")
    response = organizer_client.post(url, {"parent": org_tree.branch_a1.pk})
    assert response.url == reverse("wagtailadmin_home")
    assert fresh(org_tree.group_a1).get_parent() == org_tree.branch_a1


def test_organizer_may_not_add_units(organizer_client, org_tree):
    count = OrgUnit.objects.count()
    assert organizer_client.get(reverse("org_units:add")).url == reverse("wagtailadmin_home")
    response = organizer_client.post(
        reverse("org_units:add"), new_unit_data(org_tree.branch_a1, kind=Kind.GROUP, name="第二党小组")
    )
    assert response.url == reverse("wagtailadmin_home")
    assert OrgUnit.objects.count() == count


def test_organizer_tree_offers_no_add_move_or_delete(organizer_client, org_tree):
    content = organizer_client.get(reverse("org_units:index")).content.decode()
    assert reverse("org_units:add") not in content
    assert reverse("org_units:move", args=[org_tree.group_a1.pk]) not in content
    assert reverse("org_units:delete", args=[org_tree.group_a1.pk]) not in content
    assert reverse("org_units:edit", args=[org_tree.group_a1.pk]) in content


# --- Adding units ---------------------------------------------------------------------------------------


def test_system_admin_adds_a_sub_unit_with_an_organizer(system_admin_client, system_admin, org_tree):
    organizer = MemberFactory(user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1).user
    data = new_unit_data(org_tree.general_b, name="第四党支部", secretary="赵书记", managers=[organizer.pk])
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="第四党支部")
    assert (unit.get_parent(), unit.kind, unit.secretary) == (org_tree.general_b, Kind.BRANCH, "赵书记")
    assert list(unit.managers.all()) == [organizer]
    entry = AuditLog.objects.get(action="org_unit.created")
    assert (entry.actor, entry.data["parent"], entry.data["managers"]) == (
        system_admin,
        org_tree.general_b.pk,
        [organizer.pk],
    )


def test_a_party_group_under_a_party_committee_is_refused_with_a_clear_message(system_admin_client, org_tree):
    count = OrgUnit.objects.count()
    data = new_unit_data(org_tree.committee, kind=Kind.GROUP, name="直属党小组")
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert response.status_code == 200
    with translation.override(settings.LANGUAGE_CODE):
        expected = kind_error(parent=org_tree.committee, kind=Kind.GROUP)
    assert response.context["form"].errors["kind"] == [expected]
    assert expected in response.content.decode()
    assert OrgUnit.objects.count() == count
    assert not AuditLog.objects.exists()


def test_a_top_level_party_group_is_refused(system_admin_client, org_tree):
    data = new_unit_data(None, kind=Kind.GROUP, name="孤立党小组")
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert response.context["form"].errors["kind"] == [
        in_site_language("A party group must belong to a party branch.")
    ]
    assert not OrgUnit.objects.filter(name="孤立党小组").exists()


def test_a_sub_unit_of_a_party_group_is_refused(system_admin_client, org_tree):
    data = new_unit_data(org_tree.group_a1, kind=Kind.GROUP, name="小小组")
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert "kind" in response.context["form"].errors
    assert not OrgUnit.objects.filter(name="小小组").exists()


def test_a_second_unit_of_the_same_name_under_one_parent_is_refused(system_admin_client, org_tree):
    data = new_unit_data(org_tree.general_a, name=org_tree.branch_a2.name)
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert "name" in response.context["form"].errors
    assert OrgUnit.objects.filter(name=org_tree.branch_a2.name).count() == 1


def test_only_branch_organizers_are_offered_as_unit_organizers(system_admin_client, org_tree, member_a1):
    data = new_unit_data(org_tree.general_b, name="第四党支部", managers=[member_a1.user_id])
    response = system_admin_client.post(reverse("org_units:add"), data)
    assert "managers" in response.context["form"].errors
    assert not OrgUnit.objects.filter(name="第四党支部").exists()


def test_add_form_preselects_the_parent_and_the_kind_below_it(system_admin_client, org_tree):
    response = system_admin_client.get(reverse("org_units:add"), {"parent": org_tree.branch_a2.pk})
    form = response.context["form"]
    assert (form["parent"].value(), form["kind"].value()) == (org_tree.branch_a2.pk, Kind.GROUP)


def test_a_newly_assigned_organizer_sees_the_unit(system_admin_client, org_tree):
    organizer = UserFactory(roles=[Role.BRANCH_ORGANIZER])
    data = unit_data(org_tree.branch_b1, managers=[organizer.pk])
    assert (
        system_admin_client.post(reverse("org_units:edit", args=[org_tree.branch_b1.pk]), data).status_code
        == 302
    )
    client = Client()
    client.force_login(organizer)
    assert client.get(reverse("org_units:edit", args=[org_tree.branch_b1.pk])).status_code == 200
    assert client.get(reverse("org_units:edit", args=[org_tree.branch_a1.pk])).status_code == 404


# --- Changing a unit's structure ------------------------------------------------------------------------


def test_system_admin_renames_a_unit_and_it_is_resorted(system_admin_client, org_tree):
    data = unit_data(org_tree.branch_a1, name="第五党支部")
    response = system_admin_client.post(reverse("org_units:edit", args=[org_tree.branch_a1.pk]), data)
    assert response.status_code == 302
    names = [unit.name for unit in fresh(org_tree.general_a).get_children()]
    assert names == ["第二党支部", "第五党支部"]
    assert [unit.name for unit in OrgUnit.objects.get(name="第五党支部").get_children()] == ["第一党小组"]


def test_renaming_into_a_siblings_name_is_refused(system_admin_client, org_tree):
    data = unit_data(org_tree.branch_a1, name=org_tree.branch_a2.name)
    response = system_admin_client.post(reverse("org_units:edit", args=[org_tree.branch_a1.pk]), data)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert fresh(org_tree.branch_a1).name == "第一党支部"


def test_changing_the_kind_so_that_sub_units_no_longer_fit_is_refused(system_admin_client, org_tree):
    data = unit_data(org_tree.general_a, kind=Kind.BRANCH)
    response = system_admin_client.post(reverse("org_units:edit", args=[org_tree.general_a.pk]), data)
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert fresh(org_tree.general_a).kind == Kind.GENERAL_BRANCH


# --- Moving ---------------------------------------------------------------------------------------------


def test_system_admin_moves_a_branch_with_everything_below_it(system_admin_client, system_admin, org_tree):
    response = system_admin_client.post(
        reverse("org_units:move", args=[org_tree.branch_a1.pk]), {"parent": org_tree.general_b.pk}
    )
    assert response.url == reverse("org_units:index")
    branch = fresh(org_tree.branch_a1)
    assert branch.get_parent() == org_tree.general_b
    assert fresh(org_tree.group_a1).get_parent() == branch
    entry = AuditLog.objects.get(action="org_unit.moved")
    assert (entry.actor, entry.data["old_parent"], entry.data["new_parent"]) == (
        system_admin,
        org_tree.general_a.pk,
        org_tree.general_b.pk,
    )


def test_an_organizer_still_manages_their_branch_after_it_moves(system_admin_client, organizer_a1, org_tree):
    system_admin_client.post(
        reverse("org_units:move", args=[org_tree.branch_a1.pk]), {"parent": org_tree.general_b.pk}
    )
    client = Client()
    client.force_login(organizer_a1)
    assert list(client.get(reverse("org_units:index")).context["object_list"]) == [
        fresh(org_tree.branch_a1),
        fresh(org_tree.group_a1),
    ]


@pytest.mark.parametrize("target", ["general_a", "branch_a1", "group_a1"])
def test_a_unit_cannot_be_moved_into_its_own_subtree(system_admin_client, org_tree, target):
    url = reverse("org_units:move", args=[org_tree.general_a.pk])
    assert getattr(org_tree, target) not in set(
        system_admin_client.get(url).context["form"].fields["parent"].queryset
    )
    response = system_admin_client.post(url, {"parent": getattr(org_tree, target).pk})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert fresh(org_tree.general_a).get_parent() == org_tree.committee
    assert not AuditLog.objects.exists()


def test_a_move_that_breaks_the_kind_rules_is_refused_with_the_reason(system_admin_client, org_tree):
    response = system_admin_client.post(
        reverse("org_units:move", args=[org_tree.group_a1.pk]), {"parent": org_tree.general_b.pk}
    )
    assert response.status_code == 200
    with translation.override(settings.LANGUAGE_CODE):
        expected = kind_error(parent=org_tree.general_b, kind=Kind.GROUP)
    assert response.context["form"].errors["parent"] == [expected]
    assert fresh(org_tree.group_a1).get_parent() == org_tree.branch_a1


def test_a_move_onto_a_name_taken_under_the_new_parent_is_refused(system_admin_client, org_tree):
    clash = OrgUnit.objects.get(pk=org_tree.general_b.pk).add_child(name="第一党支部", kind=Kind.BRANCH)
    response = system_admin_client.post(
        reverse("org_units:move", args=[org_tree.branch_a1.pk]), {"parent": org_tree.general_b.pk}
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert fresh(org_tree.branch_a1).get_parent() == org_tree.general_a
    assert fresh(clash).get_parent() == org_tree.general_b


def test_a_branch_may_become_a_top_level_unit(system_admin_client, org_tree):
    response = system_admin_client.post(
        reverse("org_units:move", args=[org_tree.branch_b1.pk]), {"parent": ""}
    )
    assert response.status_code == 302
    assert fresh(org_tree.branch_b1).depth == 1


# --- Deleting -------------------------------------------------------------------------------------------


def test_system_admin_deletes_an_empty_unit(system_admin_client, system_admin, org_tree):
    url = reverse("org_units:delete", args=[org_tree.branch_b1.pk])
    assert system_admin_client.get(url).context["delete_problem"] is None
    response = system_admin_client.post(url)
    assert response.url == reverse("org_units:index")
    assert not OrgUnit.objects.filter(pk=org_tree.branch_b1.pk).exists()
    assert fresh(org_tree.general_b).numchild == 0
    entry = AuditLog.objects.get(action="org_unit.deleted")
    assert (entry.actor, entry.target_repr, entry.data["parent"]) == (
        system_admin,
        "第三党支部",
        org_tree.general_b.pk,
    )


def test_a_unit_with_members_is_not_deleted(system_admin_client, org_tree, member_a2):
    url = reverse("org_units:delete", args=[org_tree.branch_a2.pk])
    problem = system_admin_client.get(url).context["delete_problem"]
    assert problem
    response = system_admin_client.post(url)
    assert response.status_code == 302
    assert messages_of(response) == [problem]
    assert OrgUnit.objects.filter(pk=org_tree.branch_a2.pk).exists()
    assert not AuditLog.objects.exists()


def test_a_deactivated_member_still_keeps_their_unit(system_admin_client, org_tree, member_a2):
    member_a2.is_active = False
    member_a2.save(update_fields=["is_active"])
    system_admin_client.post(reverse("org_units:delete", args=[org_tree.branch_a2.pk]))
    assert OrgUnit.objects.filter(pk=org_tree.branch_a2.pk).exists()


def test_a_unit_with_sub_units_is_not_deleted_even_when_nobody_is_in_it(system_admin_client, org_tree):
    url = reverse("org_units:delete", args=[org_tree.general_b.pk])
    assert system_admin_client.get(url).context["delete_problem"]
    system_admin_client.post(url)
    assert OrgUnit.objects.filter(pk__in=[org_tree.general_b.pk, org_tree.branch_b1.pk]).count() == 2


# --- Malformed input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", OBJECT_VIEWS)
@pytest.mark.parametrize("pk", ["abc", "0", "99999", "-1"])
def test_bad_or_unknown_ids_are_404(system_admin_client, org_tree, view, pk):
    url = reverse(f"org_units:{view}", args=[org_tree.branch_a1.pk]).replace(
        f"/{org_tree.branch_a1.pk}/", f"/{pk}/"
    )
    assert system_admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query", [{"parent": "abc"}, {"parent": "99999"}, {"parent": "-1"}, {"parent": "1' OR '1'='1"}]
)
def test_add_form_ignores_a_garbage_parent(system_admin_client, org_tree, query):
    response = system_admin_client.get(reverse("org_units:add"), query)
    assert response.status_code == 200
    assert response.context["form"]["parent"].value() is None


@pytest.mark.parametrize("query", [{"ordering": "-name"}, {"ordering": "zzz"}, {"q": "党"}, {"p": "x"}])
def test_garbage_in_the_tree_query_is_not_a_500(organizer_client, org_tree, query):
    response = organizer_client.get(reverse("org_units:index"), query)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [org_tree.branch_a1, org_tree.group_a1]


@pytest.mark.parametrize("parent", ["abc", "99999"])
def test_moving_under_a_garbage_parent_is_a_form_error(system_admin_client, org_tree, parent):
    response = system_admin_client.post(
        reverse("org_units:move", args=[org_tree.branch_a1.pk]), {"parent": parent}
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert fresh(org_tree.branch_a1).get_parent() == org_tree.general_a


def test_system_admin_tree_offers_sub_units_members_moves_and_history(system_admin_client, org_tree):
    content = system_admin_client.get(reverse("org_units:index")).content.decode()
    add_group = f"{reverse('org_units:add')}?parent={org_tree.branch_a2.pk}"
    assert add_group in content
    assert f"{reverse('org_units:add')}?parent={org_tree.group_a1.pk}" not in content  # a group holds nothing
    assert f"{reverse('members:add')}?org_unit={org_tree.branch_a2.pk}" in content
    assert reverse("org_units:move", args=[org_tree.branch_a2.pk]) in content
    assert reverse("org_units:history", args=[org_tree.branch_a2.pk]) in content


def test_organizer_tree_offers_adding_members_and_history(organizer_client, org_tree):
    content = organizer_client.get(reverse("org_units:index")).content.decode()
    assert f"{reverse('members:add')}?org_unit={org_tree.group_a1.pk}" in content
    assert reverse("org_units:history", args=[org_tree.group_a1.pk]) in content


@pytest.mark.parametrize("user", ["organizer_a1", "system_admin"])
def test_the_tree_query_count_does_not_grow_with_units_or_members(request, org_tree, user):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("org_units:index"))
    for number in range(5):
        group = org_unit_create(name=f"新党小组{number}", kind=Kind.GROUP, parent=fresh(org_tree.branch_a1))
        MemberFactory(org_unit=group)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("org_units:index"))
    assert len(response.context["object_list"]) >= 7
    assert len(many) == len(few)
