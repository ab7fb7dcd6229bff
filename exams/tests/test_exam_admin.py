"""Exams in the admin: scoping, the exam form, question slots, publishing, results, grading,
statistics on a hand-computed data set, and the Excel export."""

from __future__ import annotations

import datetime
import io
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exams.models import Attempt, AttemptAnswer, Exam, ExamResult, ExamSlot, QuestionKind
from exams.services.attempts import attempt_open_window, attempt_start, attempt_submit
from exams.statistics import exam_statistics
from exams.tests import factories
from school.models import AuditLog, Member
from school.roles import Role
from school.tests.factories import MemberFactory
from school.tests.helpers import client_for, in_site_language

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def submitted(exam: Exam, member: Member, answers: dict) -> Attempt:
    attempt = attempt_start(exam=exam, member=member)
    writer = attempt_open_window(attempt=attempt)
    return attempt_submit(attempt=attempt, writer=writer, seq=1, answers=answers)


def member_in(unit, name: str) -> Member:
    return MemberFactory(user__roles=[Role.LEARNER], org_unit=unit, real_name=name)


def exam_form_data(unit, **overrides) -> dict:
    opens = timezone.localtime() + datetime.timedelta(days=1)
    data = {
        "title": "2026年入党积极分子结业考试",
        "description": "闭卷，独立完成。",
        "class_name": "2026年入党积极分子培训班",
        "opens_at": opens.strftime(LOCAL_FORMAT),
        "closes_at": (opens + datetime.timedelta(days=3)).strftime(LOCAL_FORMAT),
        "time_limit_minutes": "60",
        "grace_seconds": "60",
        "overdue_action": Exam.Overdue.AUTO_SUBMIT,
        "attempts_allowed": "2",
        "grading_method": Exam.Grading.HIGHEST,
        "pass_percent": "60",
        "shuffle_questions": "on",
        "review_score": Exam.Review.IMMEDIATELY,
        "review_correctness": Exam.Review.AFTER_CLOSE,
        "review_answers": Exam.Review.AFTER_CLOSE,
        "review_explanations": Exam.Review.NEVER,
        "org_unit": unit.pk,
        "political_statuses": [Member.PoliticalStatus.ACTIVIST],
        "is_graduation": "on",
        "certificate_hours": "12",
    }
    data.update(overrides)
    return data


@pytest.fixture
def essay_exam(org_tree, bank, instructor) -> Exam:
    """单选 (1 mark) then 简答 (10 marks), pass mark 60%, for the whole committee, by the instructor."""
    return factories.exam(org_tree.committee, questions=[bank.single, bank.essay], created_by=instructor)


def essay_answer(exam: Exam, member: Member, text: str = "立足岗位，带头攻坚。") -> AttemptAnswer:
    attempt = submitted(exam, member, {"0": [0], "1": text})
    return attempt.answers.get(position=1)


# --- scoping -------------------------------------------------------------------------------------


def test_members_cannot_open_the_exam_screens(learner, objective_exam):
    client = client_for(learner)
    for url in (reverse("exam_admin:index"), reverse("exam_grading:index")):
        assert client.get(url).status_code in (302, 403)


def test_organizer_lists_exams_of_their_subtree_but_not_another_branchs(
    org_tree, organizer_a1, system_admin, bank
):
    factories.exam(org_tree.branch_a1, questions=[bank.single], title="一支部考试", created_by=system_admin)
    factories.exam(org_tree.branch_b1, questions=[bank.single], title="三支部考试", created_by=system_admin)
    content = client_for(organizer_a1).get(reverse("exam_admin:index")).content.decode()
    assert "一支部考试" in content
    assert "三支部考试" not in content


def test_instructor_sees_the_exams_they_created_only(org_tree, instructor, system_admin, bank):
    factories.exam(org_tree.committee, questions=[bank.single], title="讲师的考试", created_by=instructor)
    factories.exam(org_tree.committee, questions=[bank.single], title="别人的考试", created_by=system_admin)
    content = client_for(instructor).get(reverse("exam_admin:index")).content.decode()
    assert "讲师的考试" in content
    assert "别人的考试" not in content


