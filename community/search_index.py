"""What the community puts in the search index: discussion threads with their visible posts, and
study notes shared beyond their author.

A thread is found by whoever may read its board: a course or lesson board carries its page's
record access (and is not found while the page is not), a unit's board the unit as one access
group, a general board every logged-in member; a study group's board is not searchable (its readers
are the group, which no access group expresses). Held and hidden threads are not indexed; hidden
and held replies are left out of the text. A note for "my party branch" carries its 支部 as an access
group on top of its page's rule (groups are all required); private, held and hidden notes are not
indexed.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.content import text_of
from community.models import Board, NoteAudience, Post, StudyNote, Thread, TopicProposal, Visibility
from community.services import thread_url
from search.access import AccessBuilder
from search.documents import MAX_ACCESS_GROUPS, Access, IndexDocument
from search.registry import SearchType, get_type, register, types_for_model, watch

MAX_BODY_CHARS = 50_000


class ThreadSearchType(SearchType):
    name = "thread"
    model = Thread
    label = _("Discussions")
    order = 50

    def candidates(self) -> models.QuerySet:
        return Thread.objects.select_related("board__page", "board__org_unit")

    def documents(self, objects: Sequence[Thread]) -> dict[int, IndexDocument | None]:
        pages = self._page_records([thread.board for thread in objects])
        units = [thread.board.org_unit for thread in objects if thread.board.org_unit_id]
        builder = AccessBuilder(units)
        texts = self._texts(objects)
        documents: dict[int, IndexDocument | None] = {}
        for thread in objects:
            board = thread.board
            if thread.visibility != Visibility.PUBLISHED or board.kind == Board.Kind.GROUP:
                documents[thread.pk] = None  # a study group's board is for its members: not searchable
                continue
            if board.page_id is not None:
                record = pages.get(board.page_id)
                if record is None:  # the page is not live, or not findable
                    documents[thread.pk] = None
                    continue
                access, orgs = record.access, record.orgs
            elif board.org_unit_id is not None:
                access = Access(login=True, groups=(builder.group([board.org_unit]),))
                orgs = (board.org_unit.name,)
            else:
                access, orgs = Access(login=True), ()
            opening, body = texts.get(thread.pk, ("", ""))
            documents[thread.pk] = IndexDocument(
                key=self.key(thread.pk),
                type=self.name,
                title=thread.title,
                url=thread_url(thread),
                summary=opening[:200],
                body=body[:MAX_BODY_CHARS],
                date=thread.last_activity_at.date(),
                category=board.title,
                orgs=orgs,
                access=access,
            )
        return documents

    @staticmethod
    def _page_records(boards: list[Board]) -> dict[int, IndexDocument]:
        """The search records of the boards' pages, whose access the threads share."""
        return page_records([board.page for board in boards if board.page_id])

    @staticmethod
    def _texts(threads: Sequence[Thread]) -> dict[int, tuple[str, str]]:
        """(opening post, all visible posts) as plain text per thread."""
        posts = Post.objects.filter(thread__in=threads, visibility=Visibility.PUBLISHED).order_by(
            "created_at", "id"
        )
        texts: dict[int, list[str]] = {}
        opening: dict[int, str] = {}
        for thread_id, body, is_opening in posts.values_list("thread_id", "body", "is_opening"):
            text = text_of(body)
            if is_opening:
                opening[thread_id] = text
            texts.setdefault(thread_id, []).append(text)
        return {pk: (opening.get(pk, ""), "\n".join(parts)) for pk, parts in texts.items()}


def page_records(pages: Sequence) -> dict[int, IndexDocument]:
    """The search records of ``pages``, whose access what is written on them shares; a page that is
    not live or not findable has none."""
    records: dict[int, IndexDocument] = {}
    by_type: dict[str, list] = {}
    for page in pages:
        page = page.specific
        for search_type in types_for_model(type(page)):
            by_type.setdefault(search_type.name, []).append(page)
    for type_name, batch in by_type.items():
        search_type = get_type(type_name)
        loaded = search_type.load([page.pk for page in batch])
        for pk, record in search_type.documents(loaded).items():
            if record is not None:
                records[pk] = record
    return records


