"""Enrolment: members enrol or apply, organizers approve and assign courses to their subtree."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.exceptions import EnrollmentRefused
from courses.models import CourseAssignment, CoursePage, Enrollment
from courses.permissions import can_read
from courses.signals import course_assigned
from school.models import Member, OrgUnit
from school.permissions import can_manage_member, can_manage_org_unit
from school.services.audit import audit_record


def audience_allows(course: CoursePage, member: Member) -> bool:
    return not course.audience_statuses or member.political_status in course.audience_statuses


def enrollment_refusal(*, member: Member, course: CoursePage) -> str | None:
    """Why ``member`` may not enrol in ``course`` themselves now, or None."""
    if not member.is_active or not can_read(member.user, course):
        return _("You may not study this course.")
    status = course.status()
    if status == CoursePage.Status.UPCOMING:
        return _("This course opens on %(date)s.") % {"date": course.opens_on}
    if status == CoursePage.Status.CLOSED:
        return _("This course has closed.")
    if course.enrollment_mode == CoursePage.EnrollmentMode.ASSIGNED:
        return _("Your party organisation assigns this course; you cannot enrol yourself.")
    if not audience_allows(course, member):
        return _("This course is for members of another political status.")
    return None


@transaction.atomic
def enrollment_create(*, member: Member, course: CoursePage) -> Enrollment:
    """Enrol (open courses) or apply (by approval); calling it again changes nothing.

    A rejected application may be made again. Not durable: starting to study enrols in passing.
    """
    existing = Enrollment.objects.select_for_update().filter(member=member, course=course).first()
    if existing is not None and existing.status != Enrollment.Status.REJECTED:
        return existing
    refusal = enrollment_refusal(member=member, course=course)
    if refusal:
        raise EnrollmentRefused(refusal)
    by_approval = course.enrollment_mode == CoursePage.EnrollmentMode.APPROVAL
    enrollment = existing or Enrollment(member=member, course=course)
    enrollment.status = Enrollment.Status.PENDING if by_approval else Enrollment.Status.ACTIVE
    enrollment.source = Enrollment.Source.APPLIED if by_approval else Enrollment.Source.SELF
    enrollment.created_at = timezone.now()
    enrollment.decided_at = enrollment.decided_by = None
    enrollment.save()
    return enrollment


@transaction.atomic(durable=True)
def enrollment_decide(*, acting_user: Any, enrollment: Enrollment, approve: bool) -> Enrollment:
    """Approve or reject an application; only organizers of the member's unit may."""
    enrollment = Enrollment.objects.select_for_update().select_related("member").get(pk=enrollment.pk)
    if not can_manage_member(acting_user, enrollment.member):
        raise PermissionDenied(_("You may only decide on applications of members you manage."))
    if enrollment.status != Enrollment.Status.PENDING:
        raise EnrollmentRefused(_("This application has already been decided."))
    enrollment.status = Enrollment.Status.ACTIVE if approve else Enrollment.Status.REJECTED
    enrollment.decided_at = timezone.now()
    enrollment.decided_by = acting_user
    enrollment.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=acting_user,
        action="enrollment.approved" if approve else "enrollment.rejected",
        target=enrollment,
        course_id=enrollment.course_id,
    )
    return enrollment


def assignable_members(*, org_unit: OrgUnit, political_statuses: Iterable[str]):
    members = Member.objects.active().in_subtree(org_unit)
    statuses = list(political_statuses)
    return members.filter(political_status__in=statuses) if statuses else members


@transaction.atomic(durable=True)
def course_assign(
    *,
    acting_user: Any,
    course: CoursePage,
    title: str,
    org_unit: OrgUnit,
    political_statuses: list[str],
    deadline: datetime.date,
) -> CourseAssignment:
    """Assign ``course`` to the active members of a subtree (of the given statuses) by ``deadline``.

    Members already studying it keep their progress and get the class's deadline; a completed
    course stays completed.
    """
    if not can_manage_org_unit(acting_user, org_unit):
        raise PermissionDenied(_("You may only assign courses within the organisations you manage."))
    if not course.live:
        raise EnrollmentRefused(_("Only a published course can be assigned."))
    if deadline < timezone.localdate():
        raise EnrollmentRefused(_("The deadline has already passed."))
    assignment = CourseAssignment.objects.create(
        title=title,
        course=course,
        org_unit=org_unit,
        political_statuses=political_statuses,
        deadline=deadline,
        created_by=acting_user,
    )
    members = assignable_members(org_unit=org_unit, political_statuses=political_statuses)
    Enrollment.objects.bulk_create(
        [
            Enrollment(member_id=pk, course=course, source=Enrollment.Source.ASSIGNED)
            for pk in members.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
    roster = Enrollment.objects.filter(course=course, member__in=members)
    roster.exclude(status=Enrollment.Status.COMPLETED).update(
        status=Enrollment.Status.ACTIVE, source=Enrollment.Source.ASSIGNED
    )
    roster.update(assignment=assignment, deadline=deadline)
    audit_record(
        actor=acting_user,
        action="course.assigned",
        target=assignment,
        course_id=course.pk,
        org_unit_id=org_unit.pk,
        political_statuses=political_statuses,
        deadline=deadline.isoformat(),
        members=roster.count(),
    )
    course_assigned.send(sender=CourseAssignment, assignment=assignment)
    return assignment
