"""A member writes an anonymous letter to their 支部 on a 375 px phone; the branch organizer answers
it in public from the inbox; another member of the 支部 reads it on the board without learning who
wrote it. Everything through Debian Chromium against the live server.

Screenshots go to test-artifacts/letters-journey/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.models import Letter
from school.roles import Role
from school.tests.factories import MemberFactory
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "letters-journey"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def test_an_anonymous_letter_is_answered_in_public_without_naming_its_writer(
    live_server, phone_page, org_tree, site_tree, organizer_a1
):
    writer = MemberFactory(org_unit=org_tree.group_a1, real_name="王写信", user__roles=[Role.LEARNER]).user
    reader = MemberFactory(org_unit=org_tree.branch_a1, real_name="李读者", user__roles=[Role.LEARNER]).user
    page = phone_page

    log_in(page, live_server, writer)
    page.goto(live_server.url + "/community/letters/new/")
    expect(page.get_by_label("第一党支部", exact=False)).to_be_checked()
    page.get_by_label(zh("Subject")).fill("建议把集中学习改到周末")
    page.get_by_label(zh("Your letter")).fill("工作日晚上经常加班，周末更方便参加。")
    page.get_by_label(zh("Anonymous to other members")).check()
    screenshot(page, SCREENSHOTS, "01-write.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("button", name=zh("Send the letter")).click()
    expect(page.get_by_role("heading", name="建议把集中学习改到周末")).to_be_visible()
    screenshot(page, SCREENSHOTS, "02-sent.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    letter = Letter.objects.get()

    page.context.clear_cookies()
    log_in(page, live_server, organizer_a1)
    page.goto(live_server.url + "/community/letters/inbox/")
    screenshot(page, SCREENSHOTS, "03-inbox.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("link", name=letter.title).click()
    expect(page.get_by_text("王写信")).to_be_visible()
    page.get_by_label(zh("Your answer to the letter")).fill("已研究，下月起集中学习安排在周六上午。")
    page.get_by_label(zh("Public: the letter and the answer appear on the message board")).check()
    screenshot(page, SCREENSHOTS, "04-answer.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("button", name=zh("Send the answer")).click()
    expect(page.get_by_text("已研究，下月起集中学习安排在周六上午。")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server, reader)
    page.goto(live_server.url + "/community/letters/")
    screenshot(page, SCREENSHOTS, "05-board.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("link", name=letter.title).click()
    expect(page.get_by_text(zh("Anonymous member")).first).to_be_visible()
    screenshot(page, SCREENSHOTS, "06-read.png")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert "王写信" not in page.content()
