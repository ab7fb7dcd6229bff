"""Course and library pages for tests, created and published the way editors do it."""

from __future__ import annotations

import datetime
from typing import Any

from wagtail.models import Page

from courses.models import (
    AccessLevel,
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    PolicyDocumentPage,
    ResourceLibraryPage,
)


def published(parent: Page, page: Page, *, org_units: list | None = None) -> Page:
    parent.add_child(instance=page)
    if org_units:
        page.access_org_units.set(org_units)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def course(title: str = "学习党章", *, access: str = AccessLevel.MEMBERS, org_units=None, **fields: Any):
    fields.setdefault("summary", "逐章学习党章。")
    page = CoursePage(title=title, access_level=access, **fields)
    return published(CourseIndexPage.objects.get(), page, org_units=org_units)


def lesson(parent: CoursePage, title: str = "第一讲", *, access: str = AccessLevel.MEMBERS, **fields: Any):
    fields.setdefault("body", [("paragraph", "<p>总纲</p>")])
    return published(parent, LessonPage(title=title, access_level=access, **fields))


def article(title: str = "学习资料", *, access: str = AccessLevel.MEMBERS, org_units=None, **fields: Any):
    fields.setdefault("body", [("paragraph", "<p>正文</p>")])
    page = ArticlePage(title=title, access_level=access, **fields)
    return published(ResourceLibraryPage.objects.get(), page, org_units=org_units)


def policy_document(title: str = "中国共产党章程", *, access: str = AccessLevel.PUBLIC, **fields: Any):
    fields.setdefault("issuing_authority", "中共中央")
    fields.setdefault("issued_on", datetime.date(2022, 10, 22))
    page = PolicyDocumentPage(title=title, access_level=access, **fields)
    return published(ResourceLibraryPage.objects.get(), page)


def video_lesson(video, *, access: str = AccessLevel.MEMBERS, org_units=None, course_title: str = "视频党课"):
    """A published lesson showing ``video`` in a course of its own: what lets members watch it."""
    parent = course(course_title, access=access, org_units=org_units)
    return lesson(parent, video.title or "视频课节", video=video, body=[])
