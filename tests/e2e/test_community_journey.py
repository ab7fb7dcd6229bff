"""A member asks a question under a lesson on a 375 px phone; the course's instructor answers on a
desktop and marks the answer best; the member sees the bell's count, opens the notification and
lands on the answer. Everything through Debian Chromium against the live server.

Screenshots go to test-artifacts/community-journey/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from community.models import Post, Thread
from courses.tests import factories
from school.roles import Role
from school.tests.factories import MemberFactory
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "community-journey"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def people(org_tree, site_tree):
    member = MemberFactory(org_unit=org_tree.branch_a1, real_name="王学习", user__roles=[Role.LEARNER])
    teacher = MemberFactory(org_unit=org_tree.committee, real_name="李讲师", user__roles=[Role.INSTRUCTOR])
    return member.user, teacher.user


@pytest.fixture
def lesson(people):
    _member, teacher = people
    course = factories.course("学习党章 争做合格党员", instructors=[teacher])
    body = [("paragraph", "<p>党章总纲阐明了党的性质和宗旨。</p>")]
    return factories.lesson(course, "第一讲 党章总纲", body=body)


def test_a_question_on_a_lesson_is_answered_marked_best_and_notified(
    live_server, phone_page, desktop_page, people, lesson
):
    member, teacher = people

    # The member asks under the lesson, on a phone.
    page = phone_page
    log_in(page, live_server, member)
    page.goto(live_server.url + lesson.url)
    card = page.locator(".page-discussion")
    expect(card).to_contain_text(zh("No questions yet. Ask the instructor or discuss with other members."))
    card.get_by_role("link", name=zh("Ask a question")).click()
    page.wait_for_url(re.compile(r"/community/boards/\d+/new/$"))
    page.get_by_label(zh("Title")).fill("党的性质怎么理解？")
    page.get_by_label(zh("Text")).fill("总纲第一段说党是两个先锋队，\n\n请老师讲讲两者的关系。")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "01-ask-phone.png")
    page.get_by_role("button", name=zh("Post"), exact=True).click()
    page.wait_for_url(re.compile(r"/community/threads/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("党的性质怎么理解？")
    expect(page.locator(".post--opening .post__body p")).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    thread = Thread.objects.get()
    assert thread.board.page_id == lesson.pk

    # The instructor answers on a desktop, quoting the question, and marks the answer best.
    desk = desktop_page
    log_in(desk, live_server, teacher)
    desk.goto(live_server.url + lesson.url)
    desk.locator(".page-discussion").get_by_role("link", name="党的性质怎么理解？").click()
    desk.wait_for_url(re.compile(rf"/community/threads/{thread.pk}/$"))
    desk.locator(".post--opening").get_by_role("link", name=zh("Quote")).click()
    expect(desk.locator("[data-quote-chip]")).to_be_visible()  # filled in place by community.js
    expect(desk.locator("#reply textarea")).to_be_focused()
    desk.locator("#reply textarea").fill(
        "工人阶级的先锋队，同时是中国人民和中华民族的先锋队。@王学习 请对照党章原文再读一遍。"
    )
    desk.get_by_role("button", name=zh("Post reply")).click()
    desk.wait_for_url(re.compile(r"\?post=\d+#post-\d+$"))
    answer = Post.objects.get(is_opening=False)
    assert answer.quote_id == thread.posts.get(is_opening=True).pk
    desk.locator(f"#post-{answer.pk}").get_by_role("button", name=zh("Mark as best answer")).click()
    desk.wait_for_load_state()
    expect(desk.locator(f"#post-{answer.pk} .badge-green")).to_contain_text(zh("Best answer"))
    expect(desk.locator(".thread-head__badges")).to_contain_text(zh("Answered"))
    assert desk.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(desk, SCREENSHOTS, "02-answered-desktop.png")

    # The member's bell counts the reply and the best answer (the mention is part of the reply).
    page.goto(live_server.url + "/")
    bell = page.locator(".header-bell--phone")
    expect(bell.locator(".header-bell__count")).to_have_text("2")
    bell.click()
    page.wait_for_url(re.compile(r"/community/notifications/$"))
    unread = page.locator(".notification.is-unread")
    expect(unread).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "03-notifications-phone.png")
    unread.filter(has_text=zh("Best answer")).first.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/community/threads/{thread.pk}/"))
    expect(page.locator(f"#post-{answer.pk} .badge-green")).to_contain_text(zh("Best answer"))
    expect(page.locator(".header-bell--phone .header-bell__count")).to_have_text("1")
    screenshot(page, SCREENSHOTS, "04-best-answer-phone.png")

    # The like button answers in place.
    like = page.locator(f"#post-{answer.pk}").get_by_role("button", name=re.compile(zh("Like")))
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator("[data-like-count]")).to_have_text("1")
    assert page.url.endswith(f"#post-{answer.pk}")  # no reload
