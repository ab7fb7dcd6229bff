"""What the courses app puts in the search index: courses, lessons, articles and policy documents.

A page is found only while it and every page above it are live. Its record carries the access
rules of the page and of every access-controlled page above it (a lesson keeps its course's
limits), in the form ``search.documents`` describes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing

from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage
from courses.models.access import AccessControlledPage
from search.access import AccessBuilder
from search.documents import IndexDocument
from search.registry import SearchType, register

logger = logging.getLogger(__name__)


def _stream_text(page: Page, field: str) -> str:
    stream_field = page._meta.get_field(field)
    return "\n".join(str(part) for part in stream_field.get_searchable_content(getattr(page, field)))


def _rich_text(html: str) -> str:
    return get_text_for_indexing(html) if html else ""


class _Ancestry:
    """Liveness and access rules of a batch of pages and their ancestors, in a few queries."""

    def __init__(self, pages: Sequence[AccessControlledPage]) -> None:
        step = Page.steplen
        paths = {page.path[:end] for page in pages for end in range(step, len(page.path), step)}
        self.live = dict(Page.objects.filter(path__in=paths).values_list("path", "live"))
        self.controlled: dict[str, AccessControlledPage] = {}
        for model in apps.get_models():
            if issubclass(model, AccessControlledPage) and paths:
                for ancestor in model.objects.filter(path__in=paths).prefetch_related("access_org_units"):
                    self.controlled[ancestor.path] = ancestor
        units = [unit for page in (*pages, *self.controlled.values()) for unit in page.access_org_units.all()]
        self.builder = AccessBuilder(units)

    def _ancestor_paths(self, page: Page) -> list[str]:
        return [page.path[:end] for end in range(Page.steplen, len(page.path), Page.steplen)]

    def findable(self, page: Page) -> bool:
        return page.live and all(self.live.get(path, False) for path in self._ancestor_paths(page))

    def access(self, page: AccessControlledPage):
        chain = [self.controlled[path] for path in self._ancestor_paths(page) if path in self.controlled]
        chain.append(page)
        rules = [(p.access_level, list(p.access_org_units.all())) for p in chain]
        return self.builder.access(rules)

    def org_names(self, page: AccessControlledPage) -> tuple[str, ...]:
        chain = [self.controlled[path] for path in self._ancestor_paths(page) if path in self.controlled]
        names = [unit.name for p in (*chain, page) for unit in p.access_org_units.all()]
        return tuple(dict.fromkeys(names))


class PageSearchType(SearchType):
    """A page model: every saved page is a candidate, found only while live."""

    related: tuple[str, ...] = ()

    def candidates(self) -> models.QuerySet:
        return self.model.objects.select_related(*self.related).prefetch_related("access_org_units")

    def documents(self, objects: Sequence[models.Model]) -> dict[int, IndexDocument | None]:
        ancestry = _Ancestry(objects)
        context = self.batch_context(objects)
        documents: dict[int, IndexDocument | None] = {}
        for page in objects:
            if not ancestry.findable(page):
                documents[page.pk] = None
                continue
            document = IndexDocument(
                key=self.key(page.pk),
                type=self.name,
                title=page.title,
                url=page.url or "",
                access=ancestry.access(page),
                orgs=ancestry.org_names(page),
            )
            self.fill(document, page, context)
            documents[page.pk] = document
        return documents

    def batch_context(self, objects: Sequence[models.Model]) -> dict:
        return {}

    def fill(self, document: IndexDocument, page, context: dict) -> None:
        raise NotImplementedError


class CourseSearchType(PageSearchType):
    name = "course"
    model = CoursePage
    label = _("Courses")
    order = 10
    related = ("topic",)

    def fill(self, document: IndexDocument, page: CoursePage, context: dict) -> None:
        document.summary = page.summary
        document.body = _rich_text(page.description)
        document.category = page.topic.name if page.topic else ""
        names = [user.get_full_name() or user.get_username() for user in page.instructors.all()]
        document.keys = " ".join(names)
        document.date = page.opens_on or (page.first_published_at.date() if page.first_published_at else None)


class LessonSearchType(PageSearchType):
    name = "lesson"
    model = LessonPage
    label = _("Lessons")
    order = 20
    related = ("video",)

    def candidates(self) -> models.QuerySet:
        return super().candidates().prefetch_related("attachments__document", "video__captions")

    def batch_context(self, objects: Sequence[models.Model]) -> dict:
        from search.extraction import document_text

        step = Page.steplen
        parent_paths = {page.path[:-step] for page in objects}
        courses = CoursePage.objects.filter(path__in=parent_paths).select_related("topic")
        attachments = {
            page.pk: "\n".join(document_text(a.document) for a in page.attachments.all()) for page in objects
        }
        return {"courses": {course.path: course for course in courses}, "attachments": attachments}

    def fill(self, document: IndexDocument, page: LessonPage, context: dict) -> None:
        from search.extraction import captions_text

        course = context["courses"].get(page.path[: -Page.steplen])
        document.summary = page.summary
        document.keys = course.title if course else ""
        document.category = course.topic.name if course and course.topic else ""
        parts = [_stream_text(page, "body")]
        video = page.video
        if video is not None:
            parts += [video.transcript, captions_text(video)]
        parts.append(context["attachments"].get(page.pk, ""))
        document.body = "\n".join(part for part in parts if part)
        document.date = page.first_published_at.date() if page.first_published_at else None


class ArticleSearchType(PageSearchType):
    name = "article"
    model = ArticlePage
    label = _("Study articles")
    order = 30
    related = ("category",)

    def fill(self, document: IndexDocument, page: ArticlePage, context: dict) -> None:
        document.summary = page.summary
        document.keys = page.author
        document.body = _stream_text(page, "body")
        document.category = page.category.name if page.category else ""
        document.date = page.published_on


class PolicySearchType(PageSearchType):
    name = "policy"
    model = PolicyDocumentPage
    label = _("Policy documents")
    order = 40
    related = ("category",)

    def fill(self, document: IndexDocument, page: PolicyDocumentPage, context: dict) -> None:
        document.summary = page.summary
        document.keys = f"{page.document_number} {page.issuing_authority}".strip()
        document.body = "\n".join(part for part in (_rich_text(page.body), page.extracted_text) if part)
        document.category = page.category.name if page.category else ""
        document.authority = page.issuing_authority
        document.date = page.issued_on


def _lessons_showing_video(video) -> list[str]:
    return [
        f"lesson:{pk}" for pk in LessonPage.objects.filter(video_id=video.pk).values_list("pk", flat=True)
    ]


def _pages_in_category(model, type_name: str, field: str):
    def keys(category) -> list[str]:
        pks = model.objects.filter(**{field: category.pk}).values_list("pk", flat=True)
        return [f"{type_name}:{pk}" for pk in pks]

    return keys


def register_types() -> None:
    from courses.models import CourseTopic, LibraryCategory
    from media_pipeline.models import Video, VideoCaption
    from search.registry import watch

    for search_type in (CourseSearchType(), LessonSearchType(), ArticleSearchType(), PolicySearchType()):
        register(search_type)
    watch(Video, _lessons_showing_video)
    watch(VideoCaption, lambda caption: _lessons_showing_video(caption.video))
    watch(LibraryCategory, _pages_in_category(ArticlePage, "article", "category"))
    watch(LibraryCategory, _pages_in_category(PolicyDocumentPage, "policy", "category"))
    watch(CourseTopic, _pages_in_category(CoursePage, "course", "topic"))
    watch(CourseTopic, _lessons_of_topic)


def _lessons_of_topic(topic) -> list[str]:
    under = Q(pk__in=[])
    for path in CoursePage.objects.filter(topic_id=topic.pk).values_list("path", flat=True):
        under |= Q(path__startswith=path)
    return [f"lesson:{pk}" for pk in LessonPage.objects.filter(under).values_list("pk", flat=True)]
