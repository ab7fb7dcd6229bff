"""A member on a 375 px phone finds a topic study group, joins it, ticks an article of its reading
list as read and looks at the group's progress, shown as a per-member list on the phone and as a
members × items table on the organizer's desktop. No page scrolls sideways.

Screenshots go to test-artifacts/study-groups/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from community import groups
from community.models import GroupMembership, ReadingDone
from courses.tests import factories as pages
from school.roles import Role
from school.tests.factories import MemberFactory
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "study-groups"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def group(org_tree, site_tree):
    organizer = MemberFactory(
        org_unit=org_tree.branch_a1, real_name="赵支书", user__roles=[Role.BRANCH_ORGANIZER]
    ).user
    org_tree.branch_a1.managers.add(organizer)
    group = groups.group_create(
        creator=organizer,
        name="新时代党的创新理论学习小组",
        topic="学习习近平新时代中国特色社会主义思想的世界观和方法论",
        description="每周读一篇，周五在小组讨论区交流体会。",
        org_unit=org_tree.branch_a1,
    )
    course = pages.course("习近平新时代中国特色社会主义思想概论（第二版）专题课程")
    for page in (
        course,
        pages.lesson(course, "第一讲"),
        pages.article("学习资料汇编"),
        pages.policy_document(),
    ):
        groups.reading_add(group=group, page=page, acting_user=organizer, note="必读篇目，请在本周内完成")
    return group


def test_a_member_joins_ticks_an_article_and_sees_progress_on_a_phone(
    live_server, phone_page, desktop_page, org_tree, group
):
    member = MemberFactory(org_unit=org_tree.branch_a1, real_name="钱党员", user__roles=[Role.LEARNER]).user
    page = phone_page
    log_in(page, live_server, member)

    page.goto(live_server.url + "/community/groups/new/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "00-new-phone.png")
    page.goto(live_server.url + "/community/groups/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "01-list-phone.png")
    page.get_by_role("link", name=group.name).click()
    page.wait_for_url(re.compile(rf"/community/groups/{group.pk}/$"))
    page.get_by_role("button", name=zh("Join the group")).click()
    page.wait_for_url(re.compile(rf"/community/groups/{group.pk}/$"))
    assert GroupMembership.objects.filter(group=group, user=member).exists()
    expect(page.get_by_role("link", name=zh("All threads"))).to_be_visible()  # the board opens to members
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "02-group-phone.png")

    page.get_by_role("button", name=zh("Mark as read")).first.click()
    page.wait_for_url(re.compile(r"#reading-\d+$"))
    assert ReadingDone.objects.filter(user=member).count() == 1
    page.get_by_role("link", name=zh("Group progress")).click()
    expect(page.locator(".progress-cards")).to_be_visible()
    expect(page.locator(".group-progress__table")).to_be_hidden()
    page.locator(".progress-card summary").nth(1).click()
    expect(page.locator(".progress-card").nth(1)).to_contain_text("学习资料汇编")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "03-progress-phone.png")

    desk = desktop_page
    log_in(desk, live_server, group.created_by)
    desk.goto(live_server.url + f"/community/groups/{group.pk}/progress/")
    expect(desk.locator(".group-progress__table")).to_be_visible()
    expect(desk.locator(".progress-cards")).to_be_hidden()
    expect(desk.locator("tbody tr")).to_have_count(2)
    screenshot(desk, SCREENSHOTS, "04-progress-desktop.png")
    desk.goto(live_server.url + f"/community/groups/{group.pk}/readings/?q=资料")
    assert desk.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(desk, SCREENSHOTS, "05-readings-desktop.png")
