"""Reads for members' exam pages and learning records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from courses.permissions import path_prefixes
from exams.models import Attempt, Certificate, Exam, ExamResult
from exams.review import score_visible
from school.models import Member


def exams_for(member: Member) -> QuerySet[Exam]:
    """Published exams whose audience includes the member's unit (political statuses checked by caller)."""
    return Exam.objects.published().filter(org_unit__path__in=path_prefixes(member.org_unit.path))


def in_audience(exam: Exam, member: Member) -> bool:
    """The member is in the exam's org subtree and of one of its political statuses (if it names any)."""
    in_unit = member.org_unit.path.startswith(exam.org_unit.path)
    return in_unit and (not exam.political_statuses or member.political_status in exam.political_statuses)


def exam_visible_to(exam: Exam, member: Member) -> bool:
    return exam.status == Exam.Status.PUBLISHED and in_audience(exam, member)


@dataclass
class ExamRow:
    exam: Exam
    result: ExamResult | None
    open_attempt: Attempt | None
    state: str  # "open", "upcoming", "closed"
    score_shown: bool = False


def my_exams(member: Member) -> list[ExamRow]:
    now = timezone.now()
    exams = [
        e
        for e in exams_for(member).select_related("course").order_by("closes_at")
        if exam_visible_to(e, member)
    ]
    results = {r.exam_id: r for r in ExamResult.objects.filter(member=member, exam__in=exams)}
    open_attempts = {
        a.exam_id: a
        for a in Attempt.objects.filter(member=member, exam__in=exams, state=Attempt.State.IN_PROGRESS)
    }
    rows = []
    for exam in exams:
        state = "upcoming" if now < exam.opens_at else "closed" if exam.has_closed(now) else "open"
        rows.append(
            ExamRow(
                exam, results.get(exam.pk), open_attempts.get(exam.pk), state, score_visible(exam, now=now)
            )
        )
    order = {"open": 0, "upcoming": 1, "closed": 2}
    return sorted(rows, key=lambda row: order[row.state])


def my_certificates(member: Member) -> QuerySet[Certificate]:
    return Certificate.objects.filter(member=member).order_by("-issued_on", "-pk")


def my_results(member: Member) -> QuerySet[ExamResult]:
    return (
        ExamResult.objects.filter(member=member, attempts__gt=0)
        .select_related("exam")
        .order_by("-updated_at")
    )
