"""A small study history whose every report figure can be worked out by hand (test_reports.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from courses.models import CourseRating, CreditHourEntry, Enrollment, StudyDay
from courses.tests import factories as course_factories
from exams.models import Attempt, ExamResult
from exams.tests import factories as exam_factories
from school.models import Member, PointEntry
from school.tests.factories import MemberFactory

FULL, PROBATIONARY, ACTIVIST = (
    Member.PoliticalStatus.FULL_MEMBER,
    Member.PoliticalStatus.PROBATIONARY,
    Member.PoliticalStatus.ACTIVIST,
)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


D = datetime.date


@dataclass
class Study:
    tree: object
    m1: Member
    m2: Member
    m3: Member
    m4: Member
    c1: object
    c2: object


def enrol(member, course, *, source, created, status=Enrollment.Status.ACTIVE, completed=None, deadline=None):
    return Enrollment.objects.create(
        member=member,
        course=course,
        source=source,
        status=status,
        created_at=at(created),
        completed_at=at(completed) if completed else None,
        deadline=deadline,
    )


def sitting(exam, member, submitted: datetime.date, number: int = 1) -> None:
    Attempt.objects.create(
        exam=exam,
        member=member,
        number=number,
        state=Attempt.State.SUBMITTED,
        started_at=at(submitted, 9),
        deadline=at(submitted, 11),
        submitted_at=at(submitted),
    )


def build_study(org_tree) -> Study:
    """The known data set of the report tests (see test_reports.py for the figures it gives)."""
    from community.models import Board, Post, StudyNote, Thread
    from community.tests import factories as community_factories

    m1 = MemberFactory(org_unit=org_tree.group_a1, real_name="甲", political_status=FULL)
    m2 = MemberFactory(org_unit=org_tree.branch_a2, real_name="乙", political_status=PROBATIONARY)
    m3 = MemberFactory(org_unit=org_tree.branch_b1, real_name="丙", political_status=ACTIVIST)
    m4 = MemberFactory(org_unit=org_tree.branch_a1, real_name="丁", political_status=FULL, is_active=False)
    c1 = course_factories.course("学习党章", credit_hours=Decimal("2.0"))
    c2 = course_factories.course("党史专题", credit_hours=Decimal("1.5"))
    assigned, own = Enrollment.Source.ASSIGNED, Enrollment.Source.SELF
    enrol(m1, c1, source=assigned, created=D(2026, 2, 1), status="completed", completed=D(2026, 3, 10))
    enrol(m1, c2, source=own, created=D(2026, 3, 1))
    enrol(m2, c1, source=assigned, created=D(2026, 2, 1), deadline=D(2026, 5, 1))  # overdue
    enrol(m3, c1, source=assigned, created=D(2025, 12, 1), deadline=D(2026, 1, 31))  # overdue, before
    enrol(m4, c1, source=assigned, created=D(2026, 2, 1), deadline=D(2026, 5, 1))  # inactive member
    for member, course, day, seconds in [
        (m1, c1, D(2026, 6, 10), 3600),
        (m1, c1, D(2026, 3, 9), 1800),
        (m1, c2, D(2026, 6, 14), 1800),
        (m2, c1, D(2026, 5, 20), 7200),
        (m3, c1, D(2025, 12, 20), 3600),
        (m4, c1, D(2026, 6, 12), 999),
    ]:
        StudyDay.objects.create(member=member, course=course, day=day, seconds=seconds)
    for member, course, hours, day in [
        (m1, c1, "2.0", D(2026, 3, 10)),
        (m1, c2, "30.0", D(2026, 4, 1)),
        (m2, c1, "1.5", D(2026, 2, 1)),
        (m3, c1, "40.0", D(2025, 11, 1)),
    ]:
        CreditHourEntry.objects.create(
            member=member,
            kind="course",
            course=course,
            title=course.title,
            hours=Decimal(hours),
            earned_on=day,
        )
    exam = exam_factories.exam(org_tree.committee)
    sitting(exam, m1, D(2026, 4, 1))
    sitting(exam, m2, D(2026, 5, 2))
    sitting(exam, m2, D(2026, 5, 3), number=2)
    sitting(exam, m3, D(2025, 12, 15))
    ExamResult.objects.create(
        exam=exam, member=m1, attempts=1, percent=85, passed=True, passed_at=at(D(2026, 4, 1))
    )
    ExamResult.objects.create(exam=exam, member=m2, attempts=2, percent=40, passed=False)
    ExamResult.objects.create(
        exam=exam, member=m3, attempts=1, percent=90, passed=True, passed_at=at(D(2025, 12, 15))
    )
    for member, score, day in [(m1, 5, D(2026, 3, 11)), (m2, 2, D(2026, 5, 21)), (m3, 4, D(2025, 12, 30))]:
        rating = CourseRating.objects.create(member=member, course=c1, score=score)
        CourseRating.objects.filter(pk=rating.pk).update(created_at=at(day))
    board = Board.objects.create(kind=Board.Kind.COURSE, title=c1.title, page=c1)
    thread = community_factories.thread(board, m1.user)
    community_factories.reply(thread, m2.user)
    community_factories.reply(thread, m3.user)
    community_factories.note(m1.user)
    Thread.objects.update(created_at=at(D(2026, 6, 1)))
    Post.objects.update(created_at=at(D(2026, 6, 2)))
    StudyNote.objects.update(created_at=at(D(2026, 6, 3)))
    PointEntry.objects.all().delete()  # the posts above earned points today: only these count here
    PointEntry.objects.create(member=m1, rule="lesson_completed", day=D(2026, 3, 10), points=10)
    PointEntry.objects.create(member=m1, rule="course_completed", day=D(2025, 12, 1), points=5)
    return Study(org_tree, m1, m2, m3, m4, c1, c2)
