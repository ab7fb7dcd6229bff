"""Statistics for organizers: every figure on a known data set, scoping, bad input and exports.

The data set (``study``) is small enough to work every figure out by hand; the expected numbers
in the tests below are those hand computations, with the records that make them in the comments.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from school.models import Member, ReportExport
from school.reports import figures
from school.reports.period import InvalidPeriod, Period, period_from
from school.reports.popular import popular_courses
from school.reports.scope import ReportScope
from school.reports.table import member_rows, table_filters
from school.roles import Role
from school.tests.factories import MemberFactory
from school.tests.report_data import ACTIVIST, FULL, PROBATIONARY, D, Study, at, build_study

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)  # a Monday
PERIOD = Period(datetime.date(2026, 1, 1), TODAY, "year")


@pytest.fixture
def study(org_tree) -> Study:
    return build_study(org_tree)


def committee(study: Study) -> ReportScope:
    return ReportScope(roots=(study.tree.committee,))


def branch_a1(study: Study) -> ReportScope:
    return ReportScope(roots=(study.tree.branch_a1,))


# --- every figure on the known data set -------------------------------------------------------


def test_members_are_counted_by_political_status_without_inactive_ones(study):
    counts = {row.value: row.count for row in figures.members_by_status(committee(study))}
    assert counts == {FULL: 1, PROBATIONARY: 1, "candidate": 0, ACTIVIST: 1, "masses": 0}


def test_active_learners_this_week_this_month_and_in_the_period(study):
    activity = figures.activity(committee(study), PERIOD, TODAY)
    # m1 studied on 06-10 and 06-14 (this week: 06-09..06-15); m2 on 05-20 (30 days: from 05-17);
    # m3 only in 2025; m4 is inactive.
    assert (activity.members, activity.this_week, activity.this_month, activity.in_period) == (3, 1, 2, 2)


def test_assigned_courses_count_the_periods_assignments_and_every_overdue_one(study):
    assigned = figures.assigned_courses(committee(study), PERIOD, TODAY)
    # In the period: m1·c1 (completed), m2·c1; m3·c1 was assigned in 2025; m4 is inactive.
    assert (assigned.total, assigned.completed, assigned.rate) == (2, 1, 0.5)
    # Overdue now, whenever assigned: m2 (deadline 05-01) and m3 (01-31), earliest deadline first.
    assert assigned.overdue == 2
    assert [row.member.real_name for row in assigned.overdue_rows] == ["丙", "乙"]


def test_credit_hours_of_the_year_against_the_requirement(study):
    hours = figures.credit_hours(committee(study), 2026)
    # m1: 2.0 + 30.0 = 32.0 (meets the default 32); m2: 1.5; m3: only 2025 hours.
    assert (hours.members, hours.total, hours.met, hours.required) == (3, Decimal("33.5"), 1, Decimal("32.0"))
    assert hours.mean == Decimal("11.2")


def test_exam_sittings_pass_rate_and_mean_of_the_period(study):
    exams = figures.exams(committee(study), PERIOD)
    # m1 (85, passed) and m2 (two attempts, one sitting, 40) in the period; m3 sat in 2025.
    assert (exams.sittings, exams.members, exams.passed, exams.pass_rate) == (2, 2, 1, 0.5)
    assert exams.mean_percent == Decimal("62.5")
    bins = {b.low: b.count for b in exams.bins}
    assert bins == {0: 0, 10: 0, 20: 0, 30: 0, 40: 1, 50: 0, 60: 0, 70: 0, 80: 1, 90: 0}


def test_satisfaction_is_the_mean_of_the_periods_ratings(study):
    result = figures.satisfaction(committee(study), PERIOD)
    assert (result.ratings, result.mean) == (2, Decimal("3.50"))  # 5 and 2; m3's 4 was in 2025


def test_community_activity_counts_threads_replies_and_notes_of_the_scope(study):
    assert figures.community(committee(study), PERIOD) == figures.Community(threads=1, replies=2, notes=1)
    # 第一党支部 holds m1 (in its 党小组) only: m2 and m3 replied from elsewhere.
    assert figures.community(branch_a1(study), PERIOD) == figures.Community(threads=1, replies=0, notes=1)


def test_the_trend_has_every_week_of_the_period_with_its_hours_and_completions(study):
    unit, points = figures.trend(committee(study), PERIOD)
    assert unit == "week"
    assert points[0].start == D(2025, 12, 29) and points[-1].start == D(2026, 6, 15)
    assert len(points) == 25
    by_week = {p.start: (p.hours, p.completions) for p in points if p.hours or p.completions}
    assert by_week == {
        D(2026, 3, 9): (0.5, 1),  # m1 1800 s on 03-09 and m1·c1 completed on 03-10
        D(2026, 5, 18): (2.0, 0),  # m2 7200 s on 05-20
        D(2026, 6, 8): (1.5, 0),  # m1 3600 s + 1800 s
    }


def test_a_long_period_is_charted_per_month(study):
    unit, points = figures.trend(committee(study), Period(D(2025, 1, 1), TODAY))
    assert unit == "month"
    assert [p.start for p in points][:2] == [D(2025, 1, 1), D(2025, 2, 1)] and len(points) == 18
    assert {p.start: p.hours for p in points if p.hours}[D(2025, 12, 1)] == 1.0  # m3 3600 s


def test_organisations_are_compared_one_level_down(study):
    rows = {u.unit.name: u for u in figures.units_compared(committee(study), PERIOD)}
    assert list(rows) == ["第一党总支", "第二党总支"]
    a, b = rows["第一党总支"], rows["第二党总支"]
    # m1 + m2: 7200 s + 7200 s studied, two assignments in the period (one done), 32.0 + 1.5 hours.
    assert (a.members, a.study_hours, a.assigned, a.completed, a.credit_hours) == (
        2,
        4.0,
        2,
        1,
        Decimal("33.5"),
    )
    assert a.completion_rate == 0.5 and a.hours_per_member == Decimal("16.8")
    assert (b.members, b.study_hours, b.assigned, b.completion_rate, b.hours_per_member) == (
        1,
        0,
        0,
        None,
        Decimal("0.0"),
    )


def test_the_most_popular_courses_show_their_score_and_its_parts(study):
    first, second = popular_courses(committee(study), PERIOD)
    # c1: 2 enrolments + 2×1 completion + 3.5 hours (3600+1800+7200 s) + rating points (5−3)+(2−3)
    #     + 0.5 × 3 posts on its board = 10.0
    assert first.course.pk == study.c1.pk
    assert (first.enrolments, first.completions, first.hours, first.rating_points, first.discussion) == (
        2,
        1,
        3.5,
        1,
        3,
    )
    assert first.score == 10.0 and first.mean_rating == Decimal("3.5")
    # c2: m1 enrolled on 03-01 and studied 1800 s.
    assert second.course.pk == study.c2.pk and second.score == 1.5


def test_popular_courses_count_only_members_of_the_scope(study):
    (only,) = popular_courses(ReportScope(roots=(study.tree.branch_b1,)), PERIOD)
    # m3 (第三党支部): nothing in 2026 but a reply on c1's board.
    assert (only.course.pk, only.enrolments, only.discussion, only.score) == (study.c1.pk, 0, 1, 0.5)


def table(study, scope=None, **params):
    scope = scope or committee(study)
    params.setdefault("year", "2026")
    filters = table_filters(params, scope, TODAY)
    assert filters.errors == []
    return list(member_rows(scope, filters, TODAY))


def test_the_member_table_has_the_years_figures_of_each_active_member(study):
    rows = {m.real_name: m for m in table(study)}
    assert list(rows) == ["甲", "乙", "丙"]  # by organisation: 第一党总支 (小组, 二支部), then 第二党总支
    got = {
        name: (
            m.assigned,
            m.assigned_completed,
            m.overdue,
            m.hours,
            m.exams_passed,
            m.points_total,
            m.last_active,
        )
        for name, m in rows.items()
    }
    assert got == {
        "甲": (1, 1, 0, Decimal("32.0"), 1, 10, D(2026, 6, 14)),
        "乙": (1, 0, 1, Decimal("1.5"), 0, 0, D(2026, 5, 20)),
        "丙": (1, 0, 1, Decimal("0"), 0, 0, D(2025, 12, 20)),
    }


def test_the_member_table_sorts_by_any_column_both_ways(study):
    assert [m.real_name for m in table(study, sort="-hours")] == ["甲", "乙", "丙"]
    assert [m.real_name for m in table(study, sort="hours")] == ["丙", "乙", "甲"]
    assert [m.real_name for m in table(study, sort="-active")] == ["甲", "乙", "丙"]
    assert [m.real_name for m in table(study, sort="points")][-1] == "甲"


def test_the_member_table_filters(study):
    assert [m.real_name for m in table(study, flag="overdue")] == ["乙", "丙"]
    assert [m.real_name for m in table(study, flag="below")] == ["乙", "丙"]
    assert [m.real_name for m in table(study, flag="inactive")] == ["丙"]
    assert [m.real_name for m in table(study, status=PROBATIONARY)] == ["乙"]
    assert [m.real_name for m in table(study, q="丙")] == ["丙"]
    assert [m.real_name for m in table(study, year="2025")] == ["甲", "乙", "丙"]
    assert {m.real_name: m.hours for m in table(study, year="2025")}["丙"] == Decimal("40.0")


def test_the_member_table_answers_a_page_in_a_fixed_number_of_queries(study, django_assert_max_num_queries):
    from django.core.paginator import Paginator

    scope = committee(study)
    filters = table_filters({"year": "2026", "sort": "-hours"}, scope, TODAY)
    with django_assert_max_num_queries(3):
        page = Paginator(member_rows(scope, filters, TODAY), 50).get_page(1)
        [(m.org_unit.name, m.hours) for m in page]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "不是年份"),
        ({"year": "1999"}, "2000"),
        ({"sort": "password"}, "不能按"),
        ({"status": "boss"}, "政治面貌"),
        ({"flag": "x"}, "筛选"),
    ],
)
def test_bad_table_filters_fall_back_with_a_message(study, params, message):
    filters = table_filters(params, committee(study), TODAY)
    assert any(message in error for error in filters.errors)


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "开始日期晚于结束日期"),
        ({"start": "1900-01-01", "end": "2026-04-01"}, "2000"),
        ({"start": "2026-01-01", "end": "2999-01-01"}, "2000"),
        ({"start": "2026-01-01"}, "开始和结束日期"),
        ({"start": "yesterday", "end": "2026-04-01"}, "不是日期"),
        ({"range": "forever"}, "未知"),
        ({"start": "2001-01-01", "end": "2026-01-01"}, "五年"),
    ],
)
def test_unusable_periods_are_refused_with_a_reason(params, message):
    with pytest.raises(InvalidPeriod, match=message):
        period_from(params, TODAY)


def test_periods_from_presets_and_dates():
    assert period_from({}, TODAY) == Period(D(2026, 1, 1), TODAY, "year")
    assert period_from({"range": "week"}, TODAY) == Period(D(2026, 6, 9), TODAY, "week")
    assert period_from({"range": "last_year"}, TODAY) == Period(D(2025, 1, 1), D(2025, 12, 31), "last_year")
    assert period_from({"start": "2026-02-01", "end": "2026-02-28", "range": "week"}, TODAY) == Period(
        D(2026, 2, 1), D(2026, 2, 28)
    )


# --- the pages: scope, permissions, bad input -------------------------------------------------


@pytest.fixture
def organizer(study):
    """支部管理员 of 第一党支部 only."""
    user = MemberFactory(
        user__roles=[Role.BRANCH_ORGANIZER], org_unit=study.tree.branch_a1, real_name="一支书"
    ).user
    study.tree.branch_a1.managers.add(user)
    client = Client()
    client.force_login(user)
    return client


def test_a_branch_organizer_sees_only_the_members_of_their_branch(organizer, study):
    content = organizer.get(reverse("school_reports:members")).content.decode()
    assert "甲" in content and "一支书" in content
    assert "乙" not in content and "丙" not in content and "丁" not in content


def test_the_dashboard_of_a_branch_organizer_counts_their_branch_only(organizer, study):
    response = organizer.get(reverse("school_reports:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.activity.members == 2  # 甲 and the organizer; 丁 is inactive
    assert board.exams.sittings == 1  # 甲's
    assert [row.member.real_name for row in board.assigned.overdue_rows] == []
    assert [u.unit.name for u in board.units] == ["第一党小组"]


@pytest.mark.parametrize("name", ["school_reports:dashboard", "school_reports:members"])
def test_a_unit_outside_the_organizers_subtree_is_forbidden(organizer, study, name):
    assert organizer.get(reverse(name), {"unit": study.tree.branch_b1.pk}).status_code == 403
    assert organizer.get(reverse(name), {"unit": study.tree.committee.pk}).status_code == 403
    assert organizer.get(reverse(name), {"unit": "not-a-number"}).status_code == 403
    assert organizer.get(reverse(name), {"unit": "999999"}).status_code == 403
    assert organizer.get(reverse(name), {"unit": study.tree.group_a1.pk}).status_code == 200


def test_exporting_a_unit_outside_the_subtree_is_forbidden_and_writes_nothing(organizer, study):
    response = organizer.post(
        reverse("school_reports:member_export"), {"unit": study.tree.branch_b1.pk, "format": "xlsx"}
    )
    assert response.status_code == 403
    assert not ReportExport.objects.exists()


def test_members_and_anonymous_visitors_get_no_statistics(client, study):
    assert client.get(reverse("school_reports:dashboard")).status_code == 302  # to the login
    client.force_login(study.m1.user)  # a learner has no admin access: Wagtail sends them to log in
    for name in ("school_reports:dashboard", "school_reports:members"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_reversed_period_shows_a_message_and_no_figures(system_admin_client, study):
    response = system_admin_client.get(
        reverse("school_reports:dashboard"), {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "开始日期晚于结束日期" in response.content.decode()
    assert "board" not in response.context


def test_the_dashboard_shows_the_figures_and_charts(system_admin_client, study):
    response = system_admin_client.get(reverse("school_reports:dashboard"), {"range": "year"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content and "学习党章" in content
    assert "十大" in content or "最受欢迎" in content


# --- exports ----------------------------------------------------------------------------------


def test_the_excel_export_has_chinese_headers_a_frozen_row_and_the_figures(system_admin_client, study):
    response = system_admin_client.post(
        reverse("school_reports:member_export"), {"format": "xlsx", "year": "2026", "sort": "-hours"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "所属组织",
        "姓名",
        "政治面貌",
        "指派课程",
        "完成指派",
        "学时",
        "通过考试",
        "积分",
        "最近学习",
    )
    assert sheet.freeze_panes == "A2"
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["甲"][3:8] == (1, 1, 32.0, 1, 10)
    assert by_name["甲"][8].date() == D(2026, 6, 14)
    assert sheet.column_dimensions["A"].width >= 20


def test_the_csv_export_opens_in_excel_and_cannot_inject_formulas(system_admin_client, study):
    study.m2.real_name = '=HYPERLINK("http://evil")'
    study.m2.save()
    response = system_admin_client.post(
        reverse("school_reports:member_export"), {"format": "csv", "year": "2026"}
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff所属组织,姓名")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[1] for row in rows if "HYPERLINK" in row[1]] == ['\'=HYPERLINK("http://evil")']


def test_an_export_of_nobody_is_a_valid_file_with_headers(system_admin_client, study):
    response = system_admin_client.post(
        reverse("school_reports:member_export"), {"format": "xlsx", "q": "没有这个人"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "所属组织"


def test_a_large_export_runs_in_the_background_with_progress_and_a_download(
    system_admin, system_admin_client, study, settings, django_capture_on_commit_callbacks
):
    from school.tasks import report_export_build_task

    settings.REPORT_EXPORT_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = system_admin_client.post(reverse("school_reports:member_export"), {"format": "xlsx"})
    export = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "school_reports:export", args=[export.pk]
    )
    assert len(callbacks) == 1
    status = system_admin_client.get(
        reverse("school_reports:export", args=[export.pk]), {"format": "json"}
    ).json()
    assert (status["status"], status["download"]) == ("queued", "")
    report_export_build_task(export_id=export.pk)
    status = system_admin_client.get(
        reverse("school_reports:export", args=[export.pk]), {"format": "json"}
    ).json()
    assert status["status"] == "ready" and status["percent"] == 100 and status["total"] == 4
    download = system_admin_client.get(status["download"])
    content = b"".join(download.streaming_content)
    names = [row[1] for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)][1:]
    assert sorted(names) == sorted(["甲", "乙", "丙", "系统管理员"])


def test_a_background_export_the_broker_cannot_take_fails_with_a_reason(
    system_admin_client, study, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr("celery.app.task.Task.apply_async", refuse)
    settings.REPORT_EXPORT_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = system_admin_client.post(reverse("school_reports:member_export"), {"format": "xlsx"})
    assert response.status_code == 302
    status = system_admin_client.get(response["Location"], {"format": "json"}).json()
    assert status["status"] == "failed"
    assert "后台服务暂时不可用" in ReportExport.objects.get().error


def test_someone_elses_export_does_not_exist_for_you(organizer, system_admin, study):
    export = ReportExport.objects.create(
        requested_by=system_admin, format="xlsx", description="x", status="ready"
    )
    assert organizer.get(reverse("school_reports:export", args=[export.pk])).status_code == 404
    assert organizer.get(reverse("school_reports:download", args=[export.pk])).status_code == 404


def test_an_export_for_someone_who_lost_the_organizer_role_fails_with_a_reason(organizer, study):
    from school.reports.export_jobs import report_export_build

    user = Member.objects.get(real_name="一支书").user
    export = ReportExport.objects.create(requested_by=user, format="csv", description="x")
    study.tree.branch_a1.managers.remove(user)
    user = type(user).objects.get(pk=user.pk)
    export.requested_by = user
    report_export_build(export=export)
    export.refresh_from_db()
    assert export.status == "failed" and "不再管理" in export.error and not export.file


def test_posts_by_inactive_members_or_accounts_without_a_member_are_not_community_activity(study):
    from community.models import Post
    from school.tests.factories import UserFactory

    thread = Post.objects.filter(is_opening=True).get().thread
    for author in (study.m4.user, UserFactory()):
        post = Post.objects.create(thread=thread, author=author, body="<p>旁观</p>")
        Post.objects.filter(pk=post.pk).update(created_at=at(D(2026, 6, 2)))
    everything = ReportScope(roots=(), everything=True)
    assert figures.community(everything, PERIOD).replies == 2
    assert popular_courses(everything, PERIOD)[0].discussion == 3


def test_the_dashboard_keeps_its_figures_for_a_few_minutes(
    system_admin_client, study, django_assert_max_num_queries
):
    from django.core.cache import cache

    url = reverse("school_reports:dashboard")
    first = system_admin_client.get(url, {"start": "2026-01-01", "end": "2026-06-15"})
    with django_assert_max_num_queries(12):  # the session, the user, the unit list: no figure
        again = system_admin_client.get(url, {"start": "2026-01-01", "end": "2026-06-15"})
    assert again.context["board"] == first.context["board"]
    assert "数据统计于" in again.content.decode()
    cache.clear()
    other = system_admin_client.get(url, {"start": "2026-01-01", "end": "2026-06-14"})
    assert other.context["board"].period.end == D(2026, 6, 14)


def test_large_dashboards_are_added_up_ahead_and_served_from_the_cache(
    organizer, system_admin_client, study, monkeypatch, django_assert_max_num_queries
):
    from school.reports import dashboard_cache
    from school.tasks import report_dashboards_warm_task

    monkeypatch.setattr(dashboard_cache, "WARM_MIN_MEMBERS", 3)
    # The whole tree (5 active members) is warmed; 第一党支部 (甲 and the organizer) is too small.
    assert report_dashboards_warm_task() == 1
    with django_assert_max_num_queries(12):  # the session, the user, the unit list: no figure
        response = system_admin_client.get(reverse("school_reports:dashboard"))
    assert response.context["board"].activity.members == 5
    monkeypatch.setattr(dashboard_cache, "WARM_MIN_MEMBERS", 1)
    assert report_dashboards_warm_task() == 2
    with django_assert_max_num_queries(12):
        organizer.get(reverse("school_reports:dashboard"))


def test_exports_older_than_a_week_are_forgotten_with_their_files(system_admin, settings, tmp_path):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from school.tasks import report_exports_forget_old_task

    settings.MEDIA_ROOT = str(tmp_path / "media")
    old, recent = (
        ReportExport.objects.create(requested_by=system_admin, format="csv", description=name, status="ready")
        for name in ("old", "recent")
    )
    for export in (old, recent):
        export.file.save(f"{export.description}.csv", ContentFile(b"x"))
    ReportExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert report_exports_forget_old_task() == 1
    assert list(ReportExport.objects.values_list("description", flat=True)) == ["recent"]
    assert not default_storage.exists(old.file.name) and default_storage.exists(recent.file.name)


def test_cached_figures_are_shown_in_each_readers_language(system_admin, system_admin_client, study):
    from wagtail.users.models import UserProfile

    url = reverse("school_reports:dashboard")
    assert "预备党员" in system_admin_client.get(url).content.decode()  # fills the cache
    profile = UserProfile.get_for_user(system_admin)
    profile.preferred_language = "en"
    profile.save()
    english = system_admin_client.get(url).content.decode()
    assert "Probationary party member" in english and "预备党员" not in english


def test_an_export_the_storage_cannot_take_fails_with_a_reason(system_admin, study, monkeypatch):
    from django.core.files.storage import default_storage

    from school.reports.export_jobs import report_export_build

    def refuse(*args, **kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr(default_storage, "save", refuse)
    export = ReportExport.objects.create(requested_by=system_admin, format="csv", description="x")
    with pytest.raises(OSError):
        report_export_build(export=export)
    export.refresh_from_db()
    assert export.status == "failed" and "导出失败" in export.error and not export.file
