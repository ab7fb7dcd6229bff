"""Who teaches a course, changed outside the page editor (an accepted call for instructors)."""

from __future__ import annotations

from django.db import transaction

from courses.models import CoursePage


@transaction.atomic
def course_instructor_add(*, course: CoursePage, user) -> bool:
    """Add ``user`` to the course's instructors, live and in its latest revision (so that the next
    publish from the editor keeps them); False when they already teach it."""
    through = CoursePage.instructors.through
    _row, created = through.objects.get_or_create(coursepage_id=course.pk, user_id=user.pk)
    revision = CoursePage.objects.get(pk=course.pk).latest_revision
    if revision is not None:
        listed = list(revision.content.get("instructors") or [])
        if user.pk not in listed:
            revision.content["instructors"] = [*listed, user.pk]
            revision.save(update_fields=["content"])
    return created
