"""Pages of the message board (留言板 / 书记信箱): write a letter, my letters, the public board, one
letter, and the organizers' inbox.

Whose name a page shows is decided here, row by row, through ``permissions.shows_letter_writer``:
templates print ``writer_name`` (or "匿名党员") and never the author of an anonymous letter.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import letters, permissions
from community.exceptions import CommunityError, NotAllowed
from community.forms import ReasonForm
from community.letter_forms import PRIVATE, PUBLIC, FollowUpForm, LetterAnswerForm, LetterForm
from community.models import Letter, Visibility
from community.views import posting_limit

PER_PAGE = 20
S = Letter.Status
BOARD_SHOWS = {
    "all": Q(),
    "open": Q(status=S.OPEN),
    "answered": Q(status=S.ANSWERED),
    "closed": Q(status=S.CLOSED),
}
_PUBLISHED = Q(visibility=Visibility.PUBLISHED)
INBOX_SHOWS = {
    "open": _PUBLISHED & Q(status=S.OPEN),
    "answered": _PUBLISHED & Q(status=S.ANSWERED),
    "closed": _PUBLISHED & Q(status=S.CLOSED),
    "held": Q(visibility=Visibility.HELD),
    "hidden": Q(visibility=Visibility.HIDDEN),
}


def _name_writers(rows, user) -> None:
    for row in rows:
        row.writer_name = row.author.display_name if permissions.shows_letter_writer(user, row) else ""


def _rows(queryset: QuerySet[Letter], *, public_answers: bool = False) -> QuerySet[Letter]:
    """With the number of answers (only the public ones, for readers of the board)."""
    answers = Q(replies__from_organizer=True) & (Q(replies__is_public=True) if public_answers else Q())
    return queryset.select_related("org_unit", "author__member").annotate(
        answer_count=Count("replies", filter=answers)
    )


@login_required
def letter_board(request: HttpRequest) -> HttpResponse:
    """Letters answered in public to the member's units (their own and those above it)."""
    show = request.GET.get("show") if request.GET.get("show") in BOARD_SHOWS else "all"
    rows = _rows(
        permissions.letters_on_board(request.user).filter(BOARD_SHOWS[show]), public_answers=True
    ).order_by("-answered_at", "-id")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    _name_writers(page.object_list, request.user)
    answers = permissions.answers_letters(request.user)
    context = {
        "title": _("Message board"),
        "page": page,
        "show": show,
        "query": f"show={show}",
        "answers": answers,
        "inbox_open": (
            permissions.letters_answerable_by(request.user).filter(INBOX_SHOWS["open"]).count()
            if answers
            else 0
        ),
        "can_write": bool(permissions.letter_units(request.user)),
    }
    return render(request, "community/letters/board.html", context)


@login_required
def letter_mine(request: HttpRequest) -> HttpResponse:
    rows = _rows(Letter.objects.filter(author=request.user)).order_by("-created_at", "-id")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/letters/mine.html", {"title": _("My letters"), "page": page})


