"""Watch and reading progress per member and lesson, and the study sessions heartbeats belong to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LessonProgress(models.Model):
    """What one member has studied of one lesson. Written only by ``courses.services.progress``."""

    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress"
    )
    watched = models.JSONField(_("watched parts"), default=list, blank=True)
    watched_seconds = models.FloatField(_("seconds watched"), default=0)
    duration = models.FloatField(_("video length"), default=0)
    position = models.FloatField(_("resume at"), default=0)
    read_seconds = models.FloatField(_("seconds read"), default=0)
    reached_end = models.BooleanField(_("read to the end"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["member", "lesson"], name="one_progress_per_lesson")]

    def __str__(self) -> str:
        return f"{self.member} · {self.lesson}"

    @property
    def watched_share(self) -> float:
        return min(1.0, self.watched_seconds / self.duration) if self.duration else 0.0

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        return int(self.watched_share * 100)


class StudySession(models.Model):
    """One opening of a lesson by one member in one browser session: what a heartbeat must name.

    The token is issued with the page; a heartbeat counts only from the login session that got it,
    in sequence, and for no more video than twice the wall-clock time since the last one accepted.
    """

    token = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey("school.Member", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    session_key_hash = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("study session")
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.lesson} · {self.started_at:%Y-%m-%d %H:%M}"


class StudyDay(models.Model):
    """Seconds one member spent studying one course on one day: what weekly trends and activity read.

    Each accepted heartbeat adds the time it stands for (video actually played, bounded by the
    wall-clock time since the last beat; reading time while the page was visible), so replays
    count as study time here while ``LessonProgress`` counts each second of a video once.
    """

    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="study_days"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("date"))
    seconds = models.FloatField(_("seconds studied"), default=0)

    class Meta:
        verbose_name = _("study time per day")
        verbose_name_plural = _("study time per day")
        constraints = [
            models.UniqueConstraint(fields=["member", "course", "day"], name="one_study_day_per_course")
        ]
        indexes = [
            models.Index(fields=["day", "member"], name="study_day_by_day"),
            models.Index(fields=["course", "day"], name="study_day_by_course"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.course} · {self.day}"
