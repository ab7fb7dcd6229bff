"""Offline study and the credit hours tiers: attendees earn hours once; courses without set hours
add up their lessons by the tiers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from courses.exceptions import EnrollmentRefused
from courses.models import CreditHourEntry, CreditTier, OfflineStudy, hours_for_minutes
from courses.services.offline import offline_study_record
from courses.tests import factories
from school.models import AuditLog
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for

pytestmark = pytest.mark.django_db

HELD = datetime.date(2026, 11, 2)


@pytest.mark.parametrize("minutes, hours", [(10, "0"), (15, "0.5"), (29, "0.5"), (30, "1.0"), (120, "1.0")])
def test_the_default_tiers(minutes, hours):
    assert hours_for_minutes(minutes) == Decimal(hours)


def test_a_course_without_set_hours_adds_up_its_lessons_by_the_tiers():
    CreditTier.objects.create(min_minutes=60, hours=Decimal("2"))
    course = factories.course("按课节计学时", credit_hours=None)
    for minutes in (20, 45, 90, 5):
        factories.lesson(course, f"{minutes}分钟", estimated_minutes=minutes)
    assert course.effective_credit_hours() == Decimal("3.5")  # 0.5 + 1 + 2 + 0


def record(acting_user, unit, attendees, **overrides):
    values = {
        "acting_user": acting_user,
        "kind": OfflineStudy.Kind.PARTY_LESSON,
        "title": "学习二十大精神专题党课",
        "org_unit": unit,
        "held_on": HELD,
        "minutes": 45,
        "attendees": attendees,
    } | overrides
    return offline_study_record(**values)


def test_recording_a_party_lesson_gives_each_attendee_the_tier_hours(organizer_a1, member_a1, org_tree):
    study = record(organizer_a1, org_tree.branch_a1, [member_a1])
    entry = CreditHourEntry.objects.get(member=member_a1)
    assert (entry.kind, entry.hours, entry.earned_on, entry.offline) == (
        "offline",
        Decimal("1.0"),
        HELD,
        study,
    )
    assert "党课" in entry.title
    assert AuditLog.objects.filter(action="offline_study.recorded", data__attendees=1).exists()


def test_hours_given_by_the_organizer_replace_the_tiers(organizer_a1, member_a1, org_tree):
    record(organizer_a1, org_tree.branch_a1, [member_a1], hours=Decimal("4"))
    assert CreditHourEntry.objects.get(member=member_a1).hours == Decimal("4")


def test_an_organizer_cannot_record_for_another_branch(organizer_a1, member_a2, org_tree):
    with pytest.raises(PermissionDenied):
        record(organizer_a1, org_tree.branch_a2, [member_a2])
    assert not CreditHourEntry.objects.exists()


def test_attendees_from_outside_the_unit_are_refused(organizer_a1, member_a1, member_a2, org_tree):
    with pytest.raises(EnrollmentRefused, match="乙学员"):
        record(organizer_a1, org_tree.branch_a1, [member_a1, member_a2])
    assert not OfflineStudy.objects.exists() and not CreditHourEntry.objects.exists()


def test_a_session_in_the_future_is_refused(organizer_a1, member_a1, org_tree):
    with pytest.raises(EnrollmentRefused):
        record(organizer_a1, org_tree.branch_a1, [member_a1], held_on=datetime.date(2099, 1, 1))


def form_data(unit, attendance: str, **overrides):
    return {
        "kind": "party_lesson",
        "title": "专题党课",
        "org_unit": unit.pk,
        "held_on": HELD.isoformat(),
        "minutes": "40",
        "attendance": attendance,
    } | overrides


def test_the_attendance_list_takes_names_and_phones(organizer_a1, member_a1, org_tree):
    other = MemberFactory(org_unit=org_tree.branch_a1, real_name="丙学员", phone="13900000001")
    client = client_for(organizer_a1)
    response = client.post(
        reverse("offline_study:create"), form_data(org_tree.branch_a1, "甲学员、13900000001")
    )
    assert response.status_code == 302
    assert set(CreditHourEntry.objects.values_list("member", flat=True)) == {member_a1.pk, other.pk}


def test_unknown_and_ambiguous_names_are_listed_and_nothing_is_saved(organizer_a1, member_a1, org_tree):
    MemberFactory(org_unit=org_tree.branch_a1, real_name="重名")
    MemberFactory(org_unit=org_tree.group_a1, real_name="重名")
    response = client_for(organizer_a1).post(
        reverse("offline_study:create"), form_data(org_tree.branch_a1, "甲学员\n重名\n查无此人")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "查无此人" in html and "重名" in html
    assert not CreditHourEntry.objects.exists()


def test_the_hours_appear_in_the_members_learning_record(organizer_a1, learner, member_a1, org_tree):
    record(organizer_a1, org_tree.branch_a1, [member_a1])
    response = client_for(learner).get(reverse("learning_record"), {"year": HELD.year})
    assert "学习二十大精神专题党课" in response.content.decode()
