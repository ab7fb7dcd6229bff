import pytest

from school.roles import Role
from school.tests.factories import MemberFactory


@pytest.fixture
def editor(org_tree):
    return MemberFactory(user__roles=[Role.EDITOR], org_unit=org_tree.committee, real_name="张编辑").user
