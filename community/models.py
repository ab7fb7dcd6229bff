"""The study community: discussion boards, threads and posts, likes, reports, study notes, notifications.

A board belongs to a course or lesson page (who may read the page may read the board), to an org
unit (its members and the organizers above it), or to everyone logged in. Who may do what is
answered in ``community.permissions``; every write goes through ``community.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Board(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", _("General board")  # 学习交流, 政策解读 …
        COURSE = "course", _("Course board")
        LESSON = "lesson", _("Lesson board")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(_("title"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    page = models.OneToOneField(
        "wagtailcore.Page",
        verbose_name=_("course or lesson"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discussion_board",
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="boards",
        help_text=_("Only members of this unit and its organizers see the board. Empty: every member."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("open"), default=True, help_text=_("A closed board keeps its threads but takes no new ones.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("discussion board")
        verbose_name_plural = _("discussion boards")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="general", page__isnull=True) | (~Q(kind="general") & Q(page__isnull=False)),
                name="board_page_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Visibility(models.TextChoices):
    """What others see of a post: moderation and sensitive-word review act through this."""

    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for review")  # a sensitive word: only the author and moderators see it
    HIDDEN = "hidden", _("Hidden by a moderator")


class ThreadQuerySet(models.QuerySet):
    def shown_to(self, user) -> ThreadQuerySet:
        """Published threads, plus the user's own held or hidden ones (marked as such)."""
        return self.filter(Q(visibility=Visibility.PUBLISHED) | Q(author_id=user.pk))


class Thread(models.Model):
    board = models.ForeignKey(
        Board, verbose_name=_("board"), on_delete=models.CASCADE, related_name="threads"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    is_question = models.BooleanField(_("question"), default=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    best_post = models.ForeignKey(
        "Post",
        verbose_name=_("best answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        indexes = [models.Index(fields=["board", "-is_pinned", "-last_activity_at"], name="thread_listing")]

    def __str__(self) -> str:
        return self.title


class PostQuerySet(models.QuerySet):
    def shown_to(self, user, *, moderator: bool = False) -> PostQuerySet:
        """Published posts; the user's own held ones; everything for a moderator of the board."""
        if moderator:
            return self
        return self.filter(
            Q(visibility=Visibility.PUBLISHED) | Q(author_id=user.pk, visibility=Visibility.HELD)
        )


class Post(models.Model):
    """The opening post of a thread (``is_opening``) or a reply; the body is sanitized HTML."""

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    is_opening = models.BooleanField(_("opening post"), default=False)
    body = models.TextField(_("text"))
    quote = models.ForeignKey(
        "self",
        verbose_name=_("quoted post"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    moderation_reason = models.CharField(_("reason"), max_length=200, blank=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(is_opening=True), name="one_opening_post_per_thread"
            )
        ]
        indexes = [models.Index(fields=["thread", "created_at"], name="post_in_thread")]

    def __str__(self) -> str:
        return f"{self.thread} #{self.pk}"


class PostLike(models.Model):
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("liked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_like_per_post_and_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.post}"


class ThreadVisit(models.Model):
    """When a user last opened a thread: threads with later activity show as unread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("thread visit")
        verbose_name_plural = _("thread visits")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_visit_per_thread_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.thread}"


class PostReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_post_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.post}: {self.reason}"


class SensitiveWord(models.Model):
    """敏感词: a post containing one is refused, or held until a moderator publishes it."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Refuse the post")
        REVIEW = "review", _("Hold the post for review")

    word = models.CharField(_("word"), max_length=50, unique=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.REVIEW)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Notification(models.Model):
    """One line in a user's notification centre. The text is rendered at display time from ``kind``
    (in the reader's language) with ``actor`` and ``subject``."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        MENTION = "mention", _("Mention")
        BEST_ANSWER = "best_answer", _("Best answer")
        QUESTION_ANSWERED = "question_answered", _("Question answered")
        NOTE_COMMENT = "note_comment", _("Comment on a study note")
        NOTE_FEATURED = "note_featured", _("Study note featured")
        CALL_OPENED = "call_opened", _("Call for instructors")
        APPLICATION_ACCEPTED = "application_accepted", _("Application accepted")
        APPLICATION_DECLINED = "application_declined", _("Application not chosen")
        POST_HIDDEN = "post_hidden", _("Post hidden")
        POST_RESTORED = "post_restored", _("Post restored")
        HOMEWORK_REVIEWED = "homework_reviewed", _("Homework reviewed")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Proposal accepted")
        COURSE_ASSIGNED = "course_assigned", _("Course assigned")
        EXAM_OPEN = "exam_open", _("Exam open")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("about"), max_length=200)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"


class NoteAudience(models.TextChoices):
    """Who may read a study note besides its author (and never beyond the readers of its page)."""

    PRIVATE = "private", _("Only me")
    BRANCH = "branch", _("My party branch")
    EVERYONE = "everyone", _("Every member")


class StudyNote(models.Model):
    """A member's 学习心得 on a lesson, course, article or policy document (or on nothing in particular).

    ``org_unit`` is the author's 支部 when the note was written: "my party branch" means its members
    (and the organizers above it), even if the author moves later.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    page_title = models.CharField(_("about (title)"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))
    audience = models.CharField(
        _("who may read it"), max_length=10, choices=NoteAudience.choices, default=NoteAudience.BRANCH
    )
    org_unit = models.ForeignKey(
        "school.OrgUnit",
        verbose_name=_("party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    moderation_reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    featured_at = models.DateTimeField(_("featured at"), null=True, blank=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("study note")
        verbose_name_plural = _("study notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["audience", "visibility", "-created_at"], name="note_listing"),
            models.Index(fields=["page", "-created_at"], name="note_on_page"),
            models.Index(fields=["author", "-created_at"], name="note_by_author"),
        ]

    def __str__(self) -> str:
        return self.title


class NoteComment(models.Model):
    note = models.ForeignKey(
        StudyNote, verbose_name=_("study note"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} · {self.note}"


class NoteLike(models.Model):
    note = models.ForeignKey(StudyNote, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("liked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="one_like_per_note_and_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.note}"


class TopicProposal(models.Model):
    """A topic members want to learn (主题征集). Members vote once each; an organizer turns a popular
    one into a call for instructors."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        ADOPTED = "adopted", _("Taken up")
        DECLINED = "declined", _("Declined")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("topic"), max_length=80)
    body = models.TextField(_("why and what"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("topic proposal")
        verbose_name_plural = _("topic proposals")
        ordering = ["-vote_count", "-created_at", "-id"]
        indexes = [models.Index(fields=["visibility", "-vote_count", "-created_at"], name="proposal_ranking")]

    def __str__(self) -> str:
        return self.title


class ProposalVote(models.Model):
    proposal = models.ForeignKey(TopicProposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_vote_per_proposal_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.proposal}"


class InstructorCall(models.Model):
    """A call for an instructor (众包) to teach a course on a proposed topic."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for applications")
        FILLED = "filled", _("Instructor chosen")
        CLOSED = "closed", _("Closed")

    proposal = models.OneToOneField(
        TopicProposal, verbose_name=_("topic proposal"), on_delete=models.PROTECT, related_name="call"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("what the instructor does"), blank=True)
    closes_on = models.DateField(_("applications close on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for instructors")
        verbose_name_plural = _("calls for instructors")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Under consideration")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not chosen")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(
        InstructorCall, verbose_name=_("call"), on_delete=models.CASCADE, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="+"
    )
    statement = models.TextField(_("statement"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant"], name="one_application_per_call_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.call}"
