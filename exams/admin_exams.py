"""Exams in the admin (考试, 阅卷): settings, question slots, publishing, results, statistics, grading.

Every lookup goes through ``exams.permissions.exams_managed_by`` (and, for members' rows,
``exams.permissions.member_scope``), so an id from elsewhere is a 404; an organizer sees only
their own subtree's members, even in an exam they manage. Changes are POSTs that go through
the ``exams.services.exams`` write functions, each in its own transaction with an audit row.

The organising units offered in the exam form are described in ``exams.admin_forms``; the
statistics choices (discrimination index, per-unit grouping) in ``exams.statistics``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from exams.admin_bank import query_int
from exams.admin_forms import ExamForm, FixedSlotForm, GradeForm, RandomSlotForm
from exams.admin_menu import MENU_HOOK
from exams.exceptions import ExamError
from exams.exports import exam_workbook, export_filename
from exams.models import (
    Attempt,
    AttemptAnswer,
    Difficulty,
    Exam,
    ExamResult,
    ExamSlot,
    Question,
    QuestionCategory,
    QuestionKind,
    QuestionVersion,
)
from exams.permissions import can_build_exams, can_grade, exams_managed_by, member_scope
from exams.review import ReviewRights, attempt_review
from exams.services.exams import (
    CannotPublish,
    exam_change,
    exam_create,
    exam_publish,
    exam_slot_add,
    exam_slot_move,
    exam_slot_remove,
    exam_unpublish,
    slot_available,
)
from exams.services.results import answer_grade
from exams.statistics import exam_results, exam_statistics
from school.admin_ui.imports import xlsx_response
from school.models import OrgUnit
from school.services.audit import audit_record

PER_PAGE = 50
CHOICES_SHOWN = 100
ALL_RIGHTS = ReviewRights(score=True, correctness=True, answers=True, explanations=True)


# --- exams: listing and settings -----------------------------------------------------------------


def _require_builder(request: HttpRequest) -> None:
    if not can_build_exams(request.user):
        raise PermissionDenied


def _managed_exam(request: HttpRequest, pk: int) -> Exam:
    _require_builder(request)
    return get_object_or_404(exams_managed_by(request.user).select_related("org_unit", "course"), pk=pk)


def _count_of(rows: QuerySet, aggregate: Any = None) -> Coalesce:
    counted = rows.filter(exam=OuterRef("pk")).order_by().values("exam")
    counted = counted.annotate(n=aggregate or Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_counts(exams: QuerySet[Exam], user: Any) -> QuerySet[Exam]:
    """Questions, attempts, passes and waiting attempts per exam as subqueries: one query per page."""
    scope = member_scope(user)
    submitted = Attempt.objects.filter(scope, state=Attempt.State.SUBMITTED)
    return exams.annotate(
        question_count=_count_of(ExamSlot.objects.all(), Sum("count")),
        attempt_count=_count_of(submitted),
        waiting_count=_count_of(submitted.filter(needs_grading=True)),
        member_count=_count_of(ExamResult.objects.filter(scope, attempts__gt=0)),
        passed_count=_count_of(ExamResult.objects.filter(scope, passed=True)),
    )


def exam_index(request: HttpRequest) -> HttpResponse:
    _require_builder(request)
    exams = exams_managed_by(request.user).select_related("org_unit")
    status = request.GET.get("status", "")
    if status in Exam.Status.values:
        exams = exams.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        exams = exams.filter(title__icontains=query)
    exams = _with_counts(exams, request.user).order_by("-opens_at", "-pk")
    page = Paginator(exams, PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "page_title": _("Exams"),
        "page": page,
        "status": status,
        "query": query,
        "statuses": Exam.Status.choices,
        "can_build": can_build_exams(request.user),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "exams/admin/exam_index.html", context)


def _new_exam_initial() -> dict[str, Any]:
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    return {"opens_at": start, "closes_at": start + datetime.timedelta(days=7)}


def _exam_page(request: HttpRequest, exam: Exam | None, template: str, **context: Any) -> HttpResponse:
    context.setdefault("page_title", exam.title if exam else _("Add an exam"))
    context["exam"] = exam
    if exam is not None:
        context.setdefault("attempts_taken", exam.attempts.count())
        context.setdefault("can_grade", can_grade(request.user, exam))
    return TemplateResponse(request, f"exams/admin/{template}", context)


def exam_create_view(request: HttpRequest) -> HttpResponse:
    _require_builder(request)
    form = ExamForm(request.POST or None, user=request.user, initial=_new_exam_initial())
    if request.method == "POST" and form.is_valid():
        exam = exam_create(exam=form.save(commit=False), acting_user=request.user)
        messages.success(request, _("The exam was saved as a draft. Now add its questions."))
        return redirect("exam_admin:slots", exam.pk)
    return _exam_page(request, None, "exam_form.html", form=form, tab="settings")


def exam_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    form = ExamForm(request.POST or None, instance=exam, user=request.user)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            exam_change(exam=form.save(commit=False), changed=form.changed_data, acting_user=request.user)
            messages.success(request, _("The exam settings were saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("exam_admin:edit", exam.pk)
    return _exam_page(request, exam, "exam_form.html", form=form, tab="settings")


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target)


@require_POST
def exam_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    try:
        exam_publish(exam=exam, acting_user=request.user)
    except CannotPublish as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request, _("“%(title)s” is published: its members can now see it.") % {"title": exam}
        )
    return _back(request, reverse("exam_admin:edit", args=[exam.pk]))


@require_POST
def exam_unpublish_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    exam_unpublish(exam=exam, acting_user=request.user)
    messages.success(
        request,
        _("“%(title)s” is a draft again: nobody can start it; attempts in progress can still be submitted.")
        % {"title": exam},
    )
    return _back(request, reverse("exam_admin:edit", args=[exam.pk]))


# --- question slots ------------------------------------------------------------------------------


@dataclass
class SlotRow:
    slot: ExamSlot
    number: int
    count: int  # questions it puts into each attempt
    mark: Decimal | None  # per question; None: varies with the draw
    available: int | None  # random draws: matching questions in the bank

    @property
    def subtotal(self) -> Decimal | None:
        return None if self.mark is None else self.mark * self.count

    @property
    def short(self) -> bool:
        return self.available is not None and self.available < self.count

    @property
    def kind_label(self) -> str:
        kind = self.slot.kind
        return QuestionKind(kind).label if kind in QuestionKind.values else ""

    @property
    def difficulty_label(self) -> str:
        difficulty = self.slot.difficulty
        return Difficulty(difficulty).label if difficulty in Difficulty.values else ""


def _slot_row(number: int, slot: ExamSlot) -> SlotRow:
    if not slot.is_random:
        version = slot.question.current_version
        own = version.mark if version else None
        return SlotRow(slot, number, 1, slot.mark or own, None)
    available = slot_available(slot)
    same = available["low"] if available["low"] == available["high"] else None
    return SlotRow(slot, number, slot.count, slot.mark or same, available["count"])


def _slot_rows(exam: Exam) -> list[SlotRow]:
    slots = exam.slots.select_related("question__current_version", "category").order_by("sort_order", "pk")
    return [_slot_row(number, slot) for number, slot in enumerate(slots, start=1)]


def _question_choices(request: HttpRequest) -> tuple[list[Question], int, QuestionCategory | None]:
    """Bank questions to pick from, narrowed by the page's category and text filters."""
    questions = Question.objects.live().filter(current_version__isnull=False)
    category = QuestionCategory.objects.filter(pk=query_int(request.GET.get("category"))).first()
    if category is not None:
        questions = questions.in_category(category)
    text = request.GET.get("q", "").strip()
    if text:
        questions = questions.filter(
            Q(current_version__stem__icontains=text) | Q(current_version__title__icontains=text)
        )
    questions = questions.select_related("current_version").order_by("category__path", "pk")
    return list(questions[:CHOICES_SHOWN]), questions.count(), category


