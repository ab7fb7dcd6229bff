"""Pages of topic proposals (主题征集) and calls for instructors (讲师招募)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions, proposals
from community.exceptions import CommunityError
from community.forms import ApplicationForm, CallForm, ProposalForm, ReasonForm
from community.models import CallApplication, InstructorCall, ProposalVote, TopicProposal, Visibility
from community.views import posting_limit
from school.accounts.negotiation import wants_json

PER_PAGE = 20
SHOWS = {
    "open": TopicProposal.Status.OPEN,
    "adopted": TopicProposal.Status.ADOPTED,
    "declined": TopicProposal.Status.DECLINED,
}


def _shown(user):
    return TopicProposal.objects.filter(visibility=Visibility.PUBLISHED) | TopicProposal.objects.filter(
        author=user
    )


@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show") if request.GET.get("show") in SHOWS else "open"
    sort = "new" if request.GET.get("sort") == "new" else "votes"
    rows = _shown(request.user).filter(status=SHOWS[show]).select_related("author__member")
    rows = rows.annotate(
        voted=Exists(ProposalVote.objects.filter(proposal=OuterRef("pk"), user=request.user))
    )
    rows = (
        rows.order_by("-created_at", "-id")
        if sort == "new"
        else rows.order_by("-vote_count", "-created_at", "-id")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "title": _("Topic proposals"),
        "page": page,
        "show": show,
        "sort": sort,
        "query": "&".join(part for part in (f"show={show}", f"sort={sort}") if part),
        "calls": InstructorCall.objects.filter(status=InstructorCall.Status.OPEN).select_related("course")[
            :5
        ],
        "runs_calls": permissions.can_run_calls(request.user),
    }
    return render(request, "community/topics.html", context)


@login_required
@posting_limit
def topic_new(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.proposal_create(author=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if proposal.visibility == Visibility.HELD:
                messages.warning(
                    request, _("Your proposal is held for review and will appear once approved.")
                )
            else:
                messages.success(request, _("Your topic is proposed. Members can vote for it now."))
            return redirect("community:proposal", pk=proposal.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "community/topic_new.html", {"title": _("Propose a topic"), "form": form}, status=status
    )


def _proposal_or_404(request: HttpRequest, pk: int) -> TopicProposal:
    proposal = get_object_or_404(TopicProposal.objects.select_related("author__member"), pk=pk)
    if (
        proposal.visibility != Visibility.PUBLISHED
        and proposal.author_id != request.user.pk
        and not permissions.can_run_calls(request.user)  # organizers review held proposals
    ):
        raise Http404
    return proposal


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    context = {
        "title": proposal.title,
        "proposal": proposal,
        "voted": ProposalVote.objects.filter(proposal=proposal, user=request.user).exists(),
        "runs_calls": permissions.can_run_calls(request.user),
        "call": InstructorCall.objects.filter(proposal=proposal).first(),
        "decline_form": ReasonForm(),
    }
    return render(request, "community/topic.html", context)


@login_required
@require_POST
def topic_vote(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    try:
        count = proposals.proposal_vote(proposal=proposal, user=request.user)
    except CommunityError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=409)
        messages.error(request, error.message)
        return redirect("community:proposal", pk=proposal.pk)
    if wants_json(request):
        return JsonResponse({"voted": True, "votes": count})
    messages.success(request, _("Thank you for your vote."))
    if request.POST.get("next") == "list":
        return redirect("community:proposals")
    return redirect("community:proposal", pk=proposal.pk)


@login_required
@require_POST
def topic_approve(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(TopicProposal, pk=pk)
    try:
        proposals.proposal_approve(proposal=proposal, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The proposal is published."))
    return redirect("community:moderation")


@login_required
@require_POST
def topic_decline(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            proposals.proposal_decline(
                proposal=proposal, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except CommunityError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The proposal is declined; its reason is shown with it."))
    return redirect("community:proposal", pk=proposal.pk)


@login_required
def call_new(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    if not permissions.can_run_calls(request.user):
        raise PermissionDenied
    form = CallForm(
        request.POST or None, initial={"title": _("Instructor wanted: %(topic)s") % {"topic": proposal.title}}
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = proposals.call_open(proposal=proposal, acting_user=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The call for instructors is open."))
            return redirect("community:call", pk=call.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Open a call for instructors"), "form": form, "proposal": proposal}
    return render(request, "community/call_new.html", context, status=status)


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    rows = InstructorCall.objects.select_related("course", "proposal").order_by("status", "-created_at")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/calls.html", {"title": _("Calls for instructors"), "page": page})


@login_required
@posting_limit
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(InstructorCall.objects.select_related("course", "proposal", "created_by"), pk=pk)
    mine = CallApplication.objects.filter(call=call, applicant=request.user).first()
    form = ApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposals.call_apply(
                    call=call, applicant=request.user, statement=form.cleaned_data["statement"]
                )
            except CommunityError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your application is sent. You will be told of the decision."))
                return redirect("community:call", pk=call.pk)
        status = 400
    decides = permissions.can_decide_call(request.user, call)
    context = {
        "title": call.title,
        "call": call,
        "mine": mine,
        "form": form,
        "is_open": proposals.call_is_open(call),
        "decides": decides,
        "applications": call.applications.select_related("applicant__member__org_unit") if decides else [],
    }
    return render(request, "community/call.html", context, status=status)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(CallApplication, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "accept":
            proposals.application_accept(application=application, acting_user=request.user)
            messages.success(request, _("The instructor is chosen and can now work on the course."))
        elif action == "withdraw":
            proposals.application_withdraw(application=application, acting_user=request.user)
            messages.success(request, _("Your application is withdrawn."))
        else:
            return HttpResponse(_("Unknown action."), status=400)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    return redirect("community:call", pk=application.call_id)


@login_required
@require_POST
def call_close(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(InstructorCall, pk=pk)
    try:
        proposals.call_close(call=call, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The call is closed."))
    return redirect("community:call", pk=call.pk)
