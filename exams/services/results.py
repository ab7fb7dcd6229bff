"""Grading attempts, the member's result under the exam's grading method, and what passing sets off."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from exams.exceptions import ExamError
from exams.grading import mark_response
from exams.models import Attempt, AttemptAnswer, Exam, ExamResult, Question, QuestionKind, QuestionVersion
from school.models import Member, PointRule
from school.services.audit import audit_record
from school.services.points import points_award

CENT = Decimal("0.01")


def _versions(attempts: list[Attempt]) -> dict[int, QuestionVersion]:
    ids = {item["version"] for attempt in attempts for item in attempt.layout}
    return QuestionVersion.objects.in_bulk(ids)


def _mark_answers(attempt: Attempt, versions: dict[int, QuestionVersion], *, keep_manual: bool) -> None:
    """(Re)mark every position; a row is written for unanswered ones too, so reports see them."""
    rows = {a.position: a for a in attempt.answers.all()}
    now = timezone.now()
    created, changed = [], []
    for position, item in enumerate(attempt.layout):
        row = rows.get(position) or AttemptAnswer(attempt=attempt, position=position, seq=0, saved_at=now)
        version = versions[item["version"]]
        if keep_manual and version.kind == QuestionKind.ESSAY and row.graded_at is not None:
            continue
        row.mark = mark_response(version, row.response, mark=Decimal(item["mark"])).mark
        (changed if row.pk else created).append(row)
    AttemptAnswer.objects.bulk_create(created)
    AttemptAnswer.objects.bulk_update(changed, ["mark"])


def _total(attempt: Attempt) -> None:
    marks = list(attempt.answers.values_list("mark", flat=True))
    attempt.needs_grading = any(mark is None for mark in marks)
    attempt.score = sum((mark for mark in marks if mark is not None), Decimal("0")).quantize(CENT)
    if attempt.needs_grading:
        attempt.passed, attempt.graded_at = None, None
    else:
        attempt.passed = attempt.percent >= attempt.exam.pass_percent
        attempt.graded_at = timezone.now()
    attempt.save(update_fields=["needs_grading", "score", "passed", "graded_at"])


def attempt_grade(*, attempt: Attempt, keep_manual: bool = True) -> None:
    """Mark the objective answers, total the attempt, update the member's result (caller's transaction)."""
    _mark_answers(attempt, _versions([attempt]), keep_manual=keep_manual)
    _total(attempt)
    result_update(exam=attempt.exam, member=attempt.member)


def _graded_percent(exam: Exam, attempts: list[Attempt]) -> Decimal | None:
    if not attempts:
        return None
    percents = [a.percent for a in attempts]
    if exam.grading_method == Exam.Grading.HIGHEST:
        return max(percents)
    if exam.grading_method == Exam.Grading.FIRST:
        return percents[0]
    if exam.grading_method == Exam.Grading.LAST:
        return percents[-1]
    return (sum(percents) / len(percents)).quantize(CENT, rounding=ROUND_HALF_UP)


def result_update(*, exam: Exam, member: Member) -> ExamResult:
    """The member's standing from their graded attempts; passing for the first time sets things off."""
    finished = list(
        exam.attempts.filter(member=member, state=Attempt.State.SUBMITTED)
        .order_by("number")
        .select_related("exam")
    )
    graded = [a for a in finished if not a.needs_grading and a.score is not None]
    result, _created = ExamResult.objects.select_for_update().get_or_create(exam=exam, member=member)
    was_passed = result.passed
    result.attempts = len(finished)
    result.percent = _graded_percent(exam, graded)
    result.passed = result.percent is not None and result.percent >= exam.pass_percent
    if result.passed and not was_passed:
        result.passed_at = timezone.now()
    result.save()
    if result.passed and not was_passed:
        _on_passed(exam=exam, member=member)
    return result


