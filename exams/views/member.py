"""Members' exam pages: the list, an exam's rules, the attempt page with its autosave API, and results."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from exams.exceptions import ExamError
from exams.models import Attempt, Exam, QuestionKind, QuestionVersion
from exams.review import attempt_review, review_rights, score_visible
from exams.selectors import exam_visible_to, my_exams
from exams.services.attempts import (
    attempt_close_if_overdue,
    attempt_open_window,
    attempt_save,
    attempt_start,
    attempt_submit,
    browser_response,
    exam_refusal,
    open_attempt,
)
from school import metrics
from school.models import Member

MAX_SAVE_BYTES = 1024 * 1024  # a few long essays sent together after a network outage


def _member(request: HttpRequest) -> Member:
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    return member


def _exam_for(request: HttpRequest, exam_id: int) -> tuple[Exam, Member]:
    member = _member(request)
    exam = get_object_or_404(Exam.objects.select_related("course", "org_unit"), pk=exam_id)
    if not exam_visible_to(exam, member):
        raise Http404
    return exam, member


def _own_attempt(request: HttpRequest, attempt_id) -> Attempt:
    """The member's own attempt; anyone else's id is a 404, whatever it is."""
    member = _member(request)
    return get_object_or_404(Attempt.objects.select_related("exam"), public_id=attempt_id, member=member)


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    member = getattr(request.user, "member", None)
    rows = my_exams(member) if member else []
    return render(request, "exams/exam_list.html", {"title": _("Exams"), "rows": rows, "member": member})


@login_required
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, member = _exam_for(request, exam_id)
    attempt = open_attempt(exam=exam, member=member)
    attempts = list(
        exam.attempts.filter(member=member).exclude(state=Attempt.State.IN_PROGRESS).order_by("-number")
    )
    refusal = None if attempt else exam_refusal(exam, member)
    context = {
        "title": exam.title,
        "exam": exam,
        "open_attempt": attempt,
        "attempts": [(a, review_rights(a)) for a in attempts],
        "result": exam.results.filter(member=member).first(),
        "score_shown": score_visible(exam),
        "refusal": refusal.message if refusal else None,
        "question_count": sum(1 if not slot.is_random else slot.count for slot in exam.slots.all()),
    }
    return render(request, "exams/exam_detail.html", context)


@login_required
@require_POST
def attempt_start_view(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, member = _exam_for(request, exam_id)
    try:
        attempt = attempt_start(exam=exam, member=member)
    except ExamError as refused:
        messages.error(request, refused.message)
        return redirect("exams:detail", exam_id=exam.pk)
    return redirect("exams:attempt", attempt_id=attempt.public_id)


def _question_rows(attempt: Attempt, answers: dict[int, Any]) -> list[dict[str, Any]]:
    """What the attempt page shows: stems and option texts in the member's order, nothing about answers."""
    versions = QuestionVersion.objects.in_bulk([item["version"] for item in attempt.layout])
    rows = []
    for position, item in enumerate(attempt.layout):
        version = versions[item["version"]]
        options = [
            {"value": shown, "label": chr(ord("A") + shown), "text": version.options[original]["text"]}
            for shown, original in enumerate(item["order"])
        ]
        rows.append(
            {
                "position": position,
                "kind": version.kind,
                "kind_label": QuestionKind(version.kind).label,
                "stem": version.stem,
                "mark": item["mark"],
                "options": options,
                "blanks": range(item.get("blanks", 0)),
                "answer": answers.get(position),
            }
        )
    return rows


def _page_texts() -> dict[str, str]:
    return {
        "saving": _("Saving…"),
        "saved": _("All answers saved"),
        "notSaved": _("Not saved"),
        "offline": _("No connection: your answers are kept on this device and will be sent when it is back."),
        "offlineSubmit": _("No connection: trying to submit again…"),
        "loggedOut": _("You seem to be logged out. Log in again in another tab; your answers are kept here."),
        "submitting": _("Submitting…"),
        "timeUp": _("Time is up: submitting your answers…"),
        "reload": _("Reload"),
        "sessionChanged": _(
            "Your login changed (you logged in again, perhaps in another tab). Reload the page: "
            "answers not yet saved are kept on this device."
        ),
        "answered": _("%(done)s of %(total)s answered"),
        "unanswered": _("%(count)s questions are not answered yet."),
        "allAnswered": _("You have answered every question."),
        "confirmSubmit": _("Submit your answers? You cannot change them afterwards."),
    }


