"""Pages of the discussion boards and the notification centre. Views check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from community import permissions, services
from community.exceptions import CommunityError
from community.forms import EditForm, ReasonForm, ReplyForm, ThreadForm
from community.models import (
    Board,
    NoteReport,
    Notification,
    Post,
    PostLike,
    PostReport,
    StudyNote,
    Thread,
    ThreadVisit,
    TopicProposal,
    Visibility,
)
from community.notifications import notification_text, notifications_mark_read
from courses.permissions import can_read
from school.accounts.negotiation import wants_json
from school.accounts.ratelimit import rate_limit

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 30

posting_limit = rate_limit(
    scope="community-post", limit="COMMUNITY_POST_RATE_LIMIT", period=60, per_user=True
)


def _threads_with_unread(threads, user):
    seen = ThreadVisit.objects.filter(thread=OuterRef("pk"), user=user).values("seen_at")[:1]
    return threads.annotate(seen_at=Subquery(seen)).select_related("author__member", "board")


def _mark_unread(threads) -> None:
    for thread in threads:
        thread.unread = thread.seen_at is None or thread.last_activity_at > thread.seen_at


@login_required
def index(request: HttpRequest) -> HttpResponse:
    boards = list(permissions.listed_boards(request.user))
    latest = _threads_with_unread(
        Thread.objects.filter(board__in=permissions.readable_boards(request.user))
        .shown_to(request.user)
        .order_by("-last_activity_at"),
        request.user,
    )[:10]
    mine = _threads_with_unread(
        Thread.objects.filter(author=request.user).order_by("-last_activity_at"), request.user
    )[:5]
    latest, mine = list(latest), list(mine)
    _mark_unread(latest + mine)
    counts = dict(
        Thread.objects.filter(board__in=boards, visibility=Visibility.PUBLISHED)
        .values_list("board")
        .annotate(n=Count("pk"))
        .values_list("board", "n")
    )
    for board in boards:
        board.thread_count = counts.get(board.pk, 0)
    context = {
        "title": _("Study community"),
        "boards": boards,
        "latest": latest,
        "mine": [thread for thread in mine if permissions.can_see_thread(request.user, thread)],
        "moderates": _moderates_anything(request.user),
    }
    return render(request, "community/index.html", context)


def _moderates_anything(user) -> bool:
    from school.permissions import is_system_admin, managed_roots

    return is_system_admin(user) or bool(managed_roots(user))


def _board_or_404(request: HttpRequest, pk: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("page", "org_unit"), pk=pk)
    if not permissions.can_view_board(request.user, board):
        raise Http404  # a board of another 支部 does not exist for this reader
    return board


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    board = _board_or_404(request, pk)
    threads = _threads_with_unread(board.threads.shown_to(request.user), request.user)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    _mark_unread(page.object_list)
    context = {
        "title": board.title,
        "board": board,
        "page": page,
        "can_start": permissions.can_start_thread(request.user, board),
        "form": ThreadForm(),
        "page_url": board.page.url if board.page_id else "",
    }
    return render(request, "community/board.html", context)


@login_required
def page_board(request: HttpRequest, page_id: int) -> HttpResponse:
    """The discussion of a course or lesson page: made on first visit by someone who may read it."""
    from courses.models import CoursePage, LessonPage

    page = get_object_or_404(Page.objects.live().type(CoursePage, LessonPage), pk=page_id).specific
    if not can_read(request.user, page):
        raise Http404
    target = "community:thread_new" if request.GET.get("new") else "community:board"
    return redirect(target, pk=services.board_for_page(page=page).pk)


@login_required
@posting_limit
def thread_new(request: HttpRequest, pk: int) -> HttpResponse:
    board = _board_or_404(request, pk)
    if not permissions.can_start_thread(request.user, board):
        raise PermissionDenied
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                board=board,
                author=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                is_question=form.cleaned_data["is_question"],
            )
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if thread.visibility == Visibility.HELD:
                messages.warning(request, _("Your thread is held for review and will appear once approved."))
            else:
                messages.success(request, _("Your thread is posted."))
            return redirect("community:thread", pk=thread.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("New thread"), "board": board, "form": form}
    return render(request, "community/thread_new.html", context, status=status)


def _thread_or_404(request: HttpRequest, pk: int) -> Thread:
    thread = get_object_or_404(
        Thread.objects.select_related("board__page", "board__org_unit", "author"), pk=pk
    )
    if not permissions.can_see_thread(request.user, thread):
        raise Http404
    return thread


@login_required
@posting_limit
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    form = ReplyForm(request.POST or None, initial={"quote": request.GET.get("quote")})
    if request.method == "POST":
        if form.is_valid():
            quote = (
                Post.objects.filter(pk=form.cleaned_data["quote"]).first()
                if form.cleaned_data["quote"]
                else None
            )
            try:
                post = services.post_reply(
                    thread=thread, author=request.user, body=form.cleaned_data["body"], quote=quote
                )
            except CommunityError as error:
                form.add_error(None, error.message)
            else:
                if post.visibility == Visibility.HELD:
                    messages.warning(
                        request, _("Your reply is held for review and will appear once approved.")
                    )
                return redirect(services.post_url(post))
        return _thread_page(request, thread, form, status=400)
    services.thread_visit(thread=thread, user=request.user)
    return _thread_page(request, thread, form)


def _thread_page(request: HttpRequest, thread: Thread, form: ReplyForm, *, status: int = 200) -> HttpResponse:
    user = request.user
    moderator = permissions.can_moderate_board(user, thread.board)
    posts = (
        thread.posts.shown_to(user, moderator=moderator)
        .select_related("author__member__org_unit", "quote__author")
        .annotate(liked=Exists(PostLike.objects.filter(post=OuterRef("pk"), user=user)))
    )
    paginator = Paginator(posts, POSTS_PER_PAGE)
    number = request.GET.get("page")
    wanted = request.GET.get("post", "")
    if wanted.isdigit():
        before = posts.filter(
            Q(created_at__lt=Post.objects.filter(pk=wanted).values("created_at")[:1])
        ).count()
        number = before // POSTS_PER_PAGE + 1
    page = paginator.get_page(number)
    leads = permissions.can_lead_thread(user, thread)
    for post in page.object_list:
        post.can_edit = permissions.can_edit_post(user, post)
        post.can_moderate = moderator or permissions.can_moderate_post(user, post)
        post.can_best = leads and not post.is_opening and post.visibility == Visibility.PUBLISHED
        post.can_report = post.author_id != user.pk and post.visibility == Visibility.PUBLISHED
        post.quote_shown = (
            post.quote if post.quote_id and post.quote.visibility == Visibility.PUBLISHED else None
        )
    quoting = form["quote"].value()
    context = {
        "title": thread.title,
        "thread": thread,
        "quoting": (
            thread.posts.filter(pk=quoting, visibility=Visibility.PUBLISHED).select_related("author").first()
            if str(quoting or "").isdigit()
            else None
        ),
        "board": thread.board,
        "page": page,
        "form": form,
        "can_reply": permissions.can_reply(user, thread),
        "leads": leads,
        # The best answer opens the thread when readers would otherwise have to look for it.
        "best": (
            thread.best_post
            if thread.best_post_id
            and (thread.reply_count > 3 or thread.best_post_id not in {post.pk for post in page.object_list})
            else None
        ),
    }
    return render(request, "community/thread.html", context, status=status)


@login_required
@require_POST
def thread_flags(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    flag, value = request.POST.get("flag"), request.POST.get("value") == "1"
    if flag not in {"pinned", "locked"}:
        return HttpResponse(_("Unknown action."), status=400)
    try:
        services.thread_set_flags(thread=thread, acting_user=request.user, **{flag: value})
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    return redirect("community:thread", pk=thread.pk)


def _post_or_404(request: HttpRequest, pk: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related("thread__board__page", "thread__board__org_unit", "author"), pk=pk
    )
    if not permissions.can_see_thread(request.user, post.thread):
        raise Http404
    return post


@login_required
@posting_limit
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not permissions.can_edit_post(request.user, post):
        raise PermissionDenied
    from community.content import text_of

    form = EditForm(request.POST or None, initial={"body": text_of(post.body)})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(post=post, acting_user=request.user, body=form.cleaned_data["body"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(services.post_url(post))
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Edit post"), "post": post, "thread": post.thread, "form": form}
    return render(request, "community/post_edit.html", context, status=status)


@login_required
@require_POST
def post_like(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        liked, count = services.post_like(post=post, user=request.user)
    except CommunityError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=403)
        raise PermissionDenied(error.message) from error
    if wants_json(request):
        return JsonResponse({"liked": liked, "likes": count})
    return redirect(services.post_url(post))


@login_required
@require_POST
def post_best(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        services.post_mark_best(post=post, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Marked as the best answer."))
    return redirect(services.post_url(post))


@login_required
@posting_limit
def post_report(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_report(post=post, reporter=request.user, reason=form.cleaned_data["reason"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. The moderators will look at the post."))
            return redirect(services.post_url(post))
    status = 400 if request.method == "POST" else 200
    context = {
        "title": _("Report a post"),
        "post": post,
        "thread": post.thread,
        "form": form,
        "action": "report",
    }
    return render(request, "community/post_reason.html", context, status=status)


@login_required
def post_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide a post (a reason is required) or restore / approve it."""
    post = _post_or_404(request, pk)
    if not permissions.can_moderate_post(request.user, post):
        raise PermissionDenied
    action = "restore" if post.visibility != Visibility.PUBLISHED else "hide"
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = services.post_restore if action == "restore" else services.post_hide
        try:
            service(post=post, acting_user=request.user, reason=form.cleaned_data["reason"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The post is hidden.") if action == "hide" else _("The post is visible again.")
            )
            return redirect(services.post_url(post))
    status = 400 if request.method == "POST" else 200
    context = {
        "title": _("Moderate a post"),
        "post": post,
        "thread": post.thread,
        "form": form,
        "action": action,
    }
    return render(request, "community/post_reason.html", context, status=status)


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Open reports and held posts the user may act on."""
    if not _moderates_anything(request.user):
        raise PermissionDenied
    reports = (
        PostReport.objects.filter(status=PostReport.Status.OPEN)
        .select_related("post__thread__board", "post__author__member__org_unit", "reporter")
        .order_by("-created_at")[:200]
    )
    held = (
        Post.objects.filter(visibility=Visibility.HELD)
        .select_related("thread__board", "author__member__org_unit")
        .order_by("created_at")[:200]
    )
    user = request.user
    held_notes = (
        StudyNote.objects.filter(visibility=Visibility.HELD)
        .filter(permissions.notes_moderated_q(user))
        .select_related("author__member__org_unit")
        .order_by("created_at")[:200]
    )
    note_reports = (
        NoteReport.objects.filter(status=NoteReport.Status.OPEN)
        .filter(permissions.notes_moderated_q(user, "note__"))
        .select_related("note__author__member__org_unit", "reporter")
        .order_by("-created_at")[:200]
    )
    context = {
        "title": _("Moderation"),
        "reports": [r for r in reports if permissions.can_moderate_post(user, r.post)],
        "held": [p for p in held if permissions.can_moderate_post(user, p)],
        "held_notes": list(held_notes),
        "note_reports": list(note_reports),
        "held_proposals": (
            TopicProposal.objects.filter(visibility=Visibility.HELD).select_related("author")[:200]
            if permissions.can_run_calls(user)
            else []
        ),
    }
    return render(request, "community/moderation.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("community:notifications")
    rows = Notification.objects.filter(recipient=request.user).select_related("actor__member")
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.text = notification_text(row)
    context = {"title": _("Notifications"), "page": page}
    return render(request, "community/notifications.html", context)


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[row.pk])
    if not url_has_allowed_host_and_scheme(row.url, allowed_hosts={request.get_host()}):
        return redirect("community:notifications")
    return redirect(row.url)