@pytest.mark.parametrize("name", ["edit", "slots", "results", "statistics", "export"])
def test_an_exam_of_another_branch_is_404_for_an_organizer(org_tree, organizer_a1, system_admin, bank, name):
    other = factories.exam(org_tree.branch_b1, questions=[bank.single], created_by=system_admin)
    response = client_for(organizer_a1).get(reverse(f"exam_admin:{name}", args=[other.pk]))
    assert response.status_code == 404


def test_publishing_an_exam_of_another_branch_is_404_and_changes_nothing(
    org_tree, organizer_a1, system_admin, bank
):
    other = factories.exam(
        org_tree.branch_b1, questions=[bank.single], created_by=system_admin, status=Exam.Status.DRAFT
    )
    response = client_for(organizer_a1).post(reverse("exam_admin:publish", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Exam.Status.DRAFT


def test_listing_filters_by_status_and_title(org_tree, system_admin, bank):
    factories.exam(org_tree.committee, questions=[bank.single], title="党史考试")
    factories.exam(org_tree.committee, questions=[bank.single], title="党章草稿", status=Exam.Status.DRAFT)
    client = client_for(system_admin)
    drafts = client.get(reverse("exam_admin:index"), {"status": "draft"}).content.decode()
    assert "党章草稿" in drafts and "党史考试" not in drafts
    found = client.get(reverse("exam_admin:index"), {"q": "党史"}).content.decode()
    assert "党史考试" in found and "党章草稿" not in found


def test_listing_counts_attempts_and_passes_without_a_query_per_exam(
    org_tree, system_admin, bank, member_a1, member_a2, django_assert_max_num_queries
):
    for number in range(6):
        exam = factories.exam(org_tree.committee, questions=[bank.single], title=f"考试{number}")
        submitted(exam, member_a1, {"0": [0]})
        submitted(exam, member_a2, {"0": [1]})
    client = client_for(system_admin)
    client.get(reverse("exam_admin:index"))  # warm caches (session, site, permissions)
    with django_assert_max_num_queries(12):  # 2 are the page's: a count, the exams with their counts
        response = client.get(reverse("exam_admin:index"))
    assert response.context["page"][0].attempt_count == 2
    assert response.context["page"][0].passed_count == 1


# --- the exam form ------------------------------------------------------------------------------


def test_exam_form_groups_the_settings_in_fieldsets(instructor, objective_exam):
    client = client_for(instructor)
    for url in (reverse("exam_admin:create"), reverse("exam_admin:edit", args=[objective_exam.pk])):
        response = client.get(url)
        legends = [str(legend) for legend, _fields in response.context["form"].fieldsets()]
        assert response.status_code == 200 and len(legends) == 6
        assert in_site_language("Audience and eligibility") in response.content.decode()


def test_instructor_creates_a_draft_exam_with_the_form(org_tree, instructor):
    response = client_for(instructor).post(reverse("exam_admin:create"), exam_form_data(org_tree.branch_b1))
    exam = Exam.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exam_admin:slots", args=[exam.pk])
    assert exam.status == Exam.Status.DRAFT
    assert exam.created_by == instructor
    assert exam.political_statuses == [Member.PoliticalStatus.ACTIVIST]
    assert exam.certificate_hours == Decimal("12.0") and exam.time_limit_minutes == 60
    assert AuditLog.objects.filter(action="exam.created", target_id=str(exam.pk)).exists()


def test_exam_closing_before_it_opens_is_refused(org_tree, instructor):
    data = exam_form_data(org_tree.committee)
    data["closes_at"] = data["opens_at"]
    response = client_for(instructor).post(reverse("exam_admin:create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["closes_at"] == [
        in_site_language("The exam must close after it opens.")
    ]
    assert not Exam.objects.exists()


def test_zero_time_limit_and_hours_without_graduation_are_refused(org_tree, instructor):
    data = exam_form_data(org_tree.committee, time_limit_minutes="0")
    del data["is_graduation"]
    response = client_for(instructor).post(reverse("exam_admin:create"), data)
    errors = response.context["form"].errors
    assert "time_limit_minutes" in errors and "certificate_hours" in errors
    assert not Exam.objects.exists()


def test_organizer_cannot_organise_an_exam_for_another_branch(org_tree, organizer_a1):
    response = client_for(organizer_a1).post(reverse("exam_admin:create"), exam_form_data(org_tree.branch_b1))
    assert "org_unit" in response.context["form"].errors
    assert not Exam.objects.exists()


def test_organizer_organises_an_exam_for_their_branch(org_tree, organizer_a1):
    response = client_for(organizer_a1).post(reverse("exam_admin:create"), exam_form_data(org_tree.group_a1))
    assert response.status_code == 302
    assert Exam.objects.get().org_unit == org_tree.group_a1


def test_editing_an_exam_saves_and_audits_the_changed_fields(org_tree, instructor, objective_exam):
    data = exam_form_data(org_tree.committee, title="党章党规结业考试（补考）", pass_percent="80")
    response = client_for(instructor).post(reverse("exam_admin:edit", args=[objective_exam.pk]), data)
    assert response.status_code == 302
    objective_exam.refresh_from_db()
    assert objective_exam.title == "党章党规结业考试（补考）" and objective_exam.pass_percent == 80
    entry = AuditLog.objects.get(action="exam.changed")
    assert {"title", "pass_percent"} <= set(entry.data["fields"])


# --- question slots -----------------------------------------------------------------------------


def test_slots_are_added_reordered_and_removed(org_tree, instructor, bank):
    exam = factories.exam(org_tree.committee, created_by=instructor, status=Exam.Status.DRAFT)
    client = client_for(instructor)
    client.post(reverse("exam_admin:slot_add_fixed", args=[exam.pk]), {"fixed-question": bank.essay.pk})
    client.post(
        reverse("exam_admin:slot_add_random", args=[exam.pk]),
        {
            "random-category": bank.category.pk,
            "random-kind": QuestionKind.TRUEFALSE,
            "random-count": "1",
            "random-mark": "2",
            "random-include_subcategories": "on",
        },
    )
    first, second = exam.slots.order_by("sort_order")
    assert first.question == bank.essay and second.is_random and second.mark == Decimal("2")

    client.post(reverse("exam_admin:slot_move", args=[exam.pk, second.pk]), {"direction": "up"})
    assert list(exam.slots.order_by("sort_order").values_list("pk", flat=True)) == [second.pk, first.pk]

    client.post(reverse("exam_admin:slot_remove", args=[exam.pk, first.pk]))
    assert list(exam.slots.values_list("pk", flat=True)) == [second.pk]


def test_slots_page_shows_total_questions_and_marks(org_tree, instructor, bank):
    exam = factories.exam(org_tree.committee, questions=[bank.single, bank.essay], created_by=instructor)
    response = client_for(instructor).get(reverse("exam_admin:slots", args=[exam.pk]))
    assert response.context["total_questions"] == 2
    assert response.context["total_marks"] == Decimal("11")


def test_adding_a_question_already_in_the_exam_is_refused(instructor, objective_exam, bank):
    response = client_for(instructor).post(
        reverse("exam_admin:slot_add_fixed", args=[objective_exam.pk]), {"fixed-question": bank.single.pk}
    )
    assert response.status_code == 200
    assert response.context["fixed_form"].errors["question"]
    assert objective_exam.slots.count() == 4


def test_random_draw_needs_a_positive_count(org_tree, instructor, bank):
    exam = factories.exam(org_tree.committee, created_by=instructor, status=Exam.Status.DRAFT)
    response = client_for(instructor).post(
        reverse("exam_admin:slot_add_random", args=[exam.pk]),
        {"random-category": bank.category.pk, "random-count": "0"},
    )
    assert "count" in response.context["random_form"].errors
    assert not exam.slots.exists()


def test_moving_a_slot_of_another_exam_is_404(org_tree, instructor, objective_exam, bank):
    mine = factories.exam(org_tree.committee, questions=[bank.essay], created_by=instructor)
    foreign_slot = objective_exam.slots.first()
    response = client_for(instructor).post(reverse("exam_admin:slot_remove", args=[mine.pk, foreign_slot.pk]))
    assert response.status_code == 404
    assert ExamSlot.objects.filter(pk=foreign_slot.pk).exists()


# --- publishing ---------------------------------------------------------------------------------


def test_publishing_is_refused_when_a_random_slot_cannot_be_filled(org_tree, instructor, bank):
    exam = factories.exam(org_tree.committee, created_by=instructor, status=Exam.Status.DRAFT)
    ExamSlot.objects.create(exam=exam, category=bank.category, kind=QuestionKind.SINGLE, count=3)
    response = client_for(instructor).post(reverse("exam_admin:publish", args=[exam.pk]), follow=True)
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT
    shown = [str(m).strip() for m in response.context["messages"]]
    expected = "Slot %(number)s needs %(count)s questions; the bank has only %(available)s that match."
    assert in_site_language(expected, number=1, count=3, available=1) in shown
    assert not AuditLog.objects.filter(action="exam.published").exists()


def test_publishing_is_refused_after_the_closing_time(org_tree, instructor, bank):
    exam = factories.exam(
        org_tree.committee,
        questions=[bank.single],
        created_by=instructor,
        status=Exam.Status.DRAFT,
        opens_at=timezone.now() - datetime.timedelta(days=2),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    client_for(instructor).post(reverse("exam_admin:publish", args=[exam.pk]))
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT


def test_publishing_and_unpublishing_a_drawable_exam(instructor, objective_exam):
    objective_exam.status = Exam.Status.DRAFT
    objective_exam.save()
    client = client_for(instructor)
    client.post(reverse("exam_admin:publish", args=[objective_exam.pk]))
    objective_exam.refresh_from_db()
    assert objective_exam.status == Exam.Status.PUBLISHED
    client.post(reverse("exam_admin:unpublish", args=[objective_exam.pk]))
    objective_exam.refresh_from_db()
    assert objective_exam.status == Exam.Status.DRAFT


def test_publishing_needs_a_post(instructor, objective_exam):
    response = client_for(instructor).get(reverse("exam_admin:publish", args=[objective_exam.pk]))
    assert response.status_code == 405


# --- results and attempts -----------------------------------------------------------------------


def test_organizer_sees_only_their_subtrees_results_even_in_an_exam_they_manage(
    org_tree, organizer_a1, system_admin, bank, member_a1, member_a2
):
    exam = factories.exam(org_tree.committee, questions=[bank.single], created_by=organizer_a1)
    submitted(exam, member_a1, {"0": [0]})
    submitted(exam, member_a2, {"0": [0]})
    url = reverse("exam_admin:results", args=[exam.pk])
    organizer_view = client_for(organizer_a1).get(url).content.decode()
    assert "甲学员" in organizer_view and "乙学员" not in organizer_view
    admin_view = client_for(system_admin).get(url).content.decode()
    assert "甲学员" in admin_view and "乙学员" in admin_view


def test_attempt_of_a_member_outside_the_organizers_subtree_is_404(
    org_tree, organizer_a1, bank, member_a1, member_a2
):
    exam = factories.exam(org_tree.committee, questions=[bank.single], created_by=organizer_a1)
    mine = submitted(exam, member_a1, {"0": [0]})
    theirs = submitted(exam, member_a2, {"0": [0]})
    client = client_for(organizer_a1)
    assert client.get(reverse("exam_admin:attempt", args=[exam.pk, mine.pk])).status_code == 200
    assert client.get(reverse("exam_admin:attempt", args=[exam.pk, theirs.pk])).status_code == 404


def test_results_filter_by_unit_and_result(org_tree, system_admin, bank, member_a1, member_a2):
    exam = factories.exam(org_tree.committee, questions=[bank.single])
    submitted(exam, member_a1, {"0": [0]})
    submitted(exam, member_a2, {"0": [1]})
    client = client_for(system_admin)
    url = reverse("exam_admin:results", args=[exam.pk])
    in_a1 = client.get(url, {"unit": org_tree.branch_a1.pk}).context["page"]
    assert [r.member for r in in_a1] == [member_a1]
    failed = client.get(url, {"passed": "0"}).context["page"]
    assert [r.member for r in failed] == [member_a2]


def test_bad_query_parameters_do_not_break_the_pages(system_admin, objective_exam, member_a1):
    submitted(objective_exam, member_a1, {"0": [0]})
    client = client_for(system_admin)
    pk = objective_exam.pk
    assert (
        client.get(reverse("exam_admin:results", args=[pk]), {"unit": "x", "p": "last'"}).status_code == 200
    )
    assert client.get(reverse("exam_admin:slots", args=[pk]), {"category": "1;drop"}).status_code == 200
    assert client.get(reverse("exam_grading:index"), {"exam": "abc", "p": "-1"}).status_code == 200
    assert client.get(reverse("exam_admin:index"), {"status": "nope", "p": "zz"}).status_code == 200


def test_attempt_detail_shows_every_answer_with_its_mark(system_admin, essay_exam, member_a1):
    attempt = submitted(essay_exam, member_a1, {"0": [1], "1": "<b>不</b>忘初心"})
    response = client_for(system_admin).get(reverse("exam_admin:attempt", args=[essay_exam.pk, attempt.pk]))
    questions = [q for q, _answer_id in response.context["questions"]]
    assert [q.mark for q in questions] == [Decimal("0.00"), None]
    assert questions[0].options[0].correct is True
    content = response.content.decode()
    assert "&lt;b&gt;不&lt;/b&gt;忘初心" in content


# --- grading ------------------------------------------------------------------------------------


def test_grading_queue_lists_only_essays_of_exams_the_user_may_grade(
    org_tree, instructor, organizer_a1, system_admin, bank, member_a1, essay_exam
):
    branch_exam = factories.exam(
        org_tree.branch_a1, questions=[bank.essay], created_by=system_admin, title="支部简答"
    )
    committee_answer = essay_answer(essay_exam, member_a1)
    branch_answer = submitted(branch_exam, member_a1, {"0": "联系实际谈体会"}).answers.get()

    instructor_queue = client_for(instructor).get(reverse("exam_grading:index")).context["page"]
    assert [a.pk for a in instructor_queue] == [committee_answer.pk]
    organizer_queue = client_for(organizer_a1).get(reverse("exam_grading:index")).context["page"]
    assert [a.pk for a in organizer_queue] == [branch_answer.pk]


def test_unanswered_essays_and_objective_answers_never_wait(instructor, essay_exam, member_a1):
    submitted(essay_exam, member_a1, {"0": [0], "1": "   "})
    queue = client_for(instructor).get(reverse("exam_grading:index")).context["page"]
    assert list(queue) == []


def test_grading_an_essay_totals_the_attempt_and_passes_the_member(instructor, essay_exam, member_a1):
    answer = essay_answer(essay_exam, member_a1)
    assert ExamResult.objects.get(exam=essay_exam, member=member_a1).passed is False
    response = client_for(instructor).post(
        reverse("exam_grading:grade", args=[answer.pk]), {"mark": "6.5", "comment": "联系实际较好。"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("exam_grading:index")
    attempt = Attempt.objects.get(pk=answer.attempt_id)
    assert attempt.score == Decimal("7.50") and not attempt.needs_grading and attempt.passed is True
    result = ExamResult.objects.get(exam=essay_exam, member=member_a1)
    assert result.passed is True and result.percent == Decimal("68.18")
    answer.refresh_from_db()
    assert answer.graded_by == instructor and answer.comment == "联系实际较好。"


def test_after_grading_the_next_waiting_answer_opens(org_tree, instructor, essay_exam, member_a1, member_a2):
    first = essay_answer(essay_exam, member_a1)
    second = essay_answer(essay_exam, member_a2)
    response = client_for(instructor).post(reverse("exam_grading:grade", args=[first.pk]), {"mark": "3"})
    assert response["Location"] == reverse("exam_grading:grade", args=[second.pk])


@pytest.mark.parametrize("mark", ["-1", "10.5", "abc", "", "3.333"])
def test_marks_outside_zero_to_full_are_refused(instructor, essay_exam, member_a1, mark):
    answer = essay_answer(essay_exam, member_a1)
    response = client_for(instructor).post(reverse("exam_grading:grade", args=[answer.pk]), {"mark": mark})
    assert response.status_code == 200
    assert response.context["form"].errors["mark"]
    answer.refresh_from_db()
    assert answer.mark is None


def test_grading_an_answer_that_is_not_an_essay_is_404(instructor, essay_exam, member_a1):
    attempt = submitted(essay_exam, member_a1, {"0": [0], "1": "答案"})
    choice_answer = attempt.answers.get(position=0)
    response = client_for(instructor).post(
        reverse("exam_grading:grade", args=[choice_answer.pk]), {"mark": "1"}
    )
    assert response.status_code == 404
    choice_answer.refresh_from_db()
    assert choice_answer.mark == Decimal("1.00")


def test_grading_an_answer_of_someone_elses_exam_is_404(org_tree, organizer_a1, essay_exam, member_a1):
    answer = essay_answer(essay_exam, member_a1)
    response = client_for(organizer_a1).get(reverse("exam_grading:grade", args=[answer.pk]))
    assert response.status_code == 404


def test_an_essay_is_regraded_from_the_attempt_page(instructor, essay_exam, member_a1):
    answer = essay_answer(essay_exam, member_a1)
    client = client_for(instructor)
    client.post(reverse("exam_grading:grade", args=[answer.pk]), {"mark": "9"})
    url = reverse("exam_grading:grade", args=[answer.pk]) + "?from=attempt"
    response = client.post(url, {"mark": "2", "comment": "复核后调整。"})
    assert response["Location"] == reverse("exam_admin:attempt", args=[essay_exam.pk, answer.attempt_id])
    result = ExamResult.objects.get(exam=essay_exam, member=member_a1)
    assert Attempt.objects.get(pk=answer.attempt_id).score == Decimal("3.00")
    assert result.percent == Decimal("27.27")


def test_grading_queue_does_not_query_per_answer(
    org_tree, instructor, essay_exam, bank, django_assert_max_num_queries
):
    for number in range(6):
        essay_answer(essay_exam, member_in(org_tree.branch_a2, f"学员{number}"))
    client = client_for(instructor)
    client.get(reverse("exam_grading:index"))
    with django_assert_max_num_queries(13):  # 4 are the page's: count, answers, questions, exams
        response = client.get(reverse("exam_grading:index"))
    assert len(response.context["page"]) == 6


# --- statistics ---------------------------------------------------------------------------------

# Three 1-mark questions; four attempts (1 = right, 0 = wrong):
#        Q1 Q2 Q3  total
#   A     1  1  1    3
#   B     1  1  0    2
#   C     1  0  0    1
#   D     0  0  1    1
# Facility: Q1 3/4 = 0.75, Q2 2/4 = 0.5, Q3 2/4 = 0.5.
# Discrimination = r(question, rest of the attempt over its 2 marks):
#   Q1 x = 1,1,1,0  rest = 1, .5, 0, .5    Σdxdy = 0                          → r = 0
#   Q2 x = 1,1,0,0  rest = 1, .5, .5, .5   Σdxdy = .25, Σdx² = 1, Σdy² = .1875  → r = 1/√3 ≈ 0.577
#   Q3 x = 1,0,0,1  rest = 1, 1, .5, 0     Σdxdy = -.25, Σdx² = 1, Σdy² = .6875 → r ≈ -0.302
ANSWERS = {
    "A": {"0": [0], "1": True, "2": True},
    "B": {"0": [0], "1": True, "2": False},
    "C": {"0": [0], "1": False, "2": False},
    "D": {"0": [1], "1": False, "2": True},
}


@pytest.fixture
def analysed_exam(org_tree, bank, instructor) -> Exam:
    second_true_false = factories.true_false(bank.category, stem="党员有权参加党的有关会议。")
    exam = factories.exam(
        org_tree.committee,
        questions=[bank.single, bank.truefalse, second_true_false],
        created_by=instructor,
        pass_percent=Decimal("50"),
    )
    units = {
        "A": org_tree.group_a1,
        "B": org_tree.branch_a2,
        "C": org_tree.branch_b1,
        "D": org_tree.committee,
    }
    for name, answers in ANSWERS.items():
        submitted(exam, member_in(units[name], f"学员{name}"), answers)
    return exam


def test_facility_and_discrimination_match_the_hand_computed_values(analysed_exam, system_admin):
    stats = exam_statistics(analysed_exam, user=system_admin)
    facility = [row.facility for row in stats.questions]
    discrimination = [row.discrimination for row in stats.questions]
    assert facility == [0.75, 0.5, 0.5]
    assert discrimination[0] == pytest.approx(0.0, abs=1e-9)
    assert discrimination[1] == pytest.approx(1 / math.sqrt(3))
    assert discrimination[2] == pytest.approx(-0.25 / math.sqrt(0.6875))
    assert [row.count for row in stats.questions] == [4, 4, 4]


def test_most_missed_lists_the_lowest_facility_first(analysed_exam, system_admin):
    stats = exam_statistics(analysed_exam, user=system_admin)
    assert [row.facility for row in stats.most_missed] == [0.5, 0.5, 0.75]


def test_score_distribution_puts_each_member_in_a_band_of_ten_points(analysed_exam, system_admin):
    stats = exam_statistics(analysed_exam, user=system_admin)
    counts = {band.label: band.count for band in stats.distribution if band.count}
    assert counts == {"90–100": 1, "60–70": 1, "30–40": 2}
    assert stats.summary.members == 4 and stats.summary.passed == 2


def test_pass_rate_is_grouped_by_the_units_below_the_exam_unit(analysed_exam, system_admin, org_tree):
    stats = exam_statistics(analysed_exam, user=system_admin)
    rows = {row.name: (row.members, row.passed) for row in stats.units}
    assert rows == {
        org_tree.committee.name: (1, 0),
        org_tree.general_a.name: (2, 2),
        org_tree.general_b.name: (1, 0),
    }


def test_pass_rate_leaves_out_members_whose_essays_wait_for_grading(
    essay_exam, system_admin, member_a1, member_a2
):
    submitted(essay_exam, member_a1, {"0": [0], "1": ""})  # an empty essay scores 0 at once: 1/11
    essay_answer(essay_exam, member_a2)
    summary = exam_statistics(essay_exam, user=system_admin).summary
    assert (summary.members, summary.graded, summary.passed) == (2, 1, 0)
    assert summary.pass_rate == 0.0 and summary.waiting_attempts == 1


def test_organizer_statistics_count_only_their_subtree(analysed_exam, organizer_a1):
    analysed_exam.created_by = organizer_a1
    analysed_exam.save()
    stats = exam_statistics(analysed_exam, user=organizer_a1)
    assert stats.summary.members == 1
    assert [row.facility for row in stats.questions] == [1.0, 1.0, 1.0]


def test_statistics_page_renders(analysed_exam, instructor):
    response = client_for(instructor).get(reverse("exam_admin:statistics", args=[analysed_exam.pk]))
    assert response.status_code == 200
    assert len(response.context["stats"].questions) == 3


# --- export -------------------------------------------------------------------------------------


def workbook_of(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_export_has_results_question_analysis_and_distribution(analysed_exam, instructor):
    response = client_for(instructor).get(reverse("exam_admin:export", args=[analysed_exam.pk]))
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    workbook = workbook_of(response)
    results, questions, bands = workbook.worksheets
    assert results.title == in_site_language("Results")
    assert results.freeze_panes == "A2"
    assert results["A1"].value == in_site_language("Name")
    names = {row[0] for row in results.iter_rows(min_row=2, values_only=True)}
    assert names == {"学员A", "学员B", "学员C", "学员D"}
    assert questions["H1"].value == in_site_language("Facility index")
    assert questions["H2"].value == 0.75
    assert bands.max_row == 11 and bands["B11"].value == 1


def test_export_of_an_exam_nobody_sat_has_the_headers_only(instructor, objective_exam):
    response = client_for(instructor).get(reverse("exam_admin:export", args=[objective_exam.pk]))
    workbook = workbook_of(response)
    assert [sheet.max_row for sheet in workbook.worksheets] == [1, 1, 1]
    assert workbook.worksheets[1]["I1"].value == in_site_language("Discrimination index")
    assert all(sheet.freeze_panes == "A2" for sheet in workbook.worksheets)


def test_an_attempt_in_progress_cannot_be_opened_with_its_key(system_admin, essay_exam, member_a1):
    from exams.services.attempts import attempt_start

    attempt = attempt_start(exam=essay_exam, member=member_a1)
    response = client_for(system_admin).get(reverse("exam_admin:attempt", args=[essay_exam.pk, attempt.pk]))
    assert response.status_code == 404


def test_nobody_opens_their_own_attempt_in_the_admin(system_admin, essay_exam):
    own = submitted(essay_exam, system_admin.member, {"0": [0]})
    response = client_for(system_admin).get(reverse("exam_admin:attempt", args=[essay_exam.pk, own.pk]))
    assert response.status_code == 404
