"""Study management in the admin (学习管理): 专题班 course assignments with their rosters, the
queue of applications for courses taken by approval, and offline study with attendance.

Organizers see and act on their own subtree only: every lookup goes through
``courses.permissions``, so an id from elsewhere is a 404; writes go through the services.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from courses.admin_forms import CourseAssignmentForm, OfflineStudyForm
from courses.exceptions import EnrollmentRefused
from courses.models import Enrollment
from courses.permissions import (
    assignments_visible_to,
    can_manage_study,
    enrollments_visible_to,
    offline_visible_to,
)
from courses.selectors import assignment_roster, with_roster_counts
from courses.services.enrollment import course_assign, enrollment_decide
from courses.services.offline import offline_study_record

PER_PAGE = 50


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_study(request.user):
        raise PermissionDenied


def assignment_index(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    assignments = with_roster_counts(assignments_visible_to(request.user))
    assignments = assignments.select_related("course", "org_unit").order_by("-created_at")
    page = Paginator(assignments, PER_PAGE).get_page(request.GET.get("p"))
    context = {"page_title": _("Course assignments"), "page": page}
    return TemplateResponse(request, "courses/admin/assignment_index.html", context)


def _form_page(
    request: HttpRequest,
    form,
    *,
    title: str,
    help_text: str,
    cancel_url: str,
    save: Callable[[dict], HttpResponse],
) -> HttpResponse:
    """A form whose valid data goes to a service; the service's refusal shows above the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            return save(form.cleaned_data)
        except EnrollmentRefused as refused:
            form.add_error(None, refused.message)
    context = {"page_title": title, "form": form, "help_text": help_text, "cancel_url": cancel_url}
    return TemplateResponse(request, "courses/admin/form.html", context)


def assignment_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)

    def save(data: dict) -> HttpResponse:
        assignment = course_assign(acting_user=request.user, **data)
        count = assignment.enrollments.count()
        messages.success(request, _("The course was assigned to %(count)d members.") % {"count": count})
        return redirect("course_assignments:detail", assignment.pk)

    return _form_page(
        request,
        CourseAssignmentForm(request.POST or None, user=request.user),
        title=_("Assign a course"),
        help_text=_(
            "Every active member of the chosen organisation and the units below it (of the ticked "
            "political statuses) is enrolled, with the deadline. Members already studying the course "
            "keep their progress."
        ),
        cancel_url=reverse("course_assignments:index"),
        save=save,
    )


def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    visible = with_roster_counts(assignments_visible_to(request.user)).select_related("course", "org_unit")
    assignment = get_object_or_404(visible, pk=pk)
    roster, lesson_count = assignment_roster(assignment)
    page = Paginator(roster, PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "page_title": assignment.title,
        "assignment": assignment,
        "page": page,
        "lesson_count": lesson_count,
    }
    return TemplateResponse(request, "courses/admin/assignment_detail.html", context)


def application_index(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    pending = (
        enrollments_visible_to(request.user)
        .filter(status=Enrollment.Status.PENDING)
        .select_related("member__org_unit", "course")
        .order_by("created_at")
    )
    page = Paginator(pending, PER_PAGE).get_page(request.GET.get("p"))
    context = {"page_title": _("Applications to study"), "page": page}
    return TemplateResponse(request, "courses/admin/application_index.html", context)


@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    enrollment = get_object_or_404(enrollments_visible_to(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        enrollment_decide(acting_user=request.user, enrollment=enrollment, approve=approve)
    except EnrollmentRefused as refused:
        messages.error(request, refused.message)
    else:
        message = (
            _("%(member)s may now study “%(course)s”.") if approve else _("The application was declined.")
        )
        messages.success(request, message % {"member": enrollment.member, "course": enrollment.course.title})
    return redirect(reverse("course_applications:index"))


assignment_urls = [
    path("", assignment_index, name="index"),
    path("new/", assignment_create, name="create"),
    path("<int:pk>/", assignment_detail, name="detail"),
]
application_urls = [
    path("", application_index, name="index"),
    path("<int:pk>/decide/", application_decide, name="decide"),
]


def offline_index(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    sessions = (
        offline_visible_to(request.user)
        .select_related("org_unit")
        .annotate(attendee_count=Count("attendees"))
    )
    page = Paginator(sessions, PER_PAGE).get_page(request.GET.get("p"))
    context = {"page_title": _("Offline study"), "page": page}
    return TemplateResponse(request, "courses/admin/offline_index.html", context)


def offline_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)

    def save(data: dict) -> HttpResponse:
        study = offline_study_record(acting_user=request.user, **data)
        message = _("Recorded: %(count)d attendees earn %(hours)s credit hours each.")
        messages.success(request, message % {"count": len(data["attendees"]), "hours": study.hours})
        return redirect("offline_study:index")

    return _form_page(
        request,
        OfflineStudyForm(request.POST or None, user=request.user),
        title=_("Record offline study"),
        help_text=_(
            "Each attendee earns the credit hours in their learning record, dated on the day the "
            "session was held."
        ),
        cancel_url=reverse("offline_study:index"),
        save=save,
    )


offline_urls = [
    path("", offline_index, name="index"),
    path("new/", offline_create, name="create"),
]
