"""学习管理 in the admin: organizers assign courses to their subtree and decide applications."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseAssignment, CoursePage, Enrollment
from courses.services.enrollment import course_assign, enrollment_create
from courses.tests import factories
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def form_data(course, unit, **overrides):
    return {
        "title": "第二期专题班",
        "course": course.pk,
        "org_unit": unit.pk,
        "deadline": NEXT_MONTH.isoformat(),
        "political_statuses": [],
    } | overrides


def test_an_organizer_assigns_a_course_to_their_branch(organizer_a1, member_a1, org_tree):
    course = factories.course("学习党章")
    client = client_for(organizer_a1)
    data = form_data(course, org_tree.branch_a1)
    response = client.post(reverse("course_assignments:create"), data, follow=True)
    assignment = CourseAssignment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("course_assignments:detail", args=[assignment.pk])
    html = response.content.decode()
    assert "甲学员" in html and "已指派给 2 名学员" in html
    listing = client.get(reverse("course_assignments:index")).content.decode()
    assert "第二期专题班" in listing and "<td>2</td>" in listing  # two members on the roster


def test_the_form_offers_only_the_organizers_own_units(organizer_a1, org_tree):
    form = client_for(organizer_a1).get(reverse("course_assignments:create")).context["form"]
    assert set(form.fields["org_unit"].queryset) == {org_tree.branch_a1, org_tree.group_a1}


def test_assigning_to_another_branch_by_id_is_refused(organizer_a1, org_tree):
    course = factories.course("学习党章")
    response = client_for(organizer_a1).post(
        reverse("course_assignments:create"), form_data(course, org_tree.branch_a2)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["org_unit"]
    assert not Enrollment.objects.exists()


def test_a_past_deadline_is_a_form_error(organizer_a1, org_tree):
    course = factories.course("学习党章")
    response = client_for(organizer_a1).post(
        reverse("course_assignments:create"), form_data(course, org_tree.branch_a1, deadline="2020-01-01")
    )
    assert "截止日期已过" in response.content.decode()
    assert not CourseAssignment.objects.exists()


def test_another_branchs_roster_is_not_found(organizer_a1, system_admin, org_tree):
    assignment = course_assign(
        acting_user=system_admin,
        course=factories.course(),
        title="二支部专题班",
        org_unit=org_tree.branch_a2,
        political_statuses=[],
        deadline=NEXT_MONTH,
    )
    client = client_for(organizer_a1)
    assert client.get(reverse("course_assignments:detail", args=[assignment.pk])).status_code == 404
    assert "二支部专题班" not in client.get(reverse("course_assignments:index")).content.decode()


def test_members_cannot_open_study_management(learner):
    response = client_for(learner).get(reverse("course_assignments:index"))
    assert response.status_code in (302, 403)


def test_an_organizer_approves_an_application_from_the_queue(organizer_a1, member_a1, member_a2):
    course = factories.course("审批课程", enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    mine = enrollment_create(member=member_a1, course=course)
    theirs = enrollment_create(member=member_a2, course=course)
    client = client_for(organizer_a1)
    listed = client.get(reverse("course_applications:index")).context["page"]
    assert list(listed) == [mine]
    client.post(reverse("course_applications:decide", args=[mine.pk]), {"decision": "approve"})
    mine.refresh_from_db()
    assert mine.status == "active"
    response = client.post(reverse("course_applications:decide", args=[theirs.pk]), {"decision": "approve"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_a_decision_needs_a_post(organizer_a1, member_a1):
    course = factories.course("审批课程", enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    application = enrollment_create(member=member_a1, course=course)
    url = reverse("course_applications:decide", args=[application.pk])
    assert client_for(organizer_a1).get(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    ["/admin/settings/courses/studysettings/", "/admin/credit_tiers/", "/admin/point_rules/"],
    ids=["study rules", "credit hours tiers", "points rules"],
)
def test_system_administrators_edit_the_study_rules(system_admin, url):
    assert client_for(system_admin).get(url, follow=True).status_code == 200


@pytest.mark.parametrize("url", ["/admin/settings/courses/studysettings/", "/admin/point_rules/"])
def test_organizers_cannot_change_the_study_rules(organizer_a1, url):
    response = client_for(organizer_a1).get(url)
    assert response.status_code in (302, 403)


def test_nobody_adds_or_deletes_a_points_rule(system_admin):
    from school.models import PointRule

    client = client_for(system_admin)
    assert client.get("/admin/point_rules/new/").status_code in (302, 403)
    rule = PointRule.objects.first()
    response = client.post(
        f"/admin/point_rules/edit/{rule.pk}/", {"points": 7, "daily_cap": 3, "is_active": "on"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.daily_cap) == (7, 3)


def test_the_assignment_listing_counts_rosters_without_a_query_per_class(organizer_a1, org_tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("course_assignments:index"))
        return len(context.captured_queries)

    client = client_for(organizer_a1)
    course = factories.course("学习党章")
    course_assign(
        acting_user=organizer_a1,
        course=course,
        title="第一期",
        org_unit=org_tree.branch_a1,
        political_statuses=[],
        deadline=NEXT_MONTH,
    )
    one = queries()
    for n in range(2, 6):
        course_assign(
            acting_user=organizer_a1,
            course=course,
            title=f"第{n}期",
            org_unit=org_tree.branch_a1,
            political_statuses=[],
            deadline=NEXT_MONTH,
        )
    assert queries() == one
