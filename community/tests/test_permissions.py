"""Who sees which board: the listing and the single-board check agree, and 支部 stay apart."""

from __future__ import annotations

import pytest

from community import permissions
from community.tests import factories


@pytest.fixture
def boards(org_tree):
    return {
        "general": factories.board("学习交流"),
        "branch_a1": factories.board("一支部园地", org_unit=org_tree.branch_a1),
        "general_a": factories.board("总支A园地", org_unit=org_tree.general_a),
        "branch_b1": factories.board("三支部园地", org_unit=org_tree.branch_b1),
    }


@pytest.fixture
def readers(learner, member_a2, member_b1, organizer_a1, system_admin, editor, plain_user):
    return {
        "member of 小组A1 (支部A1)": learner,
        "member of 支部A2": member_a2.user,
        "member of 支部B1": member_b1.user,
        "organizer of 支部A1": organizer_a1,
        "system admin": system_admin,
        "editor": editor,
        "account without a member profile": plain_user,
    }


EXPECTED = {
    "member of 小组A1 (支部A1)": {"general", "branch_a1", "general_a"},
    "member of 支部A2": {"general", "general_a"},
    "member of 支部B1": {"general", "branch_b1"},
    "organizer of 支部A1": {"general", "branch_a1", "general_a"},
    "system admin": {"general", "branch_a1", "general_a", "branch_b1"},
    "editor": {"general", "branch_a1", "general_a", "branch_b1"},
    "account without a member profile": {"general"},
}


def test_each_reader_sees_exactly_the_expected_boards(boards, readers):
    for name, user in readers.items():
        visible = {key for key, board in boards.items() if permissions.can_view_board(user, board)}
        assert visible == EXPECTED[name], name


def test_the_board_listing_agrees_with_the_single_board_check(boards, readers):
    for name, user in readers.items():
        listed = set(permissions.listed_boards(user))
        for board in boards.values():
            assert (board in listed) == permissions.can_view_board(user, board), (name, board.title)


def test_an_inactive_account_sees_no_board(boards, learner):
    learner.is_active = False
    assert not any(permissions.can_view_board(learner, board) for board in boards.values())
    assert not permissions.listed_boards(learner).exists()


def test_organizers_moderate_the_boards_of_their_units_only(boards, organizer_a1):
    assert permissions.can_moderate_board(organizer_a1, boards["branch_a1"])
    assert not permissions.can_moderate_board(organizer_a1, boards["general_a"])  # above their unit
    assert not permissions.can_moderate_board(organizer_a1, boards["general"])


@pytest.fixture
def page_boards(org_tree):
    """Boards of courses and lessons under every access rule, a lesson's course rule included."""
    from community import services
    from courses.models import AccessLevel
    from courses.tests import factories as pages

    everyone = pages.course("全员课程")
    branch = pages.course("一支部专题", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    internal = pages.course("组织员内部课程", access=AccessLevel.INTERNAL)
    chosen = [
        everyone,
        pages.lesson(everyone, "全员第一讲"),
        branch,
        pages.lesson(branch, "一支部第一讲", access=AccessLevel.PUBLIC),  # public, inside a closed course
        internal,
        pages.lesson(internal, "内部第一讲"),
    ]
    return [services.board_for_page(page=page) for page in chosen]


def test_every_readable_board_agrees_with_the_single_board_check(boards, page_boards, readers):
    for name, user in readers.items():
        readable = set(permissions.readable_boards(user))
        for board in [*boards.values(), *page_boards]:
            assert (board in readable) == permissions.can_view_board(user, board), (name, board.title)
    learner, member_a2 = readers["member of 小组A1 (支部A1)"], readers["member of 支部A2"]
    lesson_board = page_boards[3]
    assert lesson_board in set(permissions.readable_boards(learner))
    assert lesson_board not in set(permissions.readable_boards(member_a2))
