from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# Sections whose own issue has not landed yet show an honest empty state, not a fake page.
SECTIONS = {
    "courses": (_("Courses"), _("No courses have been published yet. Assigned and elective courses will appear here.")),
    "library": (
        _("Resource library"),
        _("No documents have been published yet. Party regulations, policy documents and study materials "
          "will appear here."),
    ),
    "exams": (_("Exams"), _("There are no exams open to you at the moment.")),
    "community": (_("Study community"), _("Discussions, study notes and study groups will appear here.")),
    "search": (_("Search"), _("Search across courses, lessons and the resource library will appear here.")),
}


def section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    title, empty_text = SECTIONS[section]
    return render(request, "school/section.html", {"title": title, "empty_text": empty_text, "section": section})


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    member = getattr(request.user, "member", None)
    return render(
        request,
        "school/my_learning.html",
        {"member": member, "roles": list(request.user.groups.values_list("name", flat=True))},
    )
