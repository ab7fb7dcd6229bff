"""Enrolment from the course page and the study heartbeats of the lesson page's script."""

from __future__ import annotations

import json
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses import selectors
from courses.documents import document_access, is_pdf, watermark_text, watermarked_pdf
from courses.exceptions import EnrollmentRefused, HeartbeatRefused
from courses.models import CoursePage, Enrollment, LessonPage
from courses.permissions import can_read
from courses.selectors import member_of, record_years
from courses.services.enrollment import enrollment_create
from courses.services.progress import Heartbeat, heartbeat_record, study_session_start
from courses.services.ratings import course_rate
from school.services.audit import audit_record

logger = logging.getLogger(__name__)

MAX_BEAT_BYTES = 8 * 1024
BEAT_EVENTS = ("tick", "pause", "ended", "hidden", "visible", "seek", "end")


def _member_and_readable_course(request: HttpRequest, course_id: int):
    """The visitor's member profile and a live course they may read; 404 or 403 otherwise."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    member = member_of(request.user)
    if member is None or not can_read(request.user, course):
        raise PermissionDenied
    return member, course


@require_POST
@login_required
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    member, course = _member_and_readable_course(request, course_id)
    try:
        enrollment = enrollment_create(member=member, course=course)
    except EnrollmentRefused as refused:
        messages.error(request, refused.message)
    else:
        if enrollment.status == Enrollment.Status.PENDING:
            messages.success(request, _("Your application was sent. Your organizer will review it."))
        else:
            messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(course.url)


# No per-address rate limit on the study endpoints: a whole office behind one NAT studies at once.
# They need a login session, and a heartbeat earns nothing beyond the wall-clock limit.
@never_cache
@require_POST
def study_start(request: HttpRequest, lesson_id: int) -> JsonResponse:
    member = member_of(request.user)
    if member is None:
        return _error("login", _("Log in to record your study."), status=403)
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not can_read(request.user, lesson):
        return _error("forbidden", _("You may not study this lesson."), status=403)
    if not request.session.session_key:
        request.session.save()
    try:
        session = study_session_start(member=member, lesson=lesson, session_key=request.session.session_key)
    except EnrollmentRefused as refused:
        return _error("not_enrolled", refused.message, status=409)
    return JsonResponse({"token": session.token})


@never_cache
@require_POST
def study_beat(request: HttpRequest) -> JsonResponse:
    """One heartbeat, as form data (what ``navigator.sendBeacon`` can send with the CSRF token)."""
    try:
        beat = _read_beat(request)
    except (ValueError, RecursionError):
        return _error("malformed", _("The heartbeat is malformed."), status=400)
    try:
        result = heartbeat_record(
            token=request.POST.get("token", ""),
            user=request.user,
            session_key=request.session.session_key or "",
            beat=beat,
        )
    except HeartbeatRefused as refused:
        return _error(refused.code, refused.message, status=refused.status)
    progress = result.progress
    return JsonResponse(
        {
            "seq": beat.seq,
            "duplicate": result.duplicate,
            "watched": [list(part) for part in progress.watched],
            "watchedSeconds": progress.watched_seconds,
            "percent": progress.percent,
            "readSeconds": progress.read_seconds,
            "completed": progress.completed_at is not None,
            "lessonCompleted": result.lesson_completed,
            "courseCompleted": result.course_completed,
        }
    )


def _read_beat(request: HttpRequest) -> Heartbeat:
    raw = request.POST.get("beat", "")
    if not raw or len(raw) > MAX_BEAT_BYTES:
        raise ValueError("missing or too large")
    data: Any = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    seq, event = data.get("seq"), data.get("event", "tick")
    if not isinstance(seq, int) or isinstance(seq, bool) or event not in BEAT_EVENTS:
        raise ValueError("bad seq or event")
    return Heartbeat(
        seq=seq,
        intervals=data.get("intervals", []),
        position=data.get("position", 0),
        event=event,
        at_end=data.get("atEnd") is True,
    )


def _error(code: str, message: str, *, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


@login_required
def learning_record(request: HttpRequest) -> HttpResponse:
    """学习档案: a member's credit hours by year against the annual requirement."""
    member = member_of(request.user)
    if member is None:
        return redirect("my_learning")
    today = timezone.localdate()
    years = record_years(member, today.year)
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if year not in years:
        year = today.year
    context = {
        "title": _("Learning record"),
        "member": member,
        "record": selectors.learning_record(member, year),
        "years": years,
    }
    return render(request, "courses/learning_record.html", context)


def document_download(request: HttpRequest, document: Any) -> HttpResponse | None:
    """Wagtail's ``before_serve_document``: refuse, or audit and (for restricted PDFs) stamp.

    None lets Wagtail serve the file as it is.
    """
    access = document_access(request.user, document)
    if not access.allowed:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    stamp = access.restricted and request.user.is_authenticated and is_pdf(document)
    audit_record(
        actor=request.user,
        action="document.downloaded",
        target=document,
        pages=list(access.page_ids),
        watermarked=stamp,
        ip=request.META.get("REMOTE_ADDR", ""),
    )
    if not stamp:
        return None
    try:
        with document.file.open("rb") as handle:
            stamped = watermarked_pdf(handle.read(), watermark_text(request.user))
    except Exception:
        logger.exception("could not watermark document %s", document.pk)
        return HttpResponse(
            _("This document cannot be downloaded right now. Please try again later."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(stamped, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    patch_cache_control(response, private=True, no_store=True)
    return response


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"), choices=[(n, str(n)) for n in range(5, 0, -1)], coerce=int
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False)


@require_POST
@login_required
def rate(request: HttpRequest, course_id: int) -> HttpResponse:
    member, course = _member_and_readable_course(request, course_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from one to five stars; a comment has at most 500 characters."))
        return redirect(course.url)
    try:
        course_rate(member=member, course=course, **form.cleaned_data)
    except EnrollmentRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Thank you for rating this course."))
    return redirect(course.url)
