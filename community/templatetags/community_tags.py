"""The community's pieces on other pages: the header's notification bell and a page's discussion card."""

from __future__ import annotations

from django import template
from django.urls import reverse

from community.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The reader's unread notifications, counted once per request however often a page shows it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(user)
    return request._unread_notifications


@register.inclusion_tag("community/includes/header_bell.html", takes_context=True)
def header_bell(context, variant: str) -> dict:
    request = context.get("request")
    shown = bool(request and request.user.is_authenticated)
    return {"show": shown, "variant": variant, "count": unread_notification_count(context) if shown else 0}


@register.inclusion_tag("community/includes/page_discussion.html", takes_context=True)
def page_discussion(context, page) -> dict:
    """The latest threads on a course or lesson page and a button to ask; the board is made on first use."""
    from community.models import Board, Thread

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    board = Board.objects.filter(page=page).first()
    threads = (
        Thread.objects.filter(board=board).shown_to(user).select_related("author__member")
        if board
        else Thread.objects.none()
    )
    page_board = reverse("community:page_board", args=[page.pk])
    return {
        "show": True,
        "threads": list(threads[:3]),
        "count": threads.count() if board else 0,
        "board_url": reverse("community:board", args=[board.pk]) if board else page_board,
        "ask_url": f"{page_board}?new=1",
    }


@register.inclusion_tag("community/includes/page_notes.html", takes_context=True)
def page_notes(context, page) -> dict:
    """The latest study notes on a page the reader may open, and a button to write one."""
    from community.permissions import notes_shown_to

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    notes = notes_shown_to(user).filter(page=page).select_related("author__member")
    return {
        "show": True,
        "notes": list(notes.order_by("-is_featured", "-created_at")[:3]),
        "count": notes.count(),
        "list_url": f"{reverse('community:notes')}?about={page.pk}",
        "new_url": f"{reverse('community:note_new')}?about={page.pk}",
    }


@register.inclusion_tag("community/includes/page_homework.html", takes_context=True)
def page_homework(context, course) -> dict:
    """The course's homework with the reader's status; shown to its students and instructors only."""
    from community.homework import with_my_status
    from community.models import Assignment
    from community.permissions import studies_course, teaches_course

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    teaches = teaches_course(user, course)
    if not teaches and not studies_course(user, course):
        return {"show": False}
    assignments = with_my_status(
        list(Assignment.objects.filter(course=course).order_by("-due_at")[:10]), user
    )
    return {
        "show": bool(assignments) or teaches,
        "teaches": teaches,
        "course": course,
        "assignments": assignments,
    }
