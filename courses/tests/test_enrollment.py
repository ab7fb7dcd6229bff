"""Enrolment services: self-enrolment, applications and their approval, 专题班 assignments."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from courses.exceptions import EnrollmentRefused
from courses.models import CourseAssignment, CoursePage, Enrollment
from courses.services.enrollment import course_assign, enrollment_create, enrollment_decide
from courses.tests import factories
from school.models import AuditLog, Member
from school.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def assign(acting_user, course, unit, statuses=(), deadline=NEXT_MONTH) -> CourseAssignment:
    return course_assign(
        acting_user=acting_user,
        course=course,
        title="第二期专题班",
        org_unit=unit,
        political_statuses=list(statuses),
        deadline=deadline,
    )


def test_enrolling_twice_changes_nothing(member_a1):
    course = factories.course()
    first = enrollment_create(member=member_a1, course=course)
    assert enrollment_create(member=member_a1, course=course).pk == first.pk
    assert Enrollment.objects.count() == 1


def test_a_course_for_full_members_refuses_an_activist(org_tree):
    course = factories.course(audience_statuses=[Member.PoliticalStatus.FULL_MEMBER])
    activist = MemberFactory(org_unit=org_tree.branch_a1, political_status=Member.PoliticalStatus.ACTIVIST)
    with pytest.raises(EnrollmentRefused):
        enrollment_create(member=activist, course=course)


def test_an_upcoming_course_cannot_be_enrolled_yet(member_a1):
    course = factories.course(opens_on=timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(EnrollmentRefused, match="开放"):
        enrollment_create(member=member_a1, course=course)


def test_an_organizer_approves_an_application_of_their_branch(organizer_a1, member_a1):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    application = enrollment_create(member=member_a1, course=course)
    decided = enrollment_decide(acting_user=organizer_a1, enrollment=application, approve=True)
    assert (decided.status, decided.decided_by) == ("active", organizer_a1)
    assert AuditLog.objects.filter(action="enrollment.approved", target_id=str(application.pk)).exists()


def test_an_organizer_cannot_decide_on_another_branchs_application(organizer_a1, member_a2):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    application = enrollment_create(member=member_a2, course=course)
    with pytest.raises(PermissionDenied):
        enrollment_decide(acting_user=organizer_a1, enrollment=application, approve=True)
    application.refresh_from_db()
    assert application.status == "pending"


def test_a_rejected_member_may_apply_again(organizer_a1, member_a1):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    application = enrollment_create(member=member_a1, course=course)
    enrollment_decide(acting_user=organizer_a1, enrollment=application, approve=False)
    assert enrollment_create(member=member_a1, course=course).status == "pending"


def test_a_decision_is_made_once(organizer_a1, member_a1):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    application = enrollment_create(member=member_a1, course=course)
    enrollment_decide(acting_user=organizer_a1, enrollment=application, approve=True)
    with pytest.raises(EnrollmentRefused):
        enrollment_decide(acting_user=organizer_a1, enrollment=application, approve=False)


def test_assigning_enrols_the_active_members_of_the_subtree_with_the_deadline(
    organizer_a1, member_a1, org_tree
):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.ASSIGNED)
    inactive = MemberFactory(org_unit=org_tree.branch_a1, is_active=False)
    outsider = MemberFactory(org_unit=org_tree.branch_a2)
    assignment = assign(organizer_a1, course, org_tree.branch_a1)
    roster = Enrollment.objects.filter(assignment=assignment)
    assert set(roster.values_list("member__real_name", flat=True)) == {"甲学员", "一支书"}
    assert not roster.filter(member__in=[inactive, outsider]).exists()
    assert set(roster.values_list("deadline", "source", "status")) == {(NEXT_MONTH, "assigned", "active")}
    assert AuditLog.objects.filter(action="course.assigned", data__members=2).exists()


def test_assigning_by_political_status_leaves_the_others_out(organizer_a1, org_tree):
    course = factories.course()
    full = MemberFactory(org_unit=org_tree.branch_a1, political_status=Member.PoliticalStatus.FULL_MEMBER)
    activist = MemberFactory(org_unit=org_tree.branch_a1, political_status=Member.PoliticalStatus.ACTIVIST)
    assignment = assign(organizer_a1, course, org_tree.branch_a1, [Member.PoliticalStatus.FULL_MEMBER])
    roster = Member.objects.filter(enrollments__assignment=assignment)
    assert full in roster and activist not in roster
    assert set(roster.values_list("political_status", flat=True)) == {Member.PoliticalStatus.FULL_MEMBER}


def test_assigning_keeps_a_completed_course_completed(organizer_a1, member_a1, org_tree):
    course = factories.course()
    Enrollment.objects.create(member=member_a1, course=course, status="completed")
    assign(organizer_a1, course, org_tree.branch_a1)
    assert Enrollment.objects.get(member=member_a1, course=course).status == "completed"


def test_assigning_turns_a_waiting_application_into_an_assignment(organizer_a1, member_a1, org_tree):
    course = factories.course(enrollment_mode=CoursePage.EnrollmentMode.APPROVAL)
    enrollment_create(member=member_a1, course=course)
    assign(organizer_a1, course, org_tree.branch_a1)
    enrollment = Enrollment.objects.get(member=member_a1, course=course)
    assert (enrollment.status, enrollment.source) == ("active", "assigned")


def test_an_organizer_cannot_assign_outside_their_subtree(organizer_a1, org_tree):
    with pytest.raises(PermissionDenied):
        assign(organizer_a1, factories.course(), org_tree.branch_a2)
    assert not CourseAssignment.objects.exists() and not Enrollment.objects.exists()


def test_a_deadline_in_the_past_is_refused(organizer_a1, org_tree):
    with pytest.raises(EnrollmentRefused):
        assign(organizer_a1, factories.course(), org_tree.branch_a1, deadline=datetime.date(2020, 1, 1))
    assert not CourseAssignment.objects.exists()
