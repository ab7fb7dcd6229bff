from __future__ import annotations

import pytest

from community.tests import factories
from school.roles import Role
from school.tests.factories import MemberFactory


@pytest.fixture
def general_board(org_tree):
    return factories.board("学习交流")


@pytest.fixture
def branch_board(org_tree):
    """第一党支部's own board: its members (with 第一党小组) and its organizers."""
    return factories.board("第一党支部园地", org_unit=org_tree.branch_a1)


@pytest.fixture
def instructor(org_tree):
    return MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.committee, real_name="王讲师").user


@pytest.fixture
def member_b1(org_tree):
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_b1, real_name="丙学员")
