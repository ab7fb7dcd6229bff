"""What a result sets off: essay grading, passing, points, certificates, and course completion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import CreditHourEntry, Enrollment, LessonProgress
from courses.services.enrollment import enrollment_create
from courses.services.progress import course_completion_check, course_is_done
from courses.tests import factories as course_factories
from exams.exceptions import ExamError, NotEligible
from exams.models import Attempt, AttemptAnswer, Certificate, ExamResult
from exams.services.attempts import attempt_open_window, attempt_start, attempt_submit
from exams.services.results import answer_grade
from exams.tests import factories
from school.models import PointEntry


def sit(exam, member, answers: dict) -> Attempt:
    attempt = attempt_start(exam=exam, member=member)
    return attempt_submit(
        attempt=attempt, writer=attempt_open_window(attempt=attempt), seq=1, answers=answers
    )


@pytest.fixture
def studied_course(member_a1):
    """A course whose only lesson the member has completed."""
    course = course_factories.course("党章学习", credit_hours=Decimal("3"))
    lesson = course_factories.lesson(course)
    enrollment_create(member=member_a1, course=course)
    LessonProgress.objects.create(member=member_a1, lesson=lesson, completed_at=timezone.now())
    return course


def test_an_essay_leaves_the_attempt_waiting_until_it_is_graded(org_tree, bank, member_a1, instructor):
    exam = factories.exam(org_tree.committee, questions=[bank.single, bank.essay], pass_percent=50)
    attempt = sit(exam, member_a1, {"0": [1], "1": "我的体会"})  # single choice wrong
    assert attempt.needs_grading and attempt.passed is None
    assert not ExamResult.objects.get(exam=exam, member=member_a1).passed
    essay = AttemptAnswer.objects.get(attempt=attempt, position=1)
    answer_grade(answer=essay, mark=Decimal("8"), comment="联系实际较好", acting_user=instructor)
    attempt.refresh_from_db()
    assert (attempt.needs_grading, attempt.score, attempt.passed) == (False, Decimal("8.00"), True)
    assert ExamResult.objects.get(exam=exam, member=member_a1).passed


@pytest.mark.parametrize("mark", [Decimal("-1"), Decimal("10.5")])
def test_a_mark_outside_the_question_marks_is_refused(org_tree, bank, member_a1, instructor, mark):
    exam = factories.exam(org_tree.committee, questions=[bank.essay])
    attempt = sit(exam, member_a1, {"0": "体会"})
    with pytest.raises(ExamError):
        answer_grade(answer=attempt.answers.get(), mark=mark, acting_user=instructor)
    assert attempt.answers.get().mark is None


def test_passing_awards_exam_points_once(org_tree, bank, member_a1):
    exam = factories.exam(org_tree.committee, questions=bank.objective, attempts_allowed=0)
    right = {"0": [0], "1": [0, 1, 2], "2": True, "3": ["全国代表大会"]}
    sit(exam, member_a1, right)
    sit(exam, member_a1, right)
    assert PointEntry.objects.filter(member=member_a1, rule="exam_passed").count() == 1


def test_passing_a_graduation_exam_issues_one_certificate(org_tree, bank, member_a1):
    exam = factories.exam(
        org_tree.committee,
        questions=bank.objective,
        is_graduation=True,
        class_name="培训班",
        attempts_allowed=0,
    )
    sit(exam, member_a1, {"0": [0], "1": [0, 1, 2], "2": True})
    sit(exam, member_a1, {"0": [0], "1": [0, 1, 2], "2": True, "3": ["全国代表大会"]})
    certificate = Certificate.objects.get(member=member_a1)
    assert certificate.subject == "培训班" and certificate.exam == exam


def test_failing_issues_no_certificate(org_tree, bank, member_a1):
    exam = factories.exam(org_tree.committee, questions=bank.objective, is_graduation=True)
    sit(exam, member_a1, {"0": [1]})
    assert not Certificate.objects.exists()


def test_a_course_with_a_graduation_exam_completes_only_once_it_is_passed(
    org_tree, bank, member_a1, studied_course
):
    exam = factories.exam(
        org_tree.committee, questions=[bank.truefalse], course=studied_course, is_graduation=True
    )
    assert not course_is_done(member_a1, studied_course)
    sit(exam, member_a1, {"0": True})
    enrollment = Enrollment.objects.get(member=member_a1, course=studied_course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert CreditHourEntry.objects.get(member=member_a1, course=studied_course).hours == Decimal("3")


def test_an_exam_requiring_the_lessons_refuses_members_who_have_not_finished(org_tree, bank, member_a1):
    course = course_factories.course("未学完的课程")
    course_factories.lesson(course)
    enrollment_create(member=member_a1, course=course)
    exam = factories.exam(
        org_tree.committee, questions=[bank.truefalse], course=course, require_lessons_complete=True
    )
    with pytest.raises(NotEligible):
        attempt_start(exam=exam, member=member_a1)


def test_a_course_exam_needs_an_enrolment(org_tree, bank, member_a1):
    course = course_factories.course("没报名的课程")
    exam = factories.exam(org_tree.committee, questions=[bank.truefalse], course=course)
    with pytest.raises(NotEligible):
        attempt_start(exam=exam, member=member_a1)


def test_a_course_that_certifies_completion_issues_a_certificate_when_completed(member_a1, studied_course):
    studied_course.certificate_on_completion = True
    studied_course.save_revision().publish()
    assert course_completion_check(member=member_a1, course=studied_course)
    certificate = Certificate.objects.get(member=member_a1)
    assert (certificate.course_id, certificate.exam_id) == (studied_course.pk, None)
    assert (certificate.subject, certificate.credit_hours) == ("党章学习", Decimal("3.0"))


def test_a_course_without_the_setting_issues_no_certificate(member_a1, studied_course):
    assert course_completion_check(member=member_a1, course=studied_course)
    assert not Certificate.objects.exists()


def test_last_attempt_grading_gives_no_result_while_the_last_attempt_waits_for_a_grader(
    org_tree, bank, member_a1, instructor
):
    exam = factories.exam(
        org_tree.committee, questions=[bank.truefalse, bank.essay], attempts_allowed=0, grading_method="last"
    )
    sit(exam, member_a1, {"0": False})  # graded: 0 %
    waiting = sit(exam, member_a1, {"0": True, "1": "体会"})
    result = ExamResult.objects.get(exam=exam, member=member_a1)
    assert result.percent is None and not result.passed
    answer_grade(answer=waiting.answers.get(position=1), mark=Decimal("10"), acting_user=instructor)
    assert ExamResult.objects.get(exam=exam, member=member_a1).passed


def test_a_graduation_exam_for_another_branch_does_not_hold_back_the_course(
    org_tree, bank, member_a1, studied_course
):
    factories.exam(org_tree.branch_b1, questions=[bank.truefalse], course=studied_course, is_graduation=True)
    assert course_is_done(member_a1, studied_course)


def test_lowering_the_pass_mark_passes_members_who_now_reach_it(org_tree, bank, member_a1, instructor):
    from exams.services.exams import exam_change

    exam = factories.exam(org_tree.committee, questions=bank.objective, is_graduation=True, class_name="班")
    sit(exam, member_a1, {"0": [0], "2": True})  # 50 %
    assert not ExamResult.objects.get(exam=exam).passed
    exam.pass_percent = Decimal("50")
    exam_change(exam=exam, changed=["pass_percent"], acting_user=instructor)
    assert ExamResult.objects.get(exam=exam).passed
    assert Attempt.objects.get(exam=exam).passed
    assert Certificate.objects.filter(member=member_a1, exam=exam).exists()
