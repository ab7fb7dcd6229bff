"""Pages of the topic study groups (专题学习小组): list, start, group page, progress, reading list.

A group the reader may not see (another 支部's, or someone else's request) does not exist for them:
404. Refusals of a service come back as the group page with the message and a 4xx status.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from community import groups, permissions
from community.exceptions import CommunityError, InvalidPost
from community.forms import ReasonForm
from community.group_forms import GroupForm, MemberForm, ReadingForm
from community.models import GroupMembership, GroupReading, StudyGroup
from community.views import _mark_unread, _threads_with_unread, posting_limit
from school.accounts.negotiation import wants_json
from school.models import User

PER_PAGE = 20
LATEST_THREADS = 5
SEARCH_RESULTS = 20
STATUS_ORDER = {"active": 0, "pending": 1, "declined": 2, "archived": 3}


def _group_or_404(request: HttpRequest, pk: int) -> StudyGroup:
    group = get_object_or_404(
        StudyGroup.objects.select_related("org_unit", "board", "created_by__member"), pk=pk
    )
    if not permissions.can_view_group(request.user, group):
        raise Http404  # a group of another 支部 does not exist for this reader
    return group


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = sorted(
        GroupMembership.objects.filter(user=user).select_related("group__org_unit"),
        key=lambda membership: (STATUS_ORDER.get(membership.group.status, 9), -membership.pk),
    )
    query = request.GET.get("q", "").strip()[:40]
    visible = permissions.groups_visible_to(user)
    joinable = (
        visible.filter(status=StudyGroup.Status.ACTIVE)
        .exclude(pk__in=GroupMembership.objects.filter(user=user).values("group"))
        .select_related("org_unit")
    )
    if query:
        joinable = joinable.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    page = Paginator(joinable, PER_PAGE).get_page(request.GET.get("page"))
    pending = (
        visible.filter(permissions.groups_moderated_q(user), status=StudyGroup.Status.PENDING)
        .exclude(created_by=user)
        .select_related("org_unit", "created_by__member")[:100]
    )
    context = {
        "title": _("Topic study groups"),
        "mine": mine,
        "page": page,
        "q": query,
        "query": f"q={query}" if query else "",
        "pending": list(pending),
    }
    return render(request, "community/groups/list.html", context)


@login_required
@posting_limit
def group_new(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_create(creator=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if group.status == StudyGroup.Status.ACTIVE:
                messages.success(
                    request, _("Your group is open. Add to its reading list and invite members.")
                )
            else:
                messages.warning(
                    request, _("Your group is waiting for an organizer's approval. You will be told.")
                )
            return redirect("community:group", pk=group.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "title": _("Start a study group"),
        "form": form,
        "needs_approval": not permissions.can_create_active_group(request.user),
    }
    return render(request, "community/groups/new.html", context, status=status)


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_page(request, _group_or_404(request, pk))


def _group_page(request: HttpRequest, group: StudyGroup, *, status: int = 200, **extra) -> HttpResponse:
    user = request.user
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    moderates = permissions.can_moderate_group(user, group)
    readable = group.readings.filter(permissions.readable_pages_q(user, "page")).select_related("page")
    items = [groups.ReadingItem(reading=reading, kind=groups.kind_of(reading.page)) for reading in readable]
    done = groups.done_pairs(items, [user.pk]) if membership else set()
    for item in items:
        item.done = (item.reading.pk, user.pk) in done
    board = group.board
    sees_board = board is not None and permissions.can_view_board(user, board)
    threads = []
    if sees_board:
        threads = list(
            _threads_with_unread(board.threads.shown_to(user), user).order_by(
                "-is_pinned", "-last_activity_at"
            )[:LATEST_THREADS]
        )
        _mark_unread(threads)
    context = {
        "title": group.name,
        "group": group,
        "membership": membership,
        "moderates": moderates,
        "manages": moderates or (membership is not None and membership.role == GroupMembership.Role.LEADER),
        "can_join": permissions.can_join_group(user, group),
        "is_full": group.member_count >= group.max_members,
        "in_scope": permissions.group_admits(user, group),
        "items": items,
        "hidden_items": group.readings.count() - len(items),
        "my_done": sum(1 for item in items if item.done),
        "board": board if sees_board else None,
        "can_post": sees_board and permissions.can_start_thread(user, board),
        "threads": threads,
        "members": group.memberships.select_related("user__member__org_unit").order_by(
            "role", "joined_at", "id"
        ),
        "sees_progress": membership is not None or moderates,
        "reason_form": ReasonForm(),
        **extra,
    }
    return render(request, "community/groups/detail.html", context, status=status)


def _refused(request: HttpRequest, group: StudyGroup, error: CommunityError, *, status: int) -> HttpResponse:
    """The group page again, with the service's message, answering ``status``."""
    if wants_json(request):
        return JsonResponse({"error": error.message}, status=status)
    messages.error(request, error.message)
    return _group_page(request, group, status=status)


@login_required
@posting_limit
@require_POST
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        groups.group_join(group=group, user=request.user)
    except CommunityError as error:
        return _refused(request, group, error, status=409)
    if wants_json(request):
        return JsonResponse({"joined": True})
    messages.success(request, _("Welcome to the group. Its reading list and board are open to you."))
    return redirect("community:group", pk=group.pk)


