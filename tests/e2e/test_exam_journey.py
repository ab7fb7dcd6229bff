"""A member sits a timed graduation exam on a phone in Debian Chromium, loses the network for a moment
while answering, comes back, submits, sees the result, downloads the certificate and opens the
verification page printed under its QR code.

Screenshots go to test-artifacts/exam-journey/.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from exams.models import Attempt, AttemptAnswer, Certificate, ExamResult
from exams.tests import factories
from school.tests.factories import MemberFactory
from tests.e2e.helpers import ARTIFACTS, log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "exam-journey"
SAVED = "() => document.querySelector('[data-save-status]').classList.contains('is-saved')"
OFFLINE = "() => document.querySelector('[data-save-status]').classList.contains('is-offline')"


@pytest.fixture
def member(org_tree, site_tree):
    return MemberFactory(org_unit=org_tree.branch_a1, real_name="张小明")


@pytest.fixture
def exam(org_tree, member):
    bank = factories.category("结业考试题库")
    questions = [
        factories.single_choice(bank),
        factories.multiple_choice(bank),
        factories.true_false(bank),
        factories.fill_in(bank),
    ]
    return factories.exam(
        org_tree.committee,
        questions=questions,
        title="入党积极分子培训班结业考试",
        class_name="2026年入党积极分子培训班",
        time_limit_minutes=30,
        is_graduation=True,
        shuffle_options=True,
        certificate_hours=8,
    )


def choose(page, question: int, text: str) -> None:
    page.locator(f"#q{question} label.option", has_text=text).click()


def test_member_takes_a_timed_exam_through_a_network_drop_and_gets_a_certificate(
    live_server, phone_page, member, exam, tmp_path
):
    page = phone_page
    log_in(page, live_server, member.user)
    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("link", name=exam.title).click()
    page.get_by_role("button", name=zh("Start the exam")).click()
    page.wait_for_selector("[data-attempt-form]")
    # The timer shows --:-- until the deferred attempt script has started it.
    expect(page.locator("[data-timer-value]")).to_have_text(re.compile(r"^(29|30):\d\d$"))

    choose(page, 0, "实现共产主义")
    page.wait_for_function(SAVED)
    screenshot(page, SCREENSHOTS, "01-attempt-phone.png")

    page.context.set_offline(True)
    for text in ("政治纪律", "组织纪律", "廉洁纪律"):
        choose(page, 1, text)
    page.locator("#q2 label.option", has_text=zh("True")).click()
    page.wait_for_function(OFFLINE)
    offline_text = "No connection: your answers are kept on this device and will be sent when it is back."
    assert page.locator("[data-save-status]").inner_text() == zh(offline_text)
    kept = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('exam-attempt:')).length")
    assert kept == 1
    screenshot(page, SCREENSHOTS, "02-offline-phone.png")
    attempt = Attempt.objects.get(member=member)
    assert set(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", flat=True)) == {0}

    page.context.set_offline(False)
    page.wait_for_function(SAVED, timeout=40_000)
    assert set(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", flat=True)) == {0, 1, 2}

    page.locator("#q3 input[type=text]").fill("全国代表大会")
    page.get_by_role("button", name=zh("Submit answers")).click()
    page.get_by_role("dialog").get_by_role("button", name=zh("Yes, submit")).click()
    page.wait_for_url(re.compile(r"/result$"))
    assert page.locator(".result-summary__score b").inner_text() == "4"
    assert ExamResult.objects.get(member=member).passed
    screenshot(page, SCREENSHOTS, "03-result-phone.png")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=zh("Download certificate")).click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    certificate = Certificate.objects.get(member=member)
    assert "张小明" in text and certificate.number in text
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / SCREENSHOTS / "04-certificate"),
        ],
        check=True,
    )

    verify_url = PdfReader(pdf).metadata["/VerificationUrl"]  # what the QR code encodes, printed below it
    assert verify_url.endswith("/verify/" + certificate.verification_id)
    assert verify_url in re.sub(r"\s", "", text)
    page.context.clear_cookies()
    page.goto(live_server.url + "/verify/" + certificate.verification_id)
    body = page.locator("main").inner_text()
    assert "张*明" in body and "张小明" not in body
    assert certificate.number in body
    screenshot(page, SCREENSHOTS, "05-verify-phone.png")


def test_a_second_tab_takes_over_and_the_first_tab_stops_with_a_message(
    live_server, desktop_page, member, exam
):
    first = desktop_page
    log_in(first, live_server, member.user)
    first.goto(f"{live_server.url}/exams/{exam.pk}/")
    first.get_by_role("button", name=zh("Start the exam")).click()
    first.wait_for_selector("[data-attempt-form]")
    choose(first, 0, "实现共产主义")
    first.wait_for_function(SAVED)

    second = first.context.new_page()
    second.goto(first.url)
    second.wait_for_selector("[data-attempt-form]")
    expect(second.locator("#q0 input:checked")).to_have_count(1)  # the saved answer is there

    choose(first, 1, "政治纪律")
    first.wait_for_selector("[data-attempt-alert]:not([hidden])")
    assert "另一个窗口" in first.locator("[data-attempt-alert]").inner_text()
    assert first.locator("#q1 input").first.is_disabled()
    screenshot(first, SCREENSHOTS, "06-replaced-tab-desktop.png")

    choose(second, 1, "组织纪律")
    second.wait_for_function(SAVED)
    attempt = Attempt.objects.get(member=member)
    assert set(AttemptAnswer.objects.filter(attempt=attempt).values_list("position", flat=True)) == {0, 1}
