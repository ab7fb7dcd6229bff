from school import permissions


def test_organizer_manages_own_branch_and_groups_below(organizer_a1, org_tree, member_a1):
    assert permissions.can_manage_org_unit(organizer_a1, org_tree.branch_a1)
    assert permissions.can_manage_org_unit(organizer_a1, org_tree.group_a1)
    assert permissions.can_manage_member(organizer_a1, member_a1)


def test_organizer_cannot_manage_sibling_branch_or_parent(organizer_a1, org_tree, member_a2):
    assert not permissions.can_manage_org_unit(organizer_a1, org_tree.branch_a2)
    assert not permissions.can_manage_org_unit(organizer_a1, org_tree.general_a)
    assert not permissions.can_manage_member(organizer_a1, member_a2)


def test_organizer_sees_only_members_of_own_subtree(organizer_a1, member_a1, member_a2):
    visible = set(permissions.members_visible_to(organizer_a1))
    assert member_a1 in visible
    assert member_a2 not in visible


def test_system_admin_sees_every_member(system_admin, member_a1, member_a2):
    visible = set(permissions.members_visible_to(system_admin))
    assert {member_a1, member_a2} <= visible


def test_learner_manages_nobody(learner, member_a1, org_tree):
    assert not permissions.members_visible_to(learner).exists()
    assert not permissions.can_manage_member(learner, member_a1)


def test_sibling_path_prefix_is_not_confused_with_subtree(organizer_a1, org_tree):
    """Paths are fixed-width per level, so 支部A1 never 'contains' a sibling whose path shares a prefix."""
    assert not org_tree.branch_a2.path.startswith(org_tree.branch_a1.path)
    assert set(permissions.org_units_visible_to(organizer_a1)) == {org_tree.branch_a1, org_tree.group_a1}