@login_required
@posting_limit
@require_POST
def group_leave(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        groups.group_leave(group=group, user=request.user)
    except CommunityError as error:
        return _refused(request, group, error, status=409)
    messages.success(request, _("You have left the group."))
    return redirect("community:groups")


@login_required
@require_POST
def group_approve(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        groups.group_approve(group=group, acting_user=request.user)
    except CommunityError as error:
        return _refused(request, group, error, status=403)
    messages.success(request, _("The group is approved and open for members."))
    return redirect("community:group", pk=group.pk)


@login_required
@require_POST
def group_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, groups.group_decline, _("The group is declined; its creator is told why."))


@login_required
@require_POST
def group_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, groups.group_archive, _("The group is archived."))


def _decide(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    group = _group_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _group_page(request, group, status=400, reason_form=form)
    try:
        service(group=group, acting_user=request.user, reason=form.cleaned_data["reason"])
    except CommunityError as error:
        return _refused(request, group, error, status=400 if isinstance(error, InvalidPost) else 403)
    messages.success(request, done)
    return redirect("community:group", pk=group.pk)


@login_required
@posting_limit
@require_POST
def group_leader(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    form = MemberForm(request.POST)
    user = User.objects.filter(pk=form.cleaned_data["user"]).first() if form.is_valid() else None
    if user is None:
        return HttpResponse(_("Unknown member."), status=400)
    try:
        groups.group_leader_appoint(group=group, user=user, acting_user=request.user)
    except CommunityError as error:
        return _refused(request, group, error, status=403)
    messages.success(request, _("%(name)s is now a leader of the group.") % {"name": user.display_name})
    return redirect("community:group", pk=group.pk)


@login_required
def group_progress(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    if not permissions.can_view_group_progress(request.user, group):
        raise PermissionDenied
    context = {"title": _("Progress of %(name)s") % {"name": group.name}, "group": group}
    context["progress"] = groups.group_progress(group, viewer=request.user)
    return render(request, "community/groups/progress.html", context)


# ---------- The reading list ----------


@login_required
@posting_limit
def group_readings(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader's page: the list in order (remove, move) and a search of the library to add from."""
    group = _group_or_404(request, pk)
    user = request.user
    if not permissions.can_manage_readings(user, group):
        raise PermissionDenied
    form = ReadingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            page = Page.objects.filter(pk=form.cleaned_data["page"]).first()
            try:
                reading = groups.reading_add(
                    group=group, page=page, acting_user=user, note=form.cleaned_data["note"]
                )
            except CommunityError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("“%(title)s” is on the reading list.") % {"title": reading.page.title}
                )
                return redirect("community:group_readings", pk=group.pk)
        status = 400
    query = request.GET.get("q", "").strip()[:50]
    results = []
    if query:
        found = (
            permissions.library_items_readable_by(user)
            .filter(title__icontains=query)
            .exclude(pk__in=group.readings.values("page"))
            .order_by("title")[:SEARCH_RESULTS]
        )
        results = [{"page": page, "kind": groups.kind_of(page)} for page in found]
    readings = group.readings.select_related("page")
    shown = groups.readable_reading_ids(readings, user)
    context = {
        "title": _("Reading list of %(name)s") % {"name": group.name},
        "group": group,
        "items": [
            {"reading": reading, "kind": groups.kind_of(reading.page), "hidden": reading.pk not in shown}
            for reading in readings
        ],
        "q": query,
        "results": results,
        "editable": group.status in (StudyGroup.Status.PENDING, StudyGroup.Status.ACTIVE),
    }
    return render(request, "community/groups/readings.html", context, status=status)


def _reading_or_404(request: HttpRequest, pk: int) -> GroupReading:
    reading = get_object_or_404(
        GroupReading.objects.select_related("group__org_unit", "group__board", "group__created_by", "page"),
        pk=pk,
    )
    if not permissions.can_view_group(request.user, reading.group):
        raise Http404
    return reading


@login_required
@require_POST
def reading_remove(request: HttpRequest, pk: int) -> HttpResponse:
    reading = _reading_or_404(request, pk)
    try:
        groups.reading_remove(reading=reading, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("“%(title)s” is off the reading list.") % {"title": reading.page.title})
    return redirect("community:group_readings", pk=reading.group_id)


@login_required
@require_POST
def reading_move(request: HttpRequest, pk: int) -> HttpResponse:
    reading = _reading_or_404(request, pk)
    direction = request.POST.get("direction")
    if direction not in {"up", "down"}:
        return HttpResponse(_("Unknown action."), status=400)
    try:
        groups.reading_move(reading=reading, acting_user=request.user, up=direction == "up")
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    return redirect(f"{reverse('community:group_readings', args=[reading.group_id])}#reading-{reading.pk}")


@login_required
@require_POST
def reading_done(request: HttpRequest, pk: int) -> HttpResponse:
    reading = _reading_or_404(request, pk)
    try:
        done = groups.reading_mark_done(reading=reading, user=request.user)
    except CommunityError as error:
        return _refused(request, reading.group, error, status=403)
    if wants_json(request):
        return JsonResponse({"done": done})
    return redirect(f"{groups.group_url(reading.group)}#reading-{reading.pk}")
