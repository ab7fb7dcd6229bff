"""Homework pages: my homework, setting and changing an assignment, handing in, reviewing, files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import homework, permissions
from community.content import text_of
from community.exceptions import CommunityError
from community.homework_forms import AssignmentEditForm, AssignmentForm, ReviewForm, SubmissionForm
from community.models import Assignment, Submission, SubmissionFile
from community.uploads import content_type
from community.views import posting_limit
from school.downloads import private_download

SUBMISSIONS_PER_PAGE = 30
FILTERS = {
    "review": Q(status=Submission.Status.SUBMITTED),
    "reviewed": Q(status=Submission.Status.REVIEWED),
    "late": Q(is_late=True),
}


@login_required
def homework_list(request: HttpRequest) -> HttpResponse:
    """The member's homework on the courses they study, and the courses they teach."""
    from courses.models import CoursePage, Enrollment

    user = request.user
    member = getattr(user, "member", None)
    studying = (
        Enrollment.objects.studying().filter(member=member).values("course")
        if member
        else CoursePage.objects.none()
    )
    assignments = Assignment.objects.filter(course__in=studying).select_related("course").order_by("-due_at")
    page = Paginator(assignments, 20).get_page(request.GET.get("page"))
    page.object_list = homework.with_my_status(list(page.object_list), user)
    teaching = (
        Assignment.objects.filter(course__instructors=user)
        .select_related("course")
        .annotate(
            handed_in=Count("submissions", distinct=True),
            to_review=Count(
                "submissions", filter=Q(submissions__status=Submission.Status.SUBMITTED), distinct=True
            ),
        )
        .order_by("-due_at")[:50]
    )
    context = {"title": _("Homework"), "page": page, "teaching": list(teaching)}
    return render(request, "community/homework/list.html", context)


def _course_or_404(course_id: int):
    from courses.models import CoursePage

    return get_object_or_404(CoursePage.objects.live(), pk=course_id)


