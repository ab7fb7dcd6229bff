"""The demo exams: created once, drawable, and the graduation exam is open to the whole committee."""

from __future__ import annotations

from exams.demo import exams_demo_load
from exams.models import Exam, Question
from exams.services.attempts import exam_refusal
from exams.services.layout import layout_draw


def test_demo_exams_are_created_once_and_can_be_sat(org_tree, member_a1):
    assert exams_demo_load(instructor=None, committee=org_tree.committee) == 1  # no demo course here
    assert exams_demo_load(instructor=None, committee=org_tree.committee) == 0
    exam = Exam.objects.get(is_graduation=True)
    assert len(layout_draw(exam)) == Question.objects.count() == 7
    assert exam_refusal(exam, member_a1) is None
