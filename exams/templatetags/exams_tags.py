"""Exam results and certificates inside 我的学习 and 学习档案, without those apps importing exams."""

from __future__ import annotations

from django import template
from django.utils import timezone

from exams.models import Exam
from exams.selectors import my_certificates, my_results
from school.models import Member

register = template.Library()


def _score_shown(exam: Exam, now) -> bool:
    return exam.review_score == Exam.Review.IMMEDIATELY or (
        exam.review_score == Exam.Review.AFTER_CLOSE and exam.has_closed(now)
    )


@register.inclusion_tag("exams/includes/exam_record.html")
def exam_record(member: Member | None, limit: int | None = None) -> dict:
    if member is None:
        return {"results": [], "certificates": []}
    now = timezone.now()
    results = list(my_results(member)[:limit] if limit else my_results(member))
    return {
        "results": [(r, _score_shown(r.exam, now)) for r in results],
        "certificates": list(my_certificates(member)),
    }
