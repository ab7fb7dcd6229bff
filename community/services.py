"""Every write of the discussion boards: threads, replies, likes, best answers, moderation.

Each entry point owns its transaction, checks permission itself (callers may be views, commands
or tasks), and raises ``NotAllowed``/``InvalidPost`` with a message for the member. Moderation
writes an audit row; notifications are written in the same transaction as the post.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import content, permissions
from community.exceptions import InvalidPost, NotAllowed
from community.models import (
    Board,
    Notification,
    Post,
    PostLike,
    PostReport,
    SensitiveWord,
    Thread,
    ThreadVisit,
)
from community.models import Visibility as V
from community.notifications import notification_send
from school.models import Member, PointRule, User
from school.services.audit import audit_record
from school.services.points import points_award


def board_for_page(*, page) -> Board:
    """The discussion board of a course or lesson page, made on first use."""
    from courses.models import CoursePage

    page = page.specific
    kind = Board.Kind.COURSE if isinstance(page, CoursePage) else Board.Kind.LESSON
    board, _created = Board.objects.get_or_create(
        page=page, defaults={"kind": kind, "title": page.title[:60]}
    )
    return board


def thread_url(thread: Thread) -> str:
    return reverse("community:thread", args=[thread.pk])


def post_url(post: Post) -> str:
    return f"{thread_url(post.thread)}?post={post.pk}#post-{post.pk}"


@transaction.atomic(durable=True)
def thread_create(*, board: Board, author: User, title: str, body: str, is_question: bool = True) -> Thread:
    if not permissions.can_start_thread(author, board):
        raise NotAllowed(_("You cannot start a thread on this board."))
    title = content.clean_title(title)
    mentioned = _mentioned_users(body, board)
    cleaned = content.clean_body(body, mentions={name: name for name in mentioned})
    visibility = _screen(f"{title}\n{cleaned.text}")
    now = timezone.now()
    thread = Thread.objects.create(
        board=board,
        author=author,
        title=title,
        is_question=is_question,
        visibility=visibility,
        last_activity_at=now,
    )
    post = Post.objects.create(
        thread=thread, author=author, is_opening=True, body=cleaned.html, visibility=visibility
    )
    ThreadVisit.objects.create(thread=thread, user=author, seen_at=now)
    if visibility == V.PUBLISHED:
        _announce(post, mentioned)
    return thread


@transaction.atomic(durable=True)
def post_reply(*, thread: Thread, author: User, body: str, quote: Post | None = None) -> Post:
    thread = Thread.objects.select_for_update(of=("self",)).select_related("board").get(pk=thread.pk)
    if thread.is_locked:
        raise NotAllowed(_("This thread is locked: no more replies."))
    if not permissions.can_reply(author, thread):
        raise NotAllowed(_("You cannot reply in this thread."))
    if quote is not None and (quote.thread_id != thread.pk or quote.visibility != V.PUBLISHED):
        quote = None  # a quote from elsewhere, or of a hidden post, is dropped rather than shown
    mentioned = _mentioned_users(body, thread.board)
    cleaned = content.clean_body(body, mentions={name: name for name in mentioned})
    visibility = _screen(cleaned.text)
    post = Post.objects.create(
        thread=thread, author=author, body=cleaned.html, quote=quote, visibility=visibility
    )
    if visibility == V.PUBLISHED:
        _count_reply(thread, +1)
        _announce(post, mentioned)
    return post


@transaction.atomic(durable=True)
def post_edit(*, post: Post, acting_user: User, body: str) -> Post:
    post = Post.objects.select_for_update(of=("self",)).select_related("thread__board").get(pk=post.pk)
    if not permissions.can_edit_post(acting_user, post):
        raise NotAllowed(_("You can only edit your own posts, and not in a locked thread."))
    mentioned = _mentioned_users(body, post.thread.board)
    cleaned = content.clean_body(body, mentions={name: name for name in mentioned})
    visibility = _screen(cleaned.text)
    post.body, post.edited_at = cleaned.html, timezone.now()
    fields = ["body", "edited_at"]
    if visibility == V.HELD and post.visibility == V.PUBLISHED:
        post.visibility = V.HELD  # an edit that adds a word under review goes back for review
        fields.append("visibility")
        _follow_opening(post)
        if not post.is_opening:
            _count_reply(post.thread, -1)
    post.save(update_fields=fields)
    return post


def post_like(*, post: Post, user: User) -> tuple[bool, int]:
    """Like a post, or take the like back; (liked now, likes). Concurrent double clicks count once."""
    if not permissions.can_see_thread(user, post.thread) or post.visibility != V.PUBLISHED:
        raise NotAllowed(_("You cannot like this post."))
    return like_toggle(PostLike, Post.objects.filter(pk=post.pk), post=post, user=user)


def like_toggle(model, counted, **like) -> tuple[bool, int]:
    """Add the like (a row of ``model`` with the fields ``like``) or take it back, keeping ``like_count``
    of the one row of ``counted`` in step; (liked now, likes). Concurrent double clicks count once."""
    with transaction.atomic(durable=True):
        removed, _kinds = model.objects.filter(**like).delete()
        if removed:
            counted.update(like_count=F("like_count") - 1)
            liked = False
        else:
            try:
                with transaction.atomic():
                    model.objects.create(**like)
            except IntegrityError:
                return True, counted.get().like_count  # the other click won
            counted.update(like_count=F("like_count") + 1)
            liked = True
        return liked, counted.get().like_count


@transaction.atomic(durable=True)
def post_mark_best(*, post: Post, acting_user: User) -> Thread:
    thread = Thread.objects.select_for_update(of=("self",)).select_related("board").get(pk=post.thread_id)
    if not permissions.can_lead_thread(acting_user, thread):
        raise NotAllowed(
            _("Only the course's instructors and the board's moderators choose the best answer.")
        )
    if post.is_opening or post.visibility != V.PUBLISHED or post.thread_id != thread.pk:
        raise NotAllowed(_("Only a visible reply can be the best answer."))
    thread.best_post = post
    thread.save(update_fields=["best_post"])
    url = post_url(post)
    notification_send(
        recipients=[post.author],
        kind=Notification.Kind.BEST_ANSWER,
        actor=acting_user,
        subject=thread.title,
        url=url,
    )
    if thread.author_id != post.author_id:
        notification_send(
            recipients=[thread.author],
            kind=Notification.Kind.QUESTION_ANSWERED,
            actor=acting_user,
            subject=thread.title,
            url=url,
        )
    return thread


@transaction.atomic(durable=True)
def thread_set_flags(
    *, thread: Thread, acting_user: User, pinned: bool | None = None, locked: bool | None = None
) -> Thread:
    thread = Thread.objects.select_for_update(of=("self",)).select_related("board").get(pk=thread.pk)
    if not permissions.can_lead_thread(acting_user, thread):
        raise NotAllowed(_("Only the course's instructors and the board's moderators pin or lock threads."))
    fields = []
    if pinned is not None and pinned != thread.is_pinned:
        thread.is_pinned = pinned
        fields.append("is_pinned")
        audit_record(
            actor=acting_user,
            action="community.thread.pinned" if pinned else "community.thread.unpinned",
            target=thread,
        )
    if locked is not None and locked != thread.is_locked:
        thread.is_locked = locked
        fields.append("is_locked")
        audit_record(
            actor=acting_user,
            action="community.thread.locked" if locked else "community.thread.unlocked",
            target=thread,
        )
    if fields:
        thread.save(update_fields=fields)
    return thread


@transaction.atomic(durable=True)
def post_hide(*, post: Post, acting_user: User, reason: str) -> Post:
    """Hide a post (an opening post hides its thread) with a reason the author is told."""
    post = _for_moderation(post, acting_user)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise InvalidPost(_("Please give a reason for hiding the post."))
    if post.visibility == V.HIDDEN:
        return post
    was = post.visibility
    post.visibility, post.moderation_reason = V.HIDDEN, reason
    post.save(update_fields=["visibility", "moderation_reason"])
    _follow_opening(post)
    if was == V.PUBLISHED and not post.is_opening:
        _count_reply(post.thread, -1)
    PostReport.objects.filter(post=post, status=PostReport.Status.OPEN).update(
        status=PostReport.Status.HANDLED
    )
    audit_record(
        actor=acting_user, action="community.post.hidden", target=post, reason=reason, thread=post.thread_id
    )
    notification_send(
        recipients=[post.author],
        kind=Notification.Kind.POST_HIDDEN,
        actor=acting_user,
        subject=post.thread.title,
        url=post_url(post),
    )
    return post


@transaction.atomic(durable=True)
def post_restore(*, post: Post, acting_user: User, reason: str = "") -> Post:
    """Publish a hidden post again, or approve one held for review."""
    post = _for_moderation(post, acting_user)
    if post.visibility == V.PUBLISHED:
        return post
    was = post.visibility
    post.visibility, post.moderation_reason = V.PUBLISHED, ""
    post.save(update_fields=["visibility", "moderation_reason"])
    _follow_opening(post)
    if not post.is_opening:
        _count_reply(post.thread, +1)
    PostReport.objects.filter(post=post, status=PostReport.Status.OPEN).update(
        status=PostReport.Status.HANDLED
    )
    action = "community.post.approved" if was == V.HELD else "community.post.restored"
    audit_record(
        actor=acting_user,
        action=action,
        target=post,
        reason=(reason or "").strip()[:200],
        thread=post.thread_id,
    )
    if was == V.HELD:
        _announce(post, _mentioned_users(content.text_of(post.body), post.thread.board))
    else:
        notification_send(
            recipients=[post.author],
            kind=Notification.Kind.POST_RESTORED,
            actor=acting_user,
            subject=post.thread.title,
            url=post_url(post),
        )
    return post


def post_report(*, post: Post, reporter: User, reason: str) -> PostReport:
    """Report a post to the moderators; reporting the same post again changes nothing."""
    if not permissions.can_see_thread(reporter, post.thread) or post.visibility != V.PUBLISHED:
        raise NotAllowed(_("You cannot report this post."))
    if post.author_id == reporter.pk:
        raise NotAllowed(_("You cannot report your own post."))
    reason = (reason or "").strip()[:200]
    if not reason:
        raise InvalidPost(_("Please say briefly what is wrong with the post."))
    with transaction.atomic(durable=True):
        report, _created = PostReport.objects.get_or_create(
            post=post, reporter=reporter, defaults={"reason": reason}
        )
    return report


def thread_visit(*, thread: Thread, user: User) -> None:
    if user.is_authenticated:
        ThreadVisit.objects.update_or_create(thread=thread, user=user, defaults={"seen_at": timezone.now()})


# helpers -----------------------------------------------------------------------------------------


def _screen(text: str) -> str:
    """Sensitive words: refuse (InvalidPost naming the word) or hold for review; else publish."""
    words = list(SensitiveWord.objects.values_list("word", "action"))
    if not words:
        return V.PUBLISHED
    blocked, review = content.sensitive_hits(text, words)
    if blocked:
        raise InvalidPost(
            _("The text contains a word that cannot be posted: “%(word)s”. Please change it.")
            % {"word": blocked[0]}
        )
    return V.HELD if review else V.PUBLISHED


def _for_moderation(post: Post, acting_user: User) -> Post:
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread__board", "author__member")
        .get(pk=post.pk)
    )
    if not permissions.can_moderate_post(acting_user, post):
        raise PermissionDenied
    return post


def _follow_opening(post: Post) -> None:
    """The thread is as visible as its opening post."""
    if post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(visibility=post.visibility)
        post.thread.visibility = post.visibility


def _count_reply(thread: Thread, step: int) -> None:
    changes = {"reply_count": F("reply_count") + step}
    if step > 0:
        changes["last_activity_at"] = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(**changes)


def _mentioned_users(body: str, board: Board) -> dict[str, list[User]]:
    """Names after @ that belong to people who can read the board: name → users (namesakes too)."""
    candidates = content.mention_candidates(body or "")
    if not candidates:
        return {}
    names = {prefix for candidate in candidates for prefix in content.prefixes(candidate)}
    members = Member.objects.filter(real_name__in=names, is_active=True).select_related("user")[:50]
    by_name: dict[str, list[User]] = {}
    for member in members:
        if permissions.can_view_board(member.user, board):
            by_name.setdefault(member.real_name, []).append(member.user)
    found: dict[str, list[User]] = {}
    for candidate in candidates:
        for prefix in reversed(content.prefixes(candidate)):
            if prefix in by_name:
                found[prefix] = by_name[prefix][:5]
                break
    return found


def _announce(post: Post, mentioned: dict[str, list[User]]) -> None:
    """Tell the thread's author, the quoted author and the mentioned people; points for replies."""
    thread = post.thread
    url = post_url(post)
    mention_users = [user for users in mentioned.values() for user in users]
    notification_send(
        recipients=mention_users,
        kind=Notification.Kind.MENTION,
        actor=post.author,
        subject=thread.title,
        url=url,
    )
    if not post.is_opening:
        told = {user.pk for user in mention_users}
        repliers = [thread.author] + ([post.quote.author] if post.quote_id else [])
        notification_send(  # not to those who can no longer read the board (left its group or 支部)
            recipients=[
                user
                for user in repliers
                if user.pk not in told and permissions.can_view_board(user, thread.board)
            ],
            kind=Notification.Kind.REPLY,
            actor=post.author,
            subject=thread.title,
            url=url,
        )
    member = getattr(post.author, "member", None)
    if member is not None:
        points_award(member=member, rule=PointRule.Code.REPLY_POSTED, object_key=f"post:{post.pk}")
