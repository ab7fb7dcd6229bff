"""Access levels on courses, lessons, articles and documents: pages and listings agree, for every reader."""

from __future__ import annotations

import pytest

from courses.models import AccessLevel, CoursePage, LessonPage
from courses.permissions import can_read, readable
from courses.tests.factories import article, course, lesson, policy_document
from school.roles import Role
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db

READERS = ["anonymous", "member_a1", "member_a2", "organizer_a1", "organizer_b1", "editor", "system_admin"]
# Which readers may open a course of each level; 指定组织 is 第一党支部 (member_a1 is in its 党小组).
ALLOWED = {
    AccessLevel.PUBLIC: set(READERS),
    AccessLevel.MEMBERS: set(READERS) - {"anonymous"},
    AccessLevel.ORG_UNITS: {"member_a1", "organizer_a1", "editor", "system_admin"},
    AccessLevel.INTERNAL: {"organizer_a1", "organizer_b1", "editor", "system_admin"},
}


@pytest.fixture
def readers(org_tree, member_a1, member_a2, organizer_a1, editor, system_admin) -> dict:
    organizer_b1 = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=org_tree.branch_b1, real_name="三支书"
    ).user
    org_tree.branch_b1.managers.add(organizer_b1)
    return {
        "anonymous": None,
        "member_a1": member_a1.user,
        "member_a2": member_a2.user,
        "organizer_a1": organizer_a1,
        "organizer_b1": organizer_b1,
        "editor": editor,
        "system_admin": system_admin,
    }


def restricted_to_branch_a1(org_tree, level: str) -> dict:
    return {"org_units": [org_tree.branch_a1]} if level == AccessLevel.ORG_UNITS else {}


@pytest.mark.parametrize("level", list(ALLOWED))
@pytest.mark.parametrize("reader", READERS)
def test_a_course_page_opens_exactly_for_the_readers_its_level_allows(readers, org_tree, level, reader):
    page = course(access=level, **restricted_to_branch_a1(org_tree, level))
    response = client_for(readers[reader]).get(page.url)
    if reader in ALLOWED[level]:
        assert response.status_code == 200
    elif reader == "anonymous":
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("reader", READERS)
def test_the_catalog_lists_the_same_courses_the_pages_open(readers, org_tree, reader):
    pages = {
        level: course(f"课程{index}", access=level, **restricted_to_branch_a1(org_tree, level))
        for index, level in enumerate(ALLOWED)
    }
    user = readers[reader]
    listed = set(readable(CoursePage.objects.live(), user))
    assert listed == {page for page in pages.values() if can_read(user, page)}
    assert listed == {pages[level] for level in ALLOWED if reader in ALLOWED[level]}


def test_a_lesson_stays_closed_when_its_course_is_restricted(readers, org_tree):
    restricted = course(access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    public_lesson = lesson(restricted, access=AccessLevel.PUBLIC)
    assert client_for(readers["member_a2"]).get(public_lesson.url).status_code == 403
    assert client_for(readers["member_a1"]).get(public_lesson.url).status_code == 200


def test_a_course_lists_only_the_lessons_the_reader_may_open(readers):
    page = course()
    lesson(page, "公开的一讲")
    lesson(page, "内部的一讲", access=AccessLevel.INTERNAL)
    html = client_for(readers["member_a1"]).get(page.url).content.decode()
    assert "公开的一讲" in html and "内部的一讲" not in html
    internal = LessonPage.objects.get(title="内部的一讲")
    assert client_for(readers["member_a1"]).get(internal.url).status_code == 403
    assert client_for(readers["organizer_a1"]).get(internal.url).status_code == 200


def test_a_deactivated_member_is_a_visitor(readers):
    page = course(access=AccessLevel.MEMBERS)
    user = readers["member_a1"]
    user.member.is_active = False
    user.member.save(update_fields=["is_active"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not can_read(user, page)


@pytest.mark.parametrize("reader", ["anonymous", "member_a2"])
def test_library_items_follow_the_same_rules(readers, org_tree, reader):
    closed = article("支部内部资料", access=AccessLevel.ORG_UNITS, org_units=[org_tree.branch_a1])
    open_document = policy_document("公开的党内法规", access=AccessLevel.PUBLIC)
    client = client_for(readers[reader])
    assert client.get(closed.url).status_code in (302, 403)
    assert client.get(open_document.url).status_code == 200
    listing = client.get("/library/").content.decode()
    assert "公开的党内法规" in listing and "支部内部资料" not in listing