def _slots_page(
    request: HttpRequest,
    exam: Exam,
    *,
    fixed: FixedSlotForm | None = None,
    random: RandomSlotForm | None = None,
) -> HttpResponse:
    rows = _slot_rows(exam)
    choices, choice_total, category = _question_choices(request)
    marks = [row.subtotal for row in rows]
    context = {
        "page_title": exam.title,
        "rows": rows,
        "total_questions": sum(row.count for row in rows),
        "total_marks": None if None in marks else sum(marks, Decimal("0")),
        "fixed_form": fixed or FixedSlotForm(exam=exam),
        "random_form": random or RandomSlotForm(),
        "choices": choices,
        "choice_total": choice_total,
        "category": category,
        "categories": QuestionCategory.objects.order_by("path"),
        "query": request.GET.get("q", "").strip(),
        "tab": "slots",
    }
    return _exam_page(request, exam, "exam_slots.html", **context)


def exam_slots(request: HttpRequest, pk: int) -> HttpResponse:
    return _slots_page(request, _managed_exam(request, pk))


@require_POST
def slot_add_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    form = FixedSlotForm(request.POST, exam=exam)
    if not form.is_valid():
        return _slots_page(request, exam, fixed=form)
    exam_slot_add(exam=exam, acting_user=request.user, **form.cleaned_data)
    messages.success(request, _("Question added."))
    return redirect(f"{reverse('exam_admin:slots', args=[exam.pk])}?{request.GET.urlencode()}")


