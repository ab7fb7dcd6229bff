"""Discussion boards: threads, posts, likes, unread markers, reports, the sensitive-word list."""

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
        GROUP = "group", _("Study group board")  # read by the group's members only

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
                condition=Q(kind__in=["general", "group"], page__isnull=True)
                | (Q(kind__in=["course", "lesson"]) & Q(page__isnull=False)),
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


class Report(models.Model):
    """A member tells the moderators that something should not be shown (one row per reporter)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class PostReport(Report):
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="reports")

    class Meta(Report.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
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