def _on_passed(*, exam: Exam, member: Member) -> None:
    points_award(member=member, rule=PointRule.Code.EXAM_PASSED, object_key=f"exam:{exam.pk}")
    if exam.is_graduation:
        from exams.services.certificates import certificate_issue

        certificate_issue(member=member, exam=exam)
        if exam.course_id:
            from courses.services.progress import course_completion_check

            course_completion_check(member=member, course=exam.course)


@hooks.register("after_course_completed")
def certificate_for_completed_course(*, member: Member, course) -> None:
    """Courses that certify completion issue their certificate here, unless a graduation exam does."""
    if not course.certificate_on_completion:
        return
    if Exam.objects.published().filter(course=course, is_graduation=True).exists():
        return  # passing that exam issues the certificate
    from exams.services.certificates import certificate_issue

    certificate_issue(member=member, course=course)


@hooks.register("course_completion_requirement")
def graduation_exam_passed(member: Member, course) -> bool:
    """A course with a published graduation exam is complete only once the member has passed one."""
    exams = Exam.objects.published().filter(course=course, is_graduation=True)
    if not exams.exists():
        return True
    return ExamResult.objects.filter(exam__in=exams, member=member, passed=True).exists()


# --- people grading -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def answer_grade(*, answer: AttemptAnswer, mark: Decimal, comment: str = "", acting_user) -> AttemptAnswer:
    """A grader's mark for one answer (essays, or overriding an automatic mark), with a comment."""
    answer = AttemptAnswer.objects.select_for_update().select_related("attempt__exam").get(pk=answer.pk)
    attempt = answer.attempt
    full = Decimal(attempt.layout[answer.position]["mark"])
    if attempt.state != Attempt.State.SUBMITTED:
        raise ExamError(_("Only submitted attempts can be graded."))
    if not Decimal("0") <= mark <= full:
        raise ExamError(_("The mark must be between 0 and %(full)s.") % {"full": full})
    before = answer.mark
    answer.mark = mark.quantize(CENT)
    answer.comment = comment.strip()
    answer.graded_by = acting_user
    answer.graded_at = timezone.now()
    answer.save(update_fields=["mark", "comment", "graded_by", "graded_at"])
    _total(attempt)
    result_update(exam=attempt.exam, member=attempt.member)
    audit_record(
        actor=acting_user,
        action="exam.answer_graded",
        target=attempt,
        position=answer.position + 1,
        before=str(before) if before is not None else None,
        after=str(answer.mark),
    )
    return answer


@transaction.atomic(durable=True)
def question_regrade(*, question: Question, acting_user) -> int:
    """Move finished attempts that had any version of ``question`` to its current version and re-mark them.

    Used after fixing a question (a wrong key, a missing accepted answer). Essays already graded by
    a person keep their marks. Returns how many attempts were regraded.
    """
    current = question.current_version
    version_ids = set(question.versions.values_list("pk", flat=True))
    affected = []
    categories = [*question.category.get_ancestors(), question.category]
    exams = Exam.objects.filter(Q(slots__question=question) | Q(slots__category__in=categories))
    attempts = Attempt.objects.select_for_update().filter(state=Attempt.State.SUBMITTED, exam__in=exams)
    for attempt in attempts.select_related("exam", "member").order_by("pk"):
        positions = [i for i, item in enumerate(attempt.layout) if item["version"] in version_ids]
        if not positions:
            continue
        for i in positions:
            if current.kind == attempt.layout[i]["kind"] and _compatible(attempt.layout[i], current):
                attempt.layout[i]["version"] = current.pk
        attempt.save(update_fields=["layout"])
        attempt_grade(attempt=attempt)
        affected.append(attempt.pk)
    audit_record(actor=acting_user, action="question.regraded", target=question, attempts=len(affected))
    return len(affected)


def _compatible(item: dict, version: QuestionVersion) -> bool:
    if item["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return len(item["order"]) == len(version.options)
    if item["kind"] == QuestionKind.FILL:
        return item.get("blanks") == len(version.answer.get("blanks", []))
    return True