@login_required
@posting_limit
def letter_new(request: HttpRequest) -> HttpResponse:
    units = permissions.letter_units(request.user)
    if not units:
        if request.method == "POST":
            raise PermissionDenied
        context = {"title": _("Write to the organisation"), "form": None}
        return render(request, "community/letters/new.html", context)
    branch = permissions.author_branch(request.user)
    default = branch if branch is not None and branch in units else units[0]
    form = LetterForm(request.POST or None, units=units, initial={"org_unit": default.pk})
    if request.method == "POST" and form.is_valid():
        try:
            letter = letters.letter_create(author=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if letter.visibility == Visibility.HELD:
                messages.warning(
                    request, _("Your letter is held for review and reaches the organizers once approved.")
                )
            else:
                messages.success(request, _("Your letter is sent. You will be told when it is answered."))
            return redirect("community:letter", pk=letter.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Write to the organisation"), "form": form}
    return render(request, "community/letters/new.html", context, status=status)


def _letter_or_404(request: HttpRequest, pk: int) -> Letter:
    letter = get_object_or_404(Letter.objects.select_related("org_unit", "author__member__org_unit"), pk=pk)
    if not permissions.can_read_letter(request.user, letter):
        raise Http404  # another 支部's letter does not exist for this reader
    return letter


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_page(request, _letter_or_404(request, pk))


@login_required
@require_POST
@posting_limit
def letter_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The writer follows up; an organizer answers publicly or only to the writer."""
    letter = _letter_or_404(request, pk)
    user = request.user
    if letter.author_id != user.pk and not permissions.can_answer_letter(user, letter):
        messages.error(request, _("Only the writer and the organizers who receive a letter can reply to it."))
        return _letter_page(request, letter, status=403)
    form = (FollowUpForm if letter.author_id == user.pk else LetterAnswerForm)(request.POST)
    if not form.is_valid():
        return _letter_page(request, letter, form=form, status=400)
    public = form.cleaned_data.get("audience") == PUBLIC
    try:
        letters.letter_reply(letter=letter, acting_user=user, body=form.cleaned_data["body"], public=public)
    except NotAllowed as error:
        messages.error(request, error.message)
        return _letter_page(request, letter, form=form, status=403)
    except CommunityError as error:
        form.add_error(None, error.message)
        return _letter_page(request, letter, form=form, status=400)
    if letter.author_id == user.pk:
        messages.success(request, _("Your follow-up is sent to the organizers."))
    elif public:
        messages.success(request, _("Your answer is published on the message board."))
    else:
        messages.success(request, _("Your answer is sent to the writer only."))
    return redirect("community:letter", pk=letter.pk)


def _letter_page(
    request: HttpRequest,
    letter: Letter,
    *,
    form: FollowUpForm | LetterAnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    answers = permissions.can_answer_letter(user, letter)
    is_writer = letter.author_id == user.pk
    replies = letter.replies.select_related("author__member__org_unit")
    if not (answers or is_writer):
        replies = replies.filter(is_public=True, from_organizer=True)
    public_allowed = letter.may_publish and letter.visibility == Visibility.PUBLISHED
    reply_kind = ""
    if permissions.can_follow_up_letter(user, letter):
        reply_kind = "follow_up"
        form = form or FollowUpForm()
    elif permissions.can_reply_to_letter(user, letter):
        reply_kind = "answer"
        form = form or LetterAnswerForm(initial={"audience": PUBLIC if public_allowed else PRIVATE})
    shows_writer = permissions.shows_letter_writer(user, letter)
    context = {
        "title": letter.title,
        "letter": letter,
        "writer": letter.author if shows_writer else None,
        "is_writer": is_writer,
        "answers": answers,
        "sees_details": is_writer or answers,
        "replies": list(replies),
        "reply_kind": reply_kind,
        "form": form if reply_kind else None,
        "public_allowed": public_allowed,
        "can_close": permissions.can_close_letter(user, letter),
    }
    return render(request, "community/letters/detail.html", context, status=status)


@login_required
@posting_limit
@require_POST
def letter_close(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_or_404(request, pk)
    try:
        letters.letter_close(letter=letter, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The letter is closed."))
    return redirect("community:letter", pk=letter.pk)


@login_required
def letter_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide a letter (a reason is required), or restore it / approve one held for review."""
    letter = _letter_or_404(request, pk)
    if not permissions.can_answer_letter(request.user, letter):
        raise PermissionDenied
    action = "hide" if letter.visibility == Visibility.PUBLISHED else "restore"
    if letter.visibility == Visibility.HELD and request.POST.get("action") == "hide":
        action = "hide"  # a held letter is approved or refused
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = letters.letter_hide if action == "hide" else letters.letter_restore
        try:
            service(letter=letter, acting_user=request.user, reason=form.cleaned_data["reason"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if action == "hide":
                messages.success(request, _("The letter is hidden."))
            elif letter.visibility == Visibility.HELD:
                messages.success(request, _("The letter is approved; its organizers are told."))
            else:
                messages.success(request, _("The letter is visible again."))
            return redirect("community:letter", pk=letter.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Moderate a letter"), "letter": letter, "form": form, "action": action}
    return render(request, "community/letters/moderate.html", context, status=status)


@login_required
def letter_inbox(request: HttpRequest) -> HttpResponse:
    """Letters to the units the organizer manages, by state, with a count on each tab."""
    if not permissions.answers_letters(request.user):
        raise PermissionDenied
    inbox = permissions.letters_answerable_by(request.user)
    show = request.GET.get("show") if request.GET.get("show") in INBOX_SHOWS else "open"
    counts = inbox.aggregate(**{name: Count("pk", filter=q) for name, q in INBOX_SHOWS.items()})
    order = ("created_at", "id") if show in {"open", "held"} else ("-created_at", "-id")  # oldest waits first
    rows = _rows(inbox.filter(INBOX_SHOWS[show])).order_by(*order)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    _name_writers(page.object_list, request.user)
    tabs = [
        ("open", _("Waiting for an answer")),
        ("answered", _("Answered")),
        ("closed", _("Closed")),
        ("held", _("Awaiting review")),
        ("hidden", _("Hidden")),
    ]
    context = {
        "title": _("Letters inbox"),
        "page": page,
        "show": show,
        "query": f"show={show}",
        "tabs": [(name, label, counts[name]) for name, label in tabs],
    }
    return render(request, "community/letters/inbox.html", context)
