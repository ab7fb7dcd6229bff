import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission

from school.roles import Role, roles_sync

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_five_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_roles_sync_is_idempotent():
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    page_perms = GroupPagePermission.objects.count()
    roles_sync()
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after
    assert GroupPagePermission.objects.count() == page_perms


def test_learners_get_no_admin_access(learner):
    assert not learner.has_perm("wagtailadmin.access_admin")


def test_branch_organizers_manage_members_but_not_the_org_structure(organizer_a1):
    assert organizer_a1.has_perm("wagtailadmin.access_admin")
    assert organizer_a1.has_perm("school.change_member")
    assert not organizer_a1.has_perm("school.add_orgunit")
    assert not organizer_a1.has_perm("school.delete_member")


def test_editors_may_publish_pages_from_the_root():
    editor = Group.objects.get(name=Role.EDITOR.value)
    codenames = set(
        GroupPagePermission.objects.filter(group=editor).values_list("permission__codename", flat=True)
    )
    assert {"add_page", "change_page", "publish_page"} <= codenames


@pytest.mark.parametrize("screen", ["/admin/documents/", "/admin/images/", "/admin/documents/multiple/add/"])
def test_editors_and_instructors_open_the_document_and_image_screens(editor, screen, org_tree):
    from school.tests.factories import MemberFactory
    from school.tests.helpers import client_for

    instructor = MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.committee).user
    for user in (editor, instructor):
        assert client_for(user).get(screen).status_code == 200, (user, screen)


def test_organizers_do_not_reach_the_document_screens(organizer_a1):
    from school.tests.helpers import client_for

    assert client_for(organizer_a1).get("/admin/documents/").status_code == 302


def test_roles_sync_grants_image_and_document_permissions_on_the_root_collection_once():
    from wagtail.models import GroupCollectionPermission

    editor = Group.objects.get(name=Role.EDITOR.value)
    granted = GroupCollectionPermission.objects.filter(group=editor)
    assert {"add_document", "change_document", "choose_document", "add_image"} <= set(
        granted.values_list("permission__codename", flat=True)
    )
    count = GroupCollectionPermission.objects.count()
    roles_sync()
    assert GroupCollectionPermission.objects.count() == count
