"""Statistics in Debian Chromium: the 党委's administrator reads the dashboard on a 375 px phone,
narrows it to one 支部, sorts the member table and exports it (at once, and through the worker
with its progress page); a 支部管理员 typing another unit into the address gets a 403 page.

Screenshots go to test-artifacts/reports-journey/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from school.tests.report_data import build_study
from tests.e2e.helpers import log_in, screenshot, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "reports-journey"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
FIRST_HALF = "start=2026-01-01&end=2026-06-15"  # the data set's dates (school/tests/report_data.py)


@pytest.fixture
def eager_worker():
    """Celery runs the export in the request's on-commit hook, as a worker would right after it."""
    from school.celery import app

    before = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=before)


def test_an_administrator_reads_the_statistics_on_a_phone_and_exports_the_member_table(
    live_server, phone_page, org_tree, site_tree, system_admin, settings, tmp_path, eager_worker
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_study(org_tree)
    page = phone_page
    log_in(page, live_server, system_admin)

    page.goto(f"{live_server.url}/admin/reports/?{FIRST_HALF}")
    expect(page.get_by_role("heading", name=zh("The ten most popular courses"))).to_be_visible()
    popular = page.locator("#popular tbody tr")
    expect(popular.first).to_contain_text("学习党章")
    expect(popular.first).to_contain_text("10.0")
    assert page.locator("svg.report-chart__svg").count() == 3
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, SCREENSHOTS, "dashboard-phone.png")

    page.select_option("select[name=unit]", label="\u3000\u3000第三党支部")
    page.get_by_role("button", name=zh("Show")).click()
    expect(page.locator(".report-card").first).to_contain_text("1")
    assert "unit=" in page.url
    expect(page.locator("#popular")).to_contain_text("学习党章")  # 丙 replied on its board

    page.goto(f"{live_server.url}/admin/reports/members/?year=2026")
    page.get_by_role("link", name=zh("Credit hours")).click()
    page.wait_for_url("**sort=hours**")  # ascending
    page.get_by_role("link", name=zh("Credit hours")).click()
    page.wait_for_url("**sort=-hours**")  # descending
    names = page.locator("table.report-table tbody tr td:nth-child(2)").all_inner_texts()
    assert names[0] == "甲" and names.index("乙") < names.index("丙")
    screenshot(page, SCREENSHOTS, "members-phone.png")

    with page.expect_download() as download:
        page.get_by_role("button", name=zh("Export Excel")).click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == zh("Name") and rows[1][1] == "甲" and rows[1][5] == 32.0

    settings.REPORT_EXPORT_SYNC_ROWS = 1
    page.get_by_role("button", name=zh("Export CSV")).click()
    link = page.get_by_role("link", name=zh("Download"))
    expect(link).to_be_visible()
    expect(page.locator(".report-progress__bar")).to_have_attribute("style", re.compile(r"width: 100%"))
    screenshot(page, SCREENSHOTS, "export-phone.png")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith(zh("Organisation")) and "丙" in text


def test_an_organizer_cannot_open_the_statistics_of_another_branch(
    live_server, desktop_page, org_tree, site_tree, organizer_a1
):
    build_study(org_tree)
    page = desktop_page
    log_in(page, live_server, organizer_a1)
    response = page.goto(f"{live_server.url}/admin/reports/?unit={org_tree.branch_b1.pk}")
    assert response.status == 403
    expect(
        page.get_by_text(zh("You can only see the statistics of the organisations you manage."))
    ).to_be_visible()
    page.goto(f"{live_server.url}/admin/reports/members/")
    names = page.locator("table.report-table tbody tr td:nth-child(2)").all_inner_texts()
    assert "甲" in names and "乙" not in names and "丙" not in names
    screenshot(page, SCREENSHOTS, "members-organizer-desktop.png")