@require_POST
def slot_add_random(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    form = RandomSlotForm(request.POST)
    if not form.is_valid():
        return _slots_page(request, exam, random=form)
    data = {**form.cleaned_data, "kind": form.cleaned_data["kind"] or ""}
    slot = exam_slot_add(exam=exam, acting_user=request.user, **data)
    available = slot_available(slot)["count"]
    if available < slot.count:
        messages.warning(
            request,
            _("Random draw added, but only %(available)s questions in the bank match its %(count)s places.")
            % {"available": available, "count": slot.count},
        )
    else:
        messages.success(request, _("Random draw added."))
    return redirect("exam_admin:slots", exam.pk)


def _managed_slot(request: HttpRequest, pk: int, slot_pk: int) -> ExamSlot:
    exam = _managed_exam(request, pk)
    return get_object_or_404(exam.slots.select_related("exam"), pk=slot_pk)


@require_POST
def slot_move(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot = _managed_slot(request, pk, slot_pk)
    exam_slot_move(slot=slot, up=request.POST.get("direction") == "up", acting_user=request.user)
    return redirect("exam_admin:slots", pk)


@require_POST
def slot_remove(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot = _managed_slot(request, pk, slot_pk)
    exam_slot_remove(slot=slot, acting_user=request.user)
    messages.success(request, _("Removed from the exam."))
    return redirect("exam_admin:slots", pk)


# --- results and attempts ------------------------------------------------------------------------


def _attach_attempts(exam: Exam, results: list[ExamResult]) -> None:
    """Each result's finished attempts, in one query for the page."""
    attempts = Attempt.objects.filter(exam=exam, member_id__in=[r.member_id for r in results])
    by_member: dict[int, list[Attempt]] = {}
    for attempt in attempts.exclude(state=Attempt.State.IN_PROGRESS).order_by("number"):
        by_member.setdefault(attempt.member_id, []).append(attempt)
    for result in results:
        result.attempt_list = by_member.get(result.member_id, [])


def _filter_units(exam: Exam, user: Any) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.filter(path__startswith=exam.org_unit.path)
    return units.filter(member_scope(user, "path")).order_by("path")


def _filtered_results(request: HttpRequest, exam: Exam) -> tuple[QuerySet[ExamResult], dict[str, Any]]:
    results = exam_results(exam, user=request.user)
    units = _filter_units(exam, request.user)
    unit = units.filter(pk=query_int(request.GET.get("unit"))).first()
    if unit is not None:
        results = results.filter(member__org_unit__path__startswith=unit.path)
    passed = request.GET.get("passed", "")
    if passed in ("1", "0"):
        results = results.filter(passed=passed == "1")
    query = request.GET.get("q", "").strip()
    if query:
        results = results.filter(member__real_name__icontains=query)
    return results, {"units": units, "unit": unit, "passed": passed, "query": query}


def exam_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    results, filters = _filtered_results(request, exam)
    totals = results.aggregate(members=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("p"))
    _attach_attempts(exam, list(page))
    return _exam_page(request, exam, "exam_results.html", page=page, totals=totals, tab="results", **filters)


def attempt_detail(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    # Finished attempts only, and never one's own: the full key must not reach anyone still answering.
    attempts = (
        exam.attempts.filter(member_scope(request.user))
        .exclude(state=Attempt.State.IN_PROGRESS)
        .exclude(member__user=request.user)
        .select_related("member__org_unit", "exam")
    )
    attempt = get_object_or_404(attempts, pk=attempt_pk)
    answers = dict(attempt.answers.values_list("position", "pk"))
    questions = [(q, answers.get(q.number - 1)) for q in attempt_review(attempt, ALL_RIGHTS)]
    context = {
        "page_title": _("%(member)s · attempt %(number)s")
        % {"member": attempt.member, "number": attempt.number},
        "attempt": attempt,
        "questions": questions,
        "may_grade": can_grade(request.user, exam) and attempt.state == Attempt.State.SUBMITTED,
        "tab": "results",
    }
    return _exam_page(request, exam, "attempt_detail.html", **context)


# --- statistics and export -----------------------------------------------------------------------


def exam_statistics_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    stats = exam_statistics(exam, user=request.user)
    return _exam_page(request, exam, "exam_statistics.html", stats=stats, tab="statistics")


def exam_export(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _managed_exam(request, pk)
    data = exam_workbook(
        exam=exam,
        statistics=exam_statistics(exam, user=request.user),
        results=exam_results(exam, user=request.user),
    )
    audit_record(actor=request.user, action="exam.results_exported", target=exam)
    return xlsx_response(data, export_filename(exam))


exam_urls = [
    path("", exam_index, name="index"),
    path("new/", exam_create_view, name="create"),
    path("<int:pk>/", exam_edit, name="edit"),
    path("<int:pk>/publish/", exam_publish_view, name="publish"),
    path("<int:pk>/unpublish/", exam_unpublish_view, name="unpublish"),
    path("<int:pk>/questions/", exam_slots, name="slots"),
    path("<int:pk>/questions/fixed/", slot_add_fixed, name="slot_add_fixed"),
    path("<int:pk>/questions/random/", slot_add_random, name="slot_add_random"),
    path("<int:pk>/questions/<int:slot_pk>/move/", slot_move, name="slot_move"),
    path("<int:pk>/questions/<int:slot_pk>/remove/", slot_remove, name="slot_remove"),
    path("<int:pk>/results/", exam_results_view, name="results"),
    path("<int:pk>/results/<int:attempt_pk>/", attempt_detail, name="attempt"),
    path("<int:pk>/statistics/", exam_statistics_view, name="statistics"),
    path("<int:pk>/export/", exam_export, name="export"),
]


# --- grading -------------------------------------------------------------------------------------


def may_grade_any(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("exams.grade_exam")


def _gradable_answers(user: Any) -> QuerySet[AttemptAnswer]:
    """Answers of submitted attempts in exams ``user`` may grade, of members they may see."""
    if not may_grade_any(user):
        return AttemptAnswer.objects.none()
    return AttemptAnswer.objects.filter(
        member_scope(user, "attempt__member__org_unit__path"),
        attempt__exam__in=exams_managed_by(user),
        attempt__state=Attempt.State.SUBMITTED,
    )


def _queue(user: Any, exam_id: int | None) -> QuerySet[AttemptAnswer]:
    """Answers waiting for a mark, oldest submission first (only essays wait: the rest mark themselves)."""
    answers = _gradable_answers(user).filter(mark__isnull=True)
    if exam_id:
        answers = answers.filter(attempt__exam_id=exam_id)
    return answers.order_by("attempt__submitted_at", "attempt_id", "position")


def _attach_versions(answers: list[AttemptAnswer]) -> None:
    ids = {a.attempt.layout[a.position]["version"] for a in answers if a.position < len(a.attempt.layout)}
    versions = QuestionVersion.objects.only("id", "stem", "title").order_by().in_bulk(ids)
    for answer in answers:
        item = answer.attempt.layout[answer.position] if answer.position < len(answer.attempt.layout) else {}
        answer.version = versions.get(item.get("version"))
        answer.full_mark = Decimal(item.get("mark", "0"))


def grading_index(request: HttpRequest) -> HttpResponse:
    if not may_grade_any(request.user):
        raise PermissionDenied
    exam_id = query_int(request.GET.get("exam"))
    queue = _queue(request.user, exam_id).select_related("attempt__exam", "attempt__member__org_unit")
    page = Paginator(queue, PER_PAGE).get_page(request.GET.get("p"))
    _attach_versions(list(page))
    waiting_exams = Exam.objects.filter(
        pk__in=_queue(request.user, None).values("attempt__exam_id")
    ).order_by("-opens_at")
    context = {
        "page_title": _("Grading"),
        "page": page,
        "exams": waiting_exams,
        "exam_id": exam_id,
    }
    return TemplateResponse(request, "exams/admin/grading_index.html", context)


def _after_grading(request: HttpRequest, answer: AttemptAnswer) -> HttpResponse:
    attempt = answer.attempt
    if request.GET.get("from") == "attempt":
        return redirect("exam_admin:attempt", attempt.exam_id, attempt.pk)
    exam_id = query_int(request.GET.get("exam"))
    following = _queue(request.user, exam_id).exclude(pk=answer.pk).first()
    suffix = f"?exam={exam_id}" if exam_id else ""
    if following is None:
        messages.success(request, _("No more answers are waiting for a mark."))
        return redirect(reverse("exam_grading:index") + suffix)
    return redirect(reverse("exam_grading:grade", args=[following.pk]) + suffix)


def _essay(answer: AttemptAnswer) -> tuple[dict[str, Any], QuestionVersion]:
    """The layout item and version of an essay answer; anything else is not graded here (404)."""
    layout = answer.attempt.layout
    item = layout[answer.position] if answer.position < len(layout) else {}
    if item.get("kind") != QuestionKind.ESSAY:
        raise Http404
    return item, get_object_or_404(QuestionVersion, pk=item["version"])


def grade_answer(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_grade_any(request.user):
        raise PermissionDenied
    answers = _gradable_answers(request.user).select_related(
        "attempt__exam", "attempt__member__org_unit", "graded_by"
    )
    answer = get_object_or_404(answers, pk=pk)
    item, version = _essay(answer)
    full = Decimal(item["mark"])
    initial = {"mark": answer.mark, "comment": answer.comment}
    form = GradeForm(request.POST or None, full=full, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            answer_grade(answer=answer, acting_user=request.user, **form.cleaned_data)
        except ExamError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Mark saved: %(member)s, question %(number)s.")
                % {"member": answer.attempt.member, "number": answer.position + 1},
            )
            return _after_grading(request, answer)
    context = {
        "page_title": _("Grade an answer"),
        "answer": answer,
        "attempt": answer.attempt,
        "version": version,
        "full": full,
        "form": form,
        "waiting": _queue(request.user, query_int(request.GET.get("exam"))).count(),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "exams/admin/grading_form.html", context)


grading_urls = [
    path("", grading_index, name="index"),
    path("<int:pk>/", grade_answer, name="grade"),
]


# --- Wagtail hooks -------------------------------------------------------------------------------


class ExamsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_build_exams(request.user)


class GradingMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return may_grade_any(request.user)


@hooks.register("register_admin_urls")
def register_exam_admin_urls() -> list:
    return [
        path("exams/manage/", include((exam_urls, "exam_admin"))),
        path("exams/grading/", include((grading_urls, "exam_grading"))),
    ]


@hooks.register(MENU_HOOK)
def register_exams_menu_item() -> MenuItem:
    return ExamsMenuItem(gettext_lazy("Exams"), reverse("exam_admin:index"), icon_name="doc-full", order=20)


@hooks.register(MENU_HOOK)
def register_grading_menu_item() -> MenuItem:
    return GradingMenuItem(gettext_lazy("Grading"), reverse("exam_grading:index"), icon_name="edit", order=30)
