"""A member hands in homework on a 375 px phone (a program disguised as a PDF is refused, a real PDF is
taken); the instructor reviews it on a desktop; the member sees the score through the notification.
Everything through Debian Chromium against the live server.

Screenshots go to test-artifacts/homework-journey/.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community import homework
from community.models import Submission
from courses.services.enrollment import enrollment_create
from courses.tests import factories
from school.roles import Role
from school.tests.factories import MemberFactory
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "homework-journey"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def files(tmp_path):
    from weasyprint import HTML

    real = tmp_path / "学习体会.pdf"
    HTML(string="<h1>学习体会</h1><p>通过学习党章，我深刻认识到……</p>").write_pdf(real)
    disguised = tmp_path / "工具.pdf"
    disguised.write_bytes(b"MZ\x90\x00" + b"\0" * 512)
    return real, disguised


def test_homework_is_handed_in_on_a_phone_reviewed_on_a_desktop_and_the_score_reaches_the_member(
    live_server, phone_page, desktop_page, org_tree, site_tree, settings, tmp_path, files
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    member = MemberFactory(org_unit=org_tree.branch_a1, real_name="王学习", user__roles=[Role.LEARNER]).user
    teacher = MemberFactory(
        org_unit=org_tree.committee, real_name="李讲师", user__roles=[Role.INSTRUCTOR]
    ).user
    course = factories.course("学习党章 争做合格党员", instructors=[teacher])
    enrollment_create(member=member.member, course=course)
    assignment = homework.assignment_create(
        course=course,
        acting_user=teacher,
        title="结合本职工作谈学习体会",
        prompt="不少于800字。",
        due_at=timezone.now() + datetime.timedelta(days=7),
    )
    real, disguised = files

    page = phone_page
    log_in(page, live_server, member)
    page.goto(live_server.url + course.url)
    page.locator(".page-homework").get_by_role("link", name=assignment.title).click()
    page.get_by_label(zh("Your answer")).fill("通过学习，我对全面从严治党有了更深的认识。")
    page.set_input_files("input[name=files]", str(disguised))
    page.get_by_role("button", name=zh("Hand in")).click()
    expect(page.locator(".alert-error")).to_contain_text("工具.pdf")
    assert not Submission.objects.exists()
    screenshot(page, SCREENSHOTS, "01-refused-phone.png")
    page.set_input_files("input[name=files]", str(real))
    page.get_by_role("button", name=zh("Hand in")).click()
    expect(page.locator(".homework-files")).to_contain_text("学习体会.pdf")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "02-handed-in-phone.png")
    submission = Submission.objects.get()

    desk = desktop_page
    log_in(desk, live_server, teacher)
    desk.goto(live_server.url + f"/community/homework/{assignment.pk}/")
    desk.get_by_role("link", name="王学习").click()
    with desk.expect_download() as download:
        desk.get_by_role("link", name="学习体会.pdf").click()
    assert Path(download.value.path()).read_bytes() == real.read_bytes()
    desk.get_by_label(zh("Score")).fill("90")
    desk.get_by_label(zh("Comment for the member")).fill("联系实际较好。")
    desk.get_by_role("button", name=zh("Save the review")).click()
    desk.wait_for_url(re.compile(rf"/community/homework/{assignment.pk}/$"))
    screenshot(desk, SCREENSHOTS, "03-reviewed-desktop.png")
    submission.refresh_from_db()
    assert submission.score == 90

    page.goto(live_server.url + "/")
    bell = page.locator(".header-bell--phone")
    expect(bell.locator(".header-bell__count")).to_have_text("2")  # homework set, homework reviewed
    bell.click()
    page.locator(".notification.is-unread").filter(has_text=assignment.title).filter(
        has_text="李讲师"
    ).first.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/community/homework/{assignment.pk}/$"))
    expect(page.locator(".homework-review__score")).to_contain_text("90")
    screenshot(page, SCREENSHOTS, "04-score-phone.png")