class NoteSearchType(SearchType):
    name = "note"
    model = StudyNote
    label = _("Study notes")
    order = 55

    def candidates(self) -> models.QuerySet:
        return StudyNote.objects.select_related("page", "org_unit", "author__member")

    def documents(self, objects: Sequence[StudyNote]) -> dict[int, IndexDocument | None]:
        pages = page_records([note.page for note in objects if note.page_id])
        builder = AccessBuilder([note.org_unit for note in objects if note.org_unit_id])
        documents: dict[int, IndexDocument | None] = {}
        for note in objects:
            documents[note.pk] = None
            if note.audience == NoteAudience.PRIVATE or note.visibility != Visibility.PUBLISHED:
                continue
            if note.audience == NoteAudience.BRANCH and note.org_unit_id is None:
                continue  # nobody but the author could read it
            if note.page_id is not None:
                record = pages.get(note.page_id)
                if record is None:
                    continue
                access, orgs = record.access, record.orgs
            else:
                access, orgs = Access(login=True), ()
            if note.audience == NoteAudience.BRANCH:
                if len(access.groups) >= MAX_ACCESS_GROUPS:
                    continue
                group = builder.group([note.org_unit])
                access = Access(login=True, organizer=access.organizer, groups=(*access.groups, group))
                orgs = (note.org_unit.name,)
            text = text_of(note.body)
            documents[note.pk] = IndexDocument(
                key=self.key(note.pk),
                type=self.name,
                title=note.title,
                url=reverse("community:note", args=[note.pk]),
                summary=text[:200],
                body=text[:MAX_BODY_CHARS],
                date=note.created_at.date(),
                category="",
                orgs=orgs,
                access=access,
            )
        return documents


class ProposalSearchType(SearchType):
    """Topic proposals, found by every logged-in member once published (declined ones too, with
    their reason on the page)."""

    name = "proposal"
    model = TopicProposal
    label = _("Topic proposals")
    order = 60

    def candidates(self) -> models.QuerySet:
        return TopicProposal.objects.all()

    def documents(self, objects: Sequence[TopicProposal]) -> dict[int, IndexDocument | None]:
        documents: dict[int, IndexDocument | None] = {}
        for proposal in objects:
            if proposal.visibility != Visibility.PUBLISHED:
                documents[proposal.pk] = None
                continue
            text = text_of(proposal.body) if proposal.body else ""
            documents[proposal.pk] = IndexDocument(
                key=self.key(proposal.pk),
                type=self.name,
                title=proposal.title,
                url=reverse("community:proposal", args=[proposal.pk]),
                summary=text[:200],
                body=text[:MAX_BODY_CHARS],
                date=proposal.created_at.date(),
                category="",
                orgs=(),
                access=Access(login=True),
            )
        return documents


def _thread_keys(threads: models.QuerySet) -> list[str]:
    return [f"thread:{pk}" for pk in threads.values_list("pk", flat=True)]


def _page_threads(page) -> list[str]:
    """Threads on the boards of a page and of the pages below it (a course's rule reaches its lessons)."""
    return _thread_keys(Thread.objects.filter(board__page__path__startswith=page.path))


def _page_notes(page) -> list[str]:
    """Notes on a page and on the pages below it (a course's rule reaches its lessons)."""
    pks = StudyNote.objects.filter(page__path__startswith=page.path).values_list("pk", flat=True)
    return [f"note:{pk}" for pk in pks]


def register_types() -> None:
    from courses.models import ArticlePage, CoursePage, LessonPage, PolicyDocumentPage

    register(ThreadSearchType())
    register(NoteSearchType())
    register(ProposalSearchType())
    watch(Thread, lambda thread: [f"thread:{thread.pk}"])
    watch(Post, lambda post: [f"thread:{post.thread_id}"])
    watch(Board, lambda board: _thread_keys(board.threads.all()))
    watch(StudyNote, lambda note: [f"note:{note.pk}"])
    watch(TopicProposal, lambda proposal: [f"proposal:{proposal.pk}"])
    for model in (CoursePage, LessonPage):
        watch(model, lambda page: _page_threads(page) + _page_notes(page))
    for model in (ArticlePage, PolicyDocumentPage):
        watch(model, _page_notes)
