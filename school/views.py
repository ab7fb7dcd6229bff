from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.static import serve as static_serve

from courses.selectors import learning_record, my_courses
from school.models import OrgUnit
from school.roles import Role
from school.services.points import points_leaderboard, points_total


def _role_labels(user) -> list[str]:
    names = set(user.groups.values_list("name", flat=True))
    labels = [role.label for role in Role if role.value in names]
    if user.is_superuser:
        labels.insert(0, _("Superuser"))
    return labels


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    member = getattr(request.user, "member", None)
    org_path = []
    if member is not None:
        unit = member.org_unit
        org_path = [ancestor.name for ancestor in unit.get_ancestors()] + [unit.name]
    context = {
        "title": _("My learning"),
        "member": member,
        "org_path": org_path,
        "roles": _role_labels(request.user),
    }
    if member is not None:
        year = timezone.localdate().year
        context["record"] = learning_record(member, year)
        context["courses"] = my_courses(member)
        context["points"] = points_total(member)
    return render(request, "school/my_learning.html", context)


# Folders of local media anyone may fetch: Wagtail's images (originals and renditions).
PUBLIC_MEDIA_FOLDERS = ("original_images/", "images/")


def public_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve local media from the public folders only; everything else does not exist here."""
    if not path.startswith(PUBLIC_MEDIA_FOLDERS) or ".." in path.split("/"):
        raise Http404
    return static_serve(request, path, document_root=settings.MEDIA_ROOT)


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    """积分: the member's total and history, and the leaderboards of their branch and whole organisation."""
    member = getattr(request.user, "member", None)
    if member is None:
        return redirect("my_learning")
    entries = member.points.order_by("-created_at", "-pk")
    branch = member.org_unit
    if branch.kind == OrgUnit.Kind.GROUP and branch.get_parent() is not None:
        branch = branch.get_parent()  # a 党小组 is too small to compare
    root = branch.get_root()
    boards = [(branch, list(points_leaderboard(branch)))]
    if root.pk != branch.pk:
        boards.append((root, list(points_leaderboard(root))))
    context = {
        "title": _("My points"),
        "member": member,
        "total": points_total(member),
        "page": Paginator(entries, 30).get_page(request.GET.get("page")),
        "boards": boards,
    }
    return render(request, "school/my_points.html", context)
