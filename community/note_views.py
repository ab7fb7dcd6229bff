"""Pages of study notes (学习心得): the list, writing and editing, one note with its comments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from community import notes, permissions
from community.content import text_of
from community.exceptions import CommunityError
from community.forms import CommentForm, NoteForm, ReasonForm
from community.models import NoteLike, StudyNote, Visibility
from community.views import posting_limit
from courses.permissions import can_read
from school.accounts.negotiation import wants_json

NOTES_PER_PAGE = 12
TABS = ("all", "featured", "mine")


def _about_page_or_404(request: HttpRequest, value: str | None):
    """The page a note is written on (``?page=N``): live, of a kind notes are about, readable."""
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    page = get_object_or_404(Page.objects.live(), pk=int(value)).specific
    if not isinstance(page, notes.note_page_types()) or not can_read(request.user, page):
        raise Http404
    return page


@login_required
def note_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("show") if request.GET.get("show") in TABS else "all"
    about = _about_page_or_404(request, request.GET.get("about"))
    rows = permissions.notes_shown_to(request.user).select_related("author__member__org_unit")
    if tab == "featured":
        rows = rows.filter(is_featured=True).order_by("-featured_at", "-id")
    elif tab == "mine":
        rows = rows.filter(author=request.user)
    else:
        rows = rows.exclude(author=request.user, visibility__in=[Visibility.HELD, Visibility.HIDDEN])
    if about is not None:
        rows = rows.filter(page=about)
    page = Paginator(rows, NOTES_PER_PAGE).get_page(request.GET.get("page"))
    for note in page.object_list:
        note.excerpt = text_of(note.body)[:140]
    query = "&".join(
        part for part in (f"show={tab}" if tab != "all" else "", f"about={about.pk}" if about else "") if part
    )
    context = {"title": _("Study notes"), "page": page, "tab": tab, "about": about, "query": query}
    return render(request, "community/notes.html", context)


@login_required
@posting_limit
def note_new(request: HttpRequest) -> HttpResponse:
    about = _about_page_or_404(request, request.GET.get("about"))
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = notes.note_create(author=request.user, page=about, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            if note.visibility == Visibility.HELD:
                messages.warning(request, _("Your note is held for review and will appear once approved."))
            else:
                messages.success(request, _("Your study note is saved."))
            return redirect("community:note", pk=note.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Write a study note"), "form": form, "about": about}
    return render(request, "community/note_form.html", context, status=status)


def _note_or_404(request: HttpRequest, pk: int) -> StudyNote:
    note = get_object_or_404(StudyNote.objects.select_related("author__member__org_unit", "page"), pk=pk)
    if not permissions.can_view_note(request.user, note):
        raise Http404  # a note one may not read does not exist for them
    return note


@login_required
@posting_limit
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                comment = notes.note_comment(note=note, author=request.user, body=form.cleaned_data["body"])
            except CommunityError as error:
                form.add_error(None, error.message)
            else:
                if comment.visibility == Visibility.HELD:
                    messages.warning(
                        request, _("Your comment is held for review and will appear once approved.")
                    )
                return redirect(f"{notes.note_url(note)}#comment-{comment.pk}")
        status = 400
    user = request.user
    moderator = permissions.can_moderate_note(user, note)
    comments = note.comments.select_related("author__member__org_unit")
    if not moderator:
        comments = comments.filter(visibility=Visibility.PUBLISHED) | comments.filter(author=user)
    context = {
        "title": note.title,
        "note": note,
        "comments": comments,
        "form": form,
        "liked": NoteLike.objects.filter(note=note, user=user).exists(),
        "can_comment": permissions.can_comment_note(user, note),
        "can_edit": permissions.can_edit_note(user, note),
        "can_moderate": moderator,
        "about_url": note.page.url if note.page_id and note.page.live else "",
    }
    return render(request, "community/note.html", context, status=status)


@login_required
@posting_limit
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    if not permissions.can_edit_note(request.user, note):
        raise PermissionDenied
    initial = {"title": note.title, "body": text_of(note.body), "audience": note.audience}
    form = NoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notes.note_edit(note=note, acting_user=request.user, **form.cleaned_data)
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("community:note", pk=note.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Edit study note"), "form": form, "note": note, "about": note.page}
    return render(request, "community/note_form.html", context, status=status)


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    try:
        notes.note_delete(note=note, acting_user=request.user)
    except CommunityError as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("Your study note is deleted."))
    return redirect(f"{reverse('community:notes')}?show=mine")


@login_required
@require_POST
def note_like(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    try:
        liked, count = notes.note_like(note=note, user=request.user)
    except CommunityError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=403)
        raise PermissionDenied(error.message) from error
    if wants_json(request):
        return JsonResponse({"liked": liked, "likes": count})
    return redirect("community:note", pk=note.pk)


@login_required
@require_POST
def note_feature(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    featured = request.POST.get("value") == "1"
    try:
        notes.note_feature(note=note, acting_user=request.user, featured=featured)
    except CommunityError as error:
        messages.error(request, error.message)
    else:
        done = _("The note is featured.") if featured else _("The note is no longer featured.")
        messages.success(request, done)
    return redirect("community:note", pk=note.pk)


@login_required
def note_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    if not permissions.can_moderate_note(request.user, note):
        raise PermissionDenied
    action = "restore" if note.visibility != Visibility.PUBLISHED else "hide"
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = notes.note_restore if action == "restore" else notes.note_hide
        try:
            service(note=note, acting_user=request.user, reason=form.cleaned_data["reason"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The note is hidden.") if action == "hide" else _("The note is visible again.")
            )
            return redirect("community:note", pk=note.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Moderate a study note"), "note": note, "form": form, "action": action}
    return render(request, "community/note_reason.html", context, status=status)


@login_required
@posting_limit
def note_report(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_or_404(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notes.note_report(note=note, reporter=request.user, reason=form.cleaned_data["reason"])
        except CommunityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. The moderators will look at the study note."))
            return redirect("community:note", pk=note.pk)
    status = 400 if request.method == "POST" else 200
    context = {"title": _("Report a study note"), "note": note, "form": form, "action": "report"}
    return render(request, "community/note_reason.html", context, status=status)
