"""Exam results and certificates inside 我的学习 and 学习档案, without those apps importing exams."""

from __future__ import annotations

from django import template
from django.utils import timezone

from exams.review import score_visible
from exams.selectors import my_certificates, my_results
from school.models import Member

register = template.Library()


@register.inclusion_tag("exams/includes/exam_record.html")
def exam_record(member: Member | None, limit: int | None = None) -> dict:
    if member is None:
        return {"results": [], "certificates": []}
    now = timezone.now()
    results = list(my_results(member)[:limit] if limit else my_results(member))
    return {
        "results": [(r, score_visible(r.exam, now=now)) for r in results],
        "certificates": list(my_certificates(member)),
    }
