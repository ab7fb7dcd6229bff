"""Grading attempts, the member's result under the exam's grading method, and what passing sets off."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
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


def attempt_totals_refresh(*, exam: Exam) -> None:
    """Re-decide passed for every graded attempt of ``exam`` (after its pass mark changed)."""
    for attempt in exam.attempts.filter(state=Attempt.State.SUBMITTED).select_related("exam"):
        _total(attempt)


def attempt_grade(*, attempt: Attempt, keep_manual: bool = True) -> None:
    """Mark the objective answers, total the attempt, update the member's result (caller's transaction)."""
    _mark_answers(attempt, _versions([attempt]), keep_manual=keep_manual)
    _total(attempt)
    result_update(exam=attempt.exam, member=attempt.member)


def _result_percent(exam: Exam, finished: list[Attempt]) -> Decimal | None:
    """The member's percent under the grading method, or None while it still depends on a grader.

    Highest grade may use the attempts graded so far (more grading can only raise it); first, last
    and average wait until the attempts they use are graded, so nobody passes on a provisional mark.
    """
    graded = [a for a in finished if not a.needs_grading and a.score is not None]
    if not graded:
        return None
    if exam.grading_method == Exam.Grading.HIGHEST:
        return max(a.percent for a in graded)
    used = {Exam.Grading.FIRST: finished[:1], Exam.Grading.LAST: finished[-1:]}.get(
        exam.grading_method, finished
    )
    if any(a.needs_grading or a.score is None for a in used):
        return None
    percents = [a.percent for a in used]
    return (sum(percents) / len(percents)).quantize(CENT, rounding=ROUND_HALF_UP)


def result_update(*, exam: Exam, member: Member) -> ExamResult:
    """The member's standing from their graded attempts; passing for the first time sets things off.

    The result row is locked before the attempts are read, so a grading and a submit at the same
    moment cannot save a result computed from stale attempts.
    """
    result, _created = ExamResult.objects.select_for_update().get_or_create(exam=exam, member=member)
    finished = list(
        exam.attempts.filter(member=member, state=Attempt.State.SUBMITTED)
        .order_by("number")
        .select_related("exam")
    )
    was_passed = result.passed
    result.attempts = len(finished)
    result.percent = _result_percent(exam, finished)
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
    if _graduation_exams_for(member, course):
        return  # passing that exam issues the certificate
    from exams.services.certificates import certificate_issue

    certificate_issue(member=member, course=course)


def _graduation_exams_for(member: Member, course):
    from exams.selectors import exam_visible_to

    exams = Exam.objects.published().filter(course=course, is_graduation=True).select_related("org_unit")
    return [exam for exam in exams if exam_visible_to(exam, member)]


@hooks.register("course_completion_requirement")
def graduation_exam_passed(member: Member, course) -> bool:
    """A course is complete only once the member has passed a graduation exam of it that is for them
    (an exam for another branch does not hold back members who cannot sit it)."""
    exams = _graduation_exams_for(member, course)
    if not exams:
        return True
    return ExamResult.objects.filter(exam__in=exams, member=member, passed=True).exists()


# --- people grading -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def answer_grade(*, answer: AttemptAnswer, mark: Decimal, comment: str = "", acting_user) -> AttemptAnswer:
    """A grader's mark for one answer (essays, or overriding an automatic mark), with a comment."""
    answer = (
        AttemptAnswer.objects.select_for_update(of=("self",))
        .select_related("attempt__exam")
        .get(pk=answer.pk)
    )
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
def question_regrade(*, question: Question, acting_user, exams: QuerySet[Exam] | None = None) -> int:
    """Move attempts that had an older version of ``question`` to its current version; re-mark the
    submitted ones. ``exams`` limits it to the exams the acting user manages.

    Used after fixing a question (a wrong key, a missing accepted answer). Attempts in progress move too,
    so they are marked with the fix when submitted. A version whose options or blanks no longer line up
    with the old one (options added, removed or reordered) is not applied. Essays already graded by a
    person keep their marks. Returns how many attempts were moved.
    """
    current = question.current_version
    versions = {v.pk: v for v in question.versions.all()}
    categories = [*question.category.get_ancestors(), question.category]
    using = Exam.objects.filter(Q(slots__question=question) | Q(slots__category__in=categories))
    if exams is not None:
        using = using.filter(pk__in=exams.values("pk"))
    attempts = Attempt.objects.select_for_update(of=("self",)).filter(
        state__in=[Attempt.State.SUBMITTED, Attempt.State.IN_PROGRESS], exam__in=using
    )
    moved = 0
    for attempt in attempts.select_related("exam", "member").order_by("pk"):
        positions = [
            i
            for i, item in enumerate(attempt.layout)
            if item["version"] in versions
            and item["version"] != current.pk
            and _compatible(versions[item["version"]], current)
        ]
        if not positions:
            continue
        for i in positions:
            attempt.layout[i]["version"] = current.pk
        attempt.save(update_fields=["layout"])
        if attempt.state == Attempt.State.SUBMITTED:
            attempt_grade(attempt=attempt)
        moved += 1
    audit_record(actor=acting_user, action="question.regraded", target=question, attempts=moved)
    return moved


def _compatible(old: QuestionVersion, new: QuestionVersion) -> bool:
    """Stored answers still mean the same: same type, same option texts in the same order, same blanks."""
    if old.kind != new.kind:
        return False
    if old.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [o["text"] for o in old.options] == [o["text"] for o in new.options]
    if old.kind == QuestionKind.FILL:
        return len(old.answer.get("blanks", [])) == len(new.answer.get("blanks", []))
    return True
