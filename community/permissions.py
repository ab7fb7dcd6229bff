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
    subtree_q,
)
from school.roles import Role


def is_participant(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_board(user: Any, board: Board) -> bool:
    if not is_participant(user):
        return False
    if board.kind == Board.Kind.GROUP:
        return in_group_of_board(user, board) or can_moderate_board(user, board)
    if reads_everything(user):  # system administrators and editors, as for pages (and search)
        return True
    if board.page_id is not None:
        return can_read(user, board.page)
    if board.org_unit_id is not None:
        return unit_admits(user, board.org_unit)
    return True


def listed_boards(user: Any) -> QuerySet[Board]:
    """General and org-unit boards the user may read (course and lesson boards live on their pages)."""
    boards = Board.objects.filter(kind=Board.Kind.GENERAL).select_related("org_unit")
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
    groups = Q(kind=Board.Kind.GROUP, study_group__memberships__user=user) | Q(
        kind=Board.Kind.GROUP, study_group__in=_moderated_groups(user)
    )
    if is_system_admin(user):
        return Board.objects.all()
    if reads_everything(user):
        return Board.objects.filter(~Q(kind=Board.Kind.GROUP) | groups)
    general = Q(kind=Board.Kind.GENERAL)
    return Board.objects.filter(
        general & Q(org_unit__isnull=True)
        | general & units_admitting_q(user, "org_unit")
        | groups
        | readable_pages_q(user, "page")
    )


def _moderated_groups(user: Any) -> QuerySet:
    from community.models import StudyGroup

    return StudyGroup.objects.filter(groups_moderated_q(user)).values("pk")


def in_group_of_board(user: Any, board: Board) -> bool:
    """A member of the study group whose board this is (only active groups have open boards)."""
    return _in_group(user, group__board=board)


def can_moderate_board(user: Any, board: Board) -> bool:
    """Hide and restore anything on the board, see held posts, pin and lock."""
    if not is_participant(user):
        return False
    if is_system_admin(user):
        return True
    if board.kind == Board.Kind.GROUP:
        group = getattr(board, "study_group", None)
        return group is not None and can_moderate_group(user, group)
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
    if board.kind == Board.Kind.GROUP:
        return leads_group_of_board(user, board)
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


def notes_moderated_q(user: Any, prefix: str = "") -> Q:
    """Notes (through ``prefix``) ``user`` moderates, as ``can_moderate_note`` answers for one."""
    if not is_participant(user):
        return Q(pk__in=[])
    if is_system_admin(user):
        return Q()
    return subtree_q(managed_roots(user), f"{prefix}author__member__org_unit__path")


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


# ---------- Homework ----------


def teaches_course(user: Any, course) -> bool:
    """Set, change and review the course's homework: its instructors and system administrators."""
    if not is_participant(user):
        return False
    return is_system_admin(user) or course.instructors.filter(pk=user.pk).exists()


def studies_course(user: Any, course) -> bool:
    """Enrolled (studying or finished) and still allowed to read the course."""
    from courses.models import Enrollment

    member = getattr(user, "member", None)
    if member is None or not is_participant(user):
        return False
    enrolled = Enrollment.objects.studying().filter(member=member, course=course).exists()
    return enrolled and can_read(user, course)


def can_view_assignment(user: Any, assignment) -> bool:
    return teaches_course(user, assignment.course) or studies_course(user, assignment.course)


def can_view_submission(user: Any, submission) -> bool:
    """The member who handed it in, the course's teachers, and organizers who manage the member."""
    if not is_participant(user):
        return False
    if submission.author_id == user.pk or teaches_course(user, submission.assignment.course):
        return True
    member = getattr(submission.author, "member", None)
    return member is not None and has_role(user, Role.BRANCH_ORGANIZER) and can_manage_member(user, member)


# ---------- Topic proposals and calls for instructors ----------


def can_run_calls(user: Any) -> bool:
    """Open calls for instructors and decline proposals: system administrators and branch organizers."""
    return is_participant(user) and (is_system_admin(user) or bool(managed_roots(user)))


def can_decide_call(user: Any, call) -> bool:
    """Choose the instructor or close the call: whoever opened it, and system administrators."""
    return is_participant(user) and (call.created_by_id == user.pk or is_system_admin(user))


# ---------- Topic study groups ----------


def can_moderate_group(user: Any, group) -> bool:
    """Approve, decline, archive and moderate the board: system administrators, and organizers who
    manage the group's unit (or, for a group open to all, the member who started it)."""
    if not is_participant(user):
        return False
    if is_system_admin(user):
        return True
    if group.org_unit_id is not None:
        return can_manage_org_unit(user, group.org_unit)
    member = getattr(group.created_by, "member", None)
    return member is not None and has_role(user, Role.BRANCH_ORGANIZER) and can_manage_member(user, member)


def leads_group_of_board(user: Any, board: Board) -> bool:
    return _in_group(user, leader=True, group__board=board)


def can_create_active_group(user: Any) -> bool:
    """Organizers' groups need no approval."""
    return is_participant(user) and (is_system_admin(user) or bool(managed_roots(user)))


def can_open_group_to(user: Any, unit) -> bool:
    """A group may be opened to every member, or to a unit that admits its creator (their own unit,
    the units above it, a subtree they manage): whoever starts a group can always join it."""
    if not is_participant(user):
        return False
    return unit is None or is_system_admin(user) or unit_admits(user, unit)


def units_for_groups(user: Any) -> QuerySet:
    """The org units ``user`` may open a group to (``can_open_group_to``), as one query."""
    from courses.permissions import path_prefixes
    from school.models import OrgUnit

    if not is_participant(user):
        return OrgUnit.objects.none()
    if is_system_admin(user):
        return OrgUnit.objects.all()
    member = getattr(user, "member", None)
    roots = managed_roots(user)
    containing = [path for root in roots for path in path_prefixes(root.path)]
    if member is not None and member.is_active and member.org_unit_id is not None:
        containing += path_prefixes(member.org_unit.path)
    return OrgUnit.objects.filter(subtree_q(roots, "path") | Q(path__in=containing))


def group_admits(user: Any, group) -> bool:
    """Whether the group's scope includes ``user``: its unit's subtree (as ``unit_admits``), or every
    member when it has no unit. System administrators are admitted everywhere."""
    if not is_participant(user):
        return False
    return group.org_unit_id is None or is_system_admin(user) or unit_admits(user, group.org_unit)


def is_group_member(user: Any, group) -> bool:
    return _in_group(user, group=group)


def leads_group(user: Any, group) -> bool:
    return _in_group(user, leader=True, group=group)


def _in_group(user: Any, *, leader: bool = False, **group) -> bool:
    """A membership (a leader's, with ``leader``) of the group given by ``group`` (a group or a board)."""
    from community.models import GroupMembership

    if not is_participant(user):
        return False
    rows = GroupMembership.objects.filter(user_id=user.pk, **group)
    if leader:
        rows = rows.filter(role=GroupMembership.Role.LEADER)
    return rows.exists()


def can_view_group(user: Any, group) -> bool:
    """Its members, its creator and its moderators always; others in its scope once it is active
    (or archived). A group of another 支部 does not exist for a member."""
    from community.models import StudyGroup

    if not is_participant(user):
        return False
    if group.created_by_id == user.pk or is_group_member(user, group) or can_moderate_group(user, group):
        return True
    shown = (StudyGroup.Status.ACTIVE, StudyGroup.Status.ARCHIVED)
    return group.status in shown and group_admits(user, group)


def groups_moderated_q(user: Any) -> Q:
    """Groups ``user`` moderates (``can_moderate_group``), as a filter."""
    if not is_participant(user):
        return Q(pk__in=[])
    if is_system_admin(user):
        return Q()
    roots = managed_roots(user)
    if not roots:
        return Q(pk__in=[])
    return subtree_q(roots, "org_unit__path") | Q(org_unit__isnull=True) & subtree_q(
        roots, "created_by__member__org_unit__path"
    )


def groups_visible_to(user: Any) -> QuerySet:
    """Every group ``user`` may see (``can_view_group``), as one query."""
    from community.models import GroupMembership, StudyGroup

    if not is_participant(user):
        return StudyGroup.objects.none()
    if is_system_admin(user):
        return StudyGroup.objects.all()
    mine = Q(pk__in=GroupMembership.objects.filter(user_id=user.pk).values("group")) | Q(created_by=user)
    scope = Q(org_unit__isnull=True) | units_admitting_q(user, "org_unit")
    shown = Q(status__in=[StudyGroup.Status.ACTIVE, StudyGroup.Status.ARCHIVED]) & scope
    return StudyGroup.objects.filter(mine | shown | groups_moderated_q(user))


def can_join_group(user: Any, group) -> bool:
    """Whether to offer the join button; ``groups.group_join`` says why not."""
    from community.models import StudyGroup

    return (
        group.status == StudyGroup.Status.ACTIVE
        and group.member_count < group.max_members
        and group_admits(user, group)
        and not is_group_member(user, group)
    )


def can_manage_readings(user: Any, group) -> bool:
    """Add, remove and order the reading list, name further leaders: the group's leaders and moderators."""
    return leads_group(user, group) or can_moderate_group(user, group)


def can_view_group_progress(user: Any, group) -> bool:
    """Who read what is for the group itself and its moderators."""
    return is_group_member(user, group) or can_moderate_group(user, group)


def library_items_readable_by(user: Any) -> QuerySet:
    """Live courses, lessons, articles and policy documents ``user`` may read (what a reading list
    may hold), as one query."""
    from wagtail.models import Page

    from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage

    pages = Page.objects.live().type(CoursePage, LessonPage, ArticlePage, PolicyDocumentPage)
    if not is_participant(user):
        return pages.none()
    if reads_everything(user):
        return pages
    return pages.filter(readable_pages_q(user, "pk"))


# ---------- The message board ----------


def can_answer_letter(user: Any, letter) -> bool:
    """Organizers who manage the unit the letter is addressed to (and system administrators)."""
    return is_participant(user) and (is_system_admin(user) or can_manage_org_unit(user, letter.org_unit))


def can_read_letter(user: Any, letter) -> bool:
    """The writer and the answering organizers always; other members of the unit's subtree once the
    letter is on the public board."""
    if not is_participant(user):
        return False
    if letter.author_id == user.pk or can_answer_letter(user, letter):
        return True
    return (
        letter.is_public and letter.visibility == Visibility.PUBLISHED and unit_admits(user, letter.org_unit)
    )


def organizers_of(unit) -> QuerySet:
    """The active branch organizers who manage ``unit`` (through it or a unit above it)."""
    from courses.permissions import path_prefixes
    from school.models import User

    return User.objects.filter(
        is_active=True,
        groups__name=Role.BRANCH_ORGANIZER.value,
        managed_org_units__path__in=path_prefixes(unit.path),
    ).distinct()


def letter_units(user: Any) -> list:
    """The units a member may write to: their own and every unit above it, nearest first."""
    from courses.permissions import path_prefixes
    from school.models import OrgUnit

    member = getattr(user, "member", None) if is_participant(user) else None
    if member is None or not member.is_active or member.org_unit_id is None:
        return []
    return list(OrgUnit.objects.filter(path__in=path_prefixes(member.org_unit.path)).order_by("-depth"))


def can_write_letter(user: Any, unit) -> bool:
    return unit is not None and any(own.pk == unit.pk for own in letter_units(user))


def answers_letters(user: Any) -> bool:
    """Whether the user has an inbox at all: system administrators and branch organizers."""
    return is_participant(user) and (is_system_admin(user) or bool(managed_roots(user)))


def letters_answerable_by(user: Any) -> QuerySet:
    """The inbox, as one query: letters to units the user manages (all of them for administrators)."""
    from community.models import Letter

    if not is_participant(user):
        return Letter.objects.none()
    if is_system_admin(user):
        return Letter.objects.all()
    return Letter.objects.filter(subtree_q(managed_roots(user), "org_unit__path"))


def letters_on_board(user: Any) -> QuerySet:
    """Letters answered in public to units that admit the user: ``can_read_letter``'s rule for others."""
    from community.models import Letter

    if not is_participant(user):
        return Letter.objects.none()
    return Letter.objects.filter(is_public=True, visibility=Visibility.PUBLISHED).filter(
        units_admitting_q(user, "org_unit")
    )


def shows_letter_writer(user: Any, letter) -> bool:
    """An anonymous letter names its writer only to the writer and the organizers who answer it."""
    return not letter.is_anonymous or letter.author_id == user.pk or can_answer_letter(user, letter)


def can_follow_up_letter(user: Any, letter) -> bool:
    """The writer adds to their letter (privately) until it is closed."""
    from community.models import Letter

    return is_participant(user) and letter.author_id == user.pk and letter.status != Letter.Status.CLOSED


def can_reply_to_letter(user: Any, letter) -> bool:
    """An organizer answers until the letter is closed (a writer who manages the unit follows up)."""
    from community.models import Letter

    return (
        letter.author_id != getattr(user, "pk", None)
        and letter.status != Letter.Status.CLOSED
        and can_answer_letter(user, letter)
    )


def can_close_letter(user: Any, letter) -> bool:
    from community.models import Letter

    return letter.status != Letter.Status.CLOSED and (
        (is_participant(user) and letter.author_id == user.pk) or can_answer_letter(user, letter)
    )