@never_cache
@login_required
def attempt_page(request: HttpRequest, attempt_id) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    attempt_close_if_overdue(attempt=attempt)
    if not attempt.is_open:
        return redirect("exams:result", attempt_id=attempt.public_id)
    writer = attempt_open_window(attempt=attempt)
    answers = {
        a.position: browser_response(attempt.layout[a.position], a.response) for a in attempt.answers.all()
    }
    config = {
        "attempt": str(attempt.public_id),
        "saveUrl": reverse("exams:save", args=[attempt.public_id]),
        "submitUrl": reverse("exams:submit", args=[attempt.public_id]),
        "resultUrl": reverse("exams:result", args=[attempt.public_id]),
        "writer": writer,
        "seq": attempt.last_seq,
        "deadline": attempt.deadline.isoformat(),
        "serverNow": timezone.now().isoformat(),
        "answers": {str(k): v for k, v in answers.items()},
        "csrfToken": get_token(request),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "text": _page_texts(),
    }
    context = {
        "title": attempt.exam.title,
        "attempt": attempt,
        "exam": attempt.exam,
        "questions": _question_rows(attempt, answers),
        "config": config,
    }
    return render(request, "exams/attempt.html", context)


def _json_error(error: ExamError) -> JsonResponse:
    return JsonResponse(
        {"error": error.code, "detail": error.message},
        status=error.status,
        json_dumps_params={"ensure_ascii": False},
    )


def _body(request: HttpRequest) -> dict[str, Any]:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_SAVE_BYTES:
        raise ExamError(_("Too much data in one save."), code="too_large")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError, RequestDataTooBig):
        raise ExamError(_("The request is malformed."), code="malformed") from None
    if not isinstance(data, dict):
        raise ExamError(_("The request is malformed."), code="malformed")
    return data


def _posted(request: HttpRequest, attempt_id, service: Callable[..., Any], *, kind: str) -> Any:
    """Call an answer-writing service with the JSON body; its refusal becomes a JSON error response.
    Each outcome is counted (``school_exam_saves_total``)."""
    attempt = _own_attempt(request, attempt_id)
    try:
        data = _body(request)
        result = service(
            attempt=attempt,
            writer=str(data.get("writer", "")),
            seq=data.get("seq"),
            answers=data.get("answers"),
        )
    except ExamError as error:
        metrics.exam_save_count(kind=kind, outcome=error.code)
        return _json_error(error)
    metrics.exam_save_count(
        kind=kind, outcome="duplicate" if getattr(result, "duplicate", False) else "saved"
    )
    return result


@login_required
@require_POST
def attempt_save_view(request: HttpRequest, attempt_id) -> JsonResponse:
    saved = _posted(request, attempt_id, attempt_save, kind="autosave")
    if isinstance(saved, JsonResponse):
        return saved
    return JsonResponse({"seq": saved.seq, "duplicate": saved.duplicate})


@login_required
@require_POST
def attempt_submit_view(request: HttpRequest, attempt_id) -> JsonResponse:
    attempt = _posted(request, attempt_id, attempt_submit, kind="submit")
    if isinstance(attempt, JsonResponse):
        return attempt
    result_url = reverse("exams:result", args=[attempt.public_id])
    return JsonResponse({"state": attempt.state, "resultUrl": result_url})


@never_cache
@login_required
def attempt_result(request: HttpRequest, attempt_id) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    attempt_close_if_overdue(attempt=attempt)
    if attempt.is_open:
        return redirect("exams:attempt", attempt_id=attempt.public_id)
    rights = review_rights(attempt)
    context = {
        "title": attempt.exam.title,
        "attempt": attempt,
        "exam": attempt.exam,
        "rights": rights,
        "questions": attempt_review(attempt, rights),
        "certificate": (
            attempt.member.certificates.filter(exam=attempt.exam, revoked_at__isnull=True).first()
            if attempt.passed and rights.score
            else None
        ),
    }
    return render(request, "exams/result.html", context)
