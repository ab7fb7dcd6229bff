"""Who may read, write and moderate in the study community: the one place that answers it.

Boards of a course or lesson are read by whoever may read the page; boards of an org unit by its
members and the organizers whose subtrees overlap it; general boards by every member. System
administrators moderate everywhere; a branch organizer moderates the boards of units they manage
and, on shared boards, the posts of members they manage. Instructors of a course (and holders of
the 讲师 role on shared boards) pin, lock and mark best answers. Views ask here; templates receive
the answers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from community.models import Board, NoteAudience, Post, StudyNote, Thread, Visibility
from courses.permissions import can_read, readable_q, reads_everything, unit_admits, units_admitting_q
from school.permissions import (
    can_manage_member,
    can_manage_org_unit,
    has_role,
    is_system_admin,
    managed_roots,
)
from school.roles import Role


def is_participant(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_board(user: Any, board: Board) -> bool:
    if not is_participant(user):
        return False
    if reads_everything(user):  # system administrators and editors, as for pages (and search)
        return True
    if board.page_id is not None:
        return can_read(user, board.page)
    if board.org_unit_id is not None:
        return unit_admits(user, board.org_unit)
    return True


def listed_boards(user: Any) -> QuerySet[Board]:
    """General and org-unit boards the user may read (course and lesson boards live on their pages)."""
    boards = Board.objects.filter(page__isnull=True).select_related("org_unit")
    if not is_participant(user):
        return boards.none()
    if reads_everything(user):
        return boards
    return boards.filter(Q(org_unit__isnull=True) | units_admitting_q(user, "org_unit"))


def readable_pages_q(user: Any, field: str) -> Q:
    """Rows whose page (``field``) is a live course, lesson, article or policy document ``user`` may
    read: one query, as ``can_read`` answers for one page (a lesson's course must be readable too)."""
    from django.db.models.functions import Length, Substr
    from wagtail.models import Page

    from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage

    if reads_everything(user):
        return Q(**{f"{field}__live": True})
    courses = CoursePage.objects.live().filter(readable_q(user))
    lessons = (
        LessonPage.objects.live()
        .filter(readable_q(user))
        .annotate(parent_path=Substr("path", 1, Length("path") - Page.steplen))
        .filter(parent_path__in=courses.values("path"))
    )
    q = Q(**{f"{field}__in": courses.values("pk")}) | Q(**{f"{field}__in": lessons.values("pk")})
    for model in (ArticlePage, PolicyDocumentPage):
        q |= Q(**{f"{field}__in": model.objects.live().filter(readable_q(user)).values("pk")})
    return q


def readable_boards(user: Any) -> QuerySet[Board]:
    """Every board the user may read, course and lesson boards included, as one query."""
    if not is_participant(user):
        return Board.objects.none()
    if reads_everything(user):
        return Board.objects.all()
    return Board.objects.filter(
        Q(page__isnull=True, org_unit__isnull=True)
        | Q(page__isnull=True) & units_admitting_q(user, "org_unit")
        | readable_pages_q(user, "page")
    )


def can_moderate_board(user: Any, board: Board) -> bool:
    """Hide and restore anything on the board, see held posts, pin and lock."""
    if not is_participant(user):
        return False
    if is_system_admin(user):
        return True
    return board.org_unit_id is not None and can_manage_org_unit(user, board.org_unit)


def can_moderate_post(user: Any, post: Post) -> bool:
    if can_moderate_board(user, post.thread.board):
        return True
    member = getattr(post.author, "member", None)
    return member is not None and has_role(user, Role.BRANCH_ORGANIZER) and can_manage_member(user, member)


def teaches_board(user: Any, board: Board) -> bool:
    """An instructor of the board's course, or a 讲师 on a shared board."""
    if not is_participant(user):
        return False
    if board.page_id is None:
        return has_role(user, Role.INSTRUCTOR)
    course = board_course(board)
    return course is not None and course.instructors.filter(pk=user.pk).exists()


def board_course(board: Board):
    """The course a course or lesson board belongs to (a lesson's parent), or None."""
    from courses.models import CoursePage

    if board.page_id is None:
        return None
    page = board.page.specific
    if isinstance(page, CoursePage):
        return page
    return CoursePage.objects.filter(pk=page.get_parent().pk).first()


def can_lead_thread(user: Any, thread: Thread) -> bool:
    """Pin, lock and choose the best answer."""
    return can_moderate_board(user, thread.board) or teaches_board(user, thread.board)


def can_see_thread(user: Any, thread: Thread) -> bool:
    if not can_view_board(user, thread.board):
        return False
    if thread.visibility == Visibility.PUBLISHED or thread.author_id == user.pk:
        return True
    return can_moderate_board(user, thread.board) or can_moderate_post(
        user, thread.posts.get(is_opening=True)
    )


def can_start_thread(user: Any, board: Board) -> bool:
    return board.is_active and can_view_board(user, board)


def can_reply(user: Any, thread: Thread) -> bool:
    return (
        thread.board.is_active
        and not thread.is_locked
        and thread.visibility == Visibility.PUBLISHED
        and can_see_thread(user, thread)
    )


def can_edit_post(user: Any, post: Post) -> bool:
    """Authors edit their own posts while the thread is open and the post is not hidden."""
    return (
        is_participant(user)
        and post.author_id == user.pk
        and post.visibility != Visibility.HIDDEN
        and not post.thread.is_locked
    )


# ---------- Study notes ----------


def author_branch(user: Any):
    """The 支部 a member belongs to (their unit, or the nearest 支部 above a 党小组); None without one."""
    from school.models import OrgUnit

    member = getattr(user, "member", None)
    unit = member.org_unit if member is not None else None
    if unit is None or unit.kind == OrgUnit.Kind.BRANCH:
        return unit
    return unit.get_ancestors().filter(kind=OrgUnit.Kind.BRANCH).last() or unit


def can_moderate_note(user: Any, note: StudyNote) -> bool:
    """Feature, hide and restore: system administrators, and organizers who manage the author."""
    if not is_participant(user):
        return False
    if is_system_admin(user):
        return True
    member = getattr(note.author, "member", None)
    return member is not None and can_manage_member(user, member)


def can_view_note(user: Any, note: StudyNote) -> bool:
    """The author always; others by the note's audience, and only if they may read its page."""
    if not is_participant(user):
        return False
    if note.author_id == user.pk:
        return True
    if note.audience == NoteAudience.PRIVATE:
        return False
    if note.visibility != Visibility.PUBLISHED and not can_moderate_note(user, note):
        return False
    if note.page_id is not None and not can_read(user, note.page):
        return False
    if note.audience == NoteAudience.BRANCH:
        return reads_everything(user) or (note.org_unit_id is not None and unit_admits(user, note.org_unit))
    return True


def notes_shown_to(user: Any) -> QuerySet[StudyNote]:
    """The published notes ``user`` may read, and their own, as one query (``can_view_note``'s rule)."""
    if not is_participant(user):
        return StudyNote.objects.none()
    audience = Q(audience=NoteAudience.EVERYONE)
    if reads_everything(user):  # system administrators and editors, as in search
        audience |= Q(audience=NoteAudience.BRANCH)
    else:
        audience |= Q(audience=NoteAudience.BRANCH) & units_admitting_q(user, "org_unit")
    page = Q(page__isnull=True) | readable_pages_q(user, "page")
    return StudyNote.objects.filter(Q(author=user) | Q(visibility=Visibility.PUBLISHED) & audience & page)


def can_comment_note(user: Any, note: StudyNote) -> bool:
    return (
        note.audience != NoteAudience.PRIVATE
        and note.visibility == Visibility.PUBLISHED
        and can_view_note(user, note)
    )


def can_edit_note(user: Any, note: StudyNote) -> bool:
    return is_participant(user) and note.author_id == user.pk and note.visibility != Visibility.HIDDEN


# ---------- Topic proposals and calls for instructors ----------


def can_run_calls(user: Any) -> bool:
    """Open calls for instructors and decline proposals: system administrators and branch organizers."""
    return is_participant(user) and (is_system_admin(user) or bool(managed_roots(user)))


def can_decide_call(user: Any, call) -> bool:
    """Choose the instructor or close the call: whoever opened it, and system administrators."""
    return is_participant(user) and (call.created_by_id == user.pk or is_system_admin(user))
