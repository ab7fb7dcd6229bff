"""Who may read a course, lesson, article or policy document: the one place that answers it.

公开 anyone; 党员 every logged-in account; 指定组织 members of the chosen units' subtrees (and the
organizers whose subtrees overlap them); 内部 branch organizers. Editors and system administrators
read everything: they publish it. A page is readable only if every access-controlled page on its
path allows it (a lesson inherits its course's limits). Listings filter with ``readable_q``, single
pages ask ``can_read``; the two agree (tests check them against each other).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from wagtail.models import Page

from courses.models.access import AccessControlledPage, AccessLevel
from school.models import OrgUnit
from school.permissions import has_role, is_system_admin, managed_roots, members_visible_to, subtree_q
from school.roles import Role


def _is_reader(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reads_everything(user: Any) -> bool:
    return _is_reader(user) and (is_system_admin(user) or has_role(user, Role.EDITOR))


def _is_organizer(user: Any) -> bool:
    return _is_reader(user) and has_role(user, Role.BRANCH_ORGANIZER)


def _own_unit(user: Any) -> OrgUnit | None:
    member = getattr(user, "member", None)
    return member.org_unit if member is not None and member.is_active else None


def path_prefixes(path: str) -> list[str]:
    """The materialised paths of a unit and all its ancestors (treebeard steps of four)."""
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def _reader_unit_paths(user: Any) -> tuple[list[str], list[str]]:
    """(paths a chosen unit may have to include the user, subtree roots an organizer manages)."""
    cached = getattr(user, "_course_reader_paths", None)
    if cached is None:
        unit = _own_unit(user)
        containing = path_prefixes(unit.path) if unit is not None else []
        managed = [root.path for root in managed_roots(user)] if _is_organizer(user) else []
        for root in managed:
            containing += path_prefixes(root)
        cached = (sorted(set(containing)), managed)
        user._course_reader_paths = cached
    return cached


def readable_q(user: Any, prefix: str = "") -> Q:
    """The pages of one access-controlled model that ``user`` may read (``prefix`` for a relation)."""
    if reads_everything(user):
        return Q()
    level = f"{prefix}access_level"
    if not _is_reader(user):
        return Q(**{level: AccessLevel.PUBLIC})
    q = Q(**{f"{level}__in": [AccessLevel.PUBLIC, AccessLevel.MEMBERS]})
    q |= Q(**{level: AccessLevel.ORG_UNITS}) & units_admitting_q(user, f"{prefix}access_org_units")
    if _is_organizer(user):
        q |= Q(**{level: AccessLevel.INTERNAL})
    return q


def readable(queryset: QuerySet, user: Any) -> QuerySet:
    """``queryset`` (of one access-controlled page model) narrowed to what ``user`` may read."""
    q = readable_q(user)
    if not q:
        return queryset
    return queryset.filter(pk__in=queryset.model.objects.filter(q).values("pk"))


def page_allows(user: Any, page: AccessControlledPage) -> bool:
    """The page's own rule, without its ancestors."""
    if reads_everything(user):
        return True
    level = page.access_level
    if level == AccessLevel.PUBLIC:
        return True
    if not _is_reader(user):
        return False
    if level == AccessLevel.MEMBERS:
        return True
    if level == AccessLevel.INTERNAL:
        return _is_organizer(user)
    if level == AccessLevel.ORG_UNITS:
        return any(unit_admits(user, unit) for unit in page.access_org_units.all())
    return False


def unit_admits(user: Any, unit: OrgUnit) -> bool:
    """Whether ``unit`` chosen as an audience includes ``user``: a member of its subtree, or an
    organizer whose subtrees overlap it (the 指定组织 rule; community boards of a unit use it too)."""
    if not _is_reader(user):
        return False
    containing, managed = _reader_unit_paths(user)
    return unit.path in containing or any(unit.path.startswith(root) for root in managed)


def units_admitting_q(user: Any, field: str) -> Q:
    """Rows whose org unit (``field`` is the unit relation) admits ``user``, as ``unit_admits``."""
    if not _is_reader(user):
        return Q(pk__in=[])
    containing, managed = _reader_unit_paths(user)
    q = Q(**{f"{field}__path__in": containing}) if containing else Q(pk__in=[])
    for root in managed:
        q |= Q(**{f"{field}__path__startswith": root})
    return q


def can_read(user: Any, page: Page) -> bool:
    """The page's rule and that of every access-controlled page above it."""
    page = page.specific
    pages = [page, *page.get_ancestors().specific()]
    return all(page_allows(user, p) for p in pages if isinstance(p, AccessControlledPage))


def refuse_unless_readable(request: HttpRequest, page: Page) -> HttpResponse | None:
    """None if the visitor may read ``page``; else the login page for visitors, 403 for others."""
    if can_read(request.user, page):
        return None
    if not _is_reader(request.user):
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def readable_lessons(*, user: Any, course: Page) -> QuerySet:
    from courses.models import LessonPage

    lessons = LessonPage.objects.child_of(course).live().select_related("video")
    return readable(lessons, user).order_by("path")


def can_watch_in_a_lesson(user: Any, video_id: int) -> bool:
    """Whether a live lesson ``user`` may read shows this video (lessons inherit their course's rule)."""
    from courses.models import LessonPage

    lessons = readable(LessonPage.objects.live().filter(video_id=video_id), user)
    return any(can_read(user, lesson) for lesson in lessons[:20])


def can_manage_study(user: Any) -> bool:
    """Assign courses and decide applications: system administrators and branch organizers."""
    return _is_reader(user) and (is_system_admin(user) or bool(managed_roots(user)))


def _in_managed_units(user: Any, model) -> QuerySet:
    """Rows of ``model`` whose ``org_unit`` lies in the user's subtrees (all for system administrators)."""
    if not can_manage_study(user):
        return model.objects.none()
    if is_system_admin(user):
        return model.objects.all()
    return model.objects.filter(subtree_q(managed_roots(user), "org_unit__path"))


def assignments_visible_to(user: Any) -> QuerySet:
    """专题班 assigned to units inside the user's subtrees."""
    from courses.models import CourseAssignment

    return _in_managed_units(user, CourseAssignment)


def offline_visible_to(user: Any) -> QuerySet:
    """Offline study sessions of units inside the user's subtrees."""
    from courses.models import OfflineStudy

    return _in_managed_units(user, OfflineStudy)


def enrollments_visible_to(user: Any) -> QuerySet:
    """Enrolments of the members the user manages."""
    from courses.models import Enrollment

    if not can_manage_study(user):
        return Enrollment.objects.none()
    return Enrollment.objects.filter(member__in=members_visible_to(user))