@login_required
@posting_limit
def assignment_new(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _course_or_404(course_id)
    if not permissions.teaches_course(request.user, course):
        raise PermissionDenied
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = homework.assignment_create(
                course=course, acting_user=request.user, **form.cleaned_data
            )
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The homework is set; the members studying the course are told."))
            return redirect("community:assignment", pk=assignment.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Set homework"), "course": course, "form": form}
    return render(request, "community/homework/assignment_form.html", context, status=status)


def _assignment_or_404(request: HttpRequest, pk: int) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("course"), pk=pk)
    if not permissions.can_view_assignment(request.user, assignment):
        raise Http404
    return assignment


@login_required
@posting_limit
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    if not permissions.teaches_course(request.user, assignment.course):
        raise PermissionDenied
    initial = {
        "title": assignment.title,
        "prompt": text_of(assignment.prompt),
        "due_at": timezone.localtime(assignment.due_at),
        "max_score": assignment.max_score,
        "allow_files": assignment.allow_files,
        "accept_late": assignment.accept_late,
        "is_open": assignment.is_open,
    }
    form = AssignmentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homework.assignment_update(assignment=assignment, acting_user=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("community:assignment", pk=assignment.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "title": _("Change homework"),
        "course": assignment.course,
        "assignment": assignment,
        "form": form,
    }
    return render(request, "community/homework/assignment_form.html", context, status=status)


@login_required
@posting_limit
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """The prompt; for a member their hand-in (and the form), for a teacher the submissions."""
    assignment = _assignment_or_404(request, pk)
    user = request.user
    mine = Submission.objects.filter(assignment=assignment, author=user).prefetch_related("files").first()
    refusal = homework.submission_refusal(assignment=assignment, author=user)
    existing = list(mine.files.all()) if mine else []
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        existing=existing,
        allow_files=assignment.allow_files,
        initial={"text": text_of(mine.text) if mine and mine.text else ""},
    )
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        if form.is_valid():
            try:
                submission = homework.submission_save(
                    assignment=assignment,
                    author=user,
                    text=form.cleaned_data["text"],
                    files=form.cleaned_data.get("files") or [],
                    remove_file_ids=form.cleaned_data.get("remove") or [],
                )
            except CommunityError as error:
                form.add_error(None, error.message)
            else:
                if submission.is_late:
                    messages.warning(request, _("Handed in after the due date: it is marked as late."))
                else:
                    messages.success(request, _("Your homework is handed in."))
                return redirect("community:assignment", pk=assignment.pk)
    teaches = permissions.teaches_course(user, assignment.course)
    context = {
        "title": assignment.title,
        "assignment": assignment,
        "course": assignment.course,
        "mine": mine,
        "files": existing,
        "form": form,
        "refusal": refusal,
        "can_submit": not refusal,
        "teaches": teaches,
        "overdue": timezone.now() > assignment.due_at,
    }
    if teaches:
        context.update(_submissions(request, assignment))
    status = 400 if request.method == "POST" else 200
    return render(request, "community/homework/assignment.html", context, status=status)


def _submissions(request: HttpRequest, assignment: Assignment) -> dict:
    shown = request.GET.get("show", "")
    rows = assignment.submissions.select_related("author__member__org_unit").annotate(
        file_count=Count("files")
    )
    counts = rows.aggregate(
        total=Count("pk"),
        review=Count("pk", filter=FILTERS["review"]),
        reviewed=Count("pk", filter=FILTERS["reviewed"]),
        late=Count("pk", filter=FILTERS["late"]),
    )
    if shown in FILTERS:
        rows = rows.filter(FILTERS[shown])
    students = homework.studying(assignment.course).count()
    return {
        "submissions": Paginator(
            rows.order_by("status", "submitted_at", "id"), SUBMISSIONS_PER_PAGE
        ).get_page(request.GET.get("page")),
        "counts": counts,
        "shown": shown,
        "missing": max(students - counts["total"], 0),
        "students": students,
    }


def _submission_or_404(request: HttpRequest, pk: int) -> Submission:
    submission = get_object_or_404(
        Submission.objects.select_related("assignment__course", "author__member__org_unit", "reviewed_by"),
        pk=pk,
    )
    if not permissions.can_view_submission(request.user, submission):
        raise Http404
    return submission


@login_required
@posting_limit
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    assignment = submission.assignment
    teaches = permissions.teaches_course(request.user, assignment.course)
    initial = {"score": submission.score, "comment": text_of(submission.review_comment)}
    form = ReviewForm(request.POST or None, initial=initial, max_score=assignment.max_score)
    if request.method == "POST":
        if not teaches:
            raise PermissionDenied
        if form.is_valid():
            try:
                homework.submission_review(
                    submission=submission,
                    acting_user=request.user,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except CommunityError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The review is saved and the member is told."))
                following = (
                    assignment.submissions.filter(status=Submission.Status.SUBMITTED)
                    .order_by("submitted_at", "id")
                    .first()
                )
                if following is not None:
                    return redirect("community:submission", pk=following.pk)
                return redirect("community:assignment", pk=assignment.pk)
    context = {
        "title": _("Homework of %(name)s") % {"name": submission.author.display_name},
        "submission": submission,
        "assignment": assignment,
        "files": list(submission.files.all()),
        "form": form,
        "teaches": teaches,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "community/homework/submission.html", context, status=status)


@login_required
@require_GET
def submission_file(request: HttpRequest, pk: int) -> FileResponse:
    """A handed-in file, always as a download and under its own type (never rendered by the site)."""
    row = get_object_or_404(SubmissionFile.objects.select_related("submission__assignment__course"), pk=pk)
    if not permissions.can_view_submission(request.user, row.submission):
        raise Http404
    return private_download(row.file.name, filename=row.name, content_type=content_type(row.kind))
