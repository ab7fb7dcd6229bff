"""Videos for micro-video lessons (微视频党课), following the pattern of Wagtail images and documents.

A ``Video`` is created only for an upload that ffprobe accepted (``media_pipeline.probe``); the
transcode task turns its source into an HLS ladder, a poster and a storyboard, published under
``output_prefix`` in the default storage. Renditions and captions hang off the video.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import CollectionMember
from wagtail.search import index


class VideoQuerySet(models.QuerySet):
    def ready(self) -> VideoQuerySet:
        return self.filter(status=Video.Status.READY)


def source_upload_to(instance: Video, filename: str) -> str:
    """A random name: the original name is kept in ``source_name``, never trusted as a path."""
    return f"videos/source/{uuid.uuid4().hex}"


class Video(CollectionMember, index.Indexed, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    source = models.FileField(_("source file"), upload_to=source_upload_to, max_length=500)
    source_size = models.BigIntegerField(_("source size in bytes"), default=0, editable=False)
    source_name = models.CharField(_("original file name"), max_length=255, blank=True, editable=False)
    probe = models.JSONField(_("ffprobe result"), default=dict, blank=True, editable=False)
    duration = models.FloatField(_("duration in seconds"), default=0, editable=False)
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    has_audio = models.BooleanField(_("has audio"), default=False, editable=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    percent_done = models.PositiveSmallIntegerField(_("percent done"), default=0, editable=False)
    failure_reason = models.TextField(_("failure reason"), blank=True, editable=False)
    failure_detail = models.TextField(_("technical details"), blank=True, editable=False)
    processing_started_at = models.DateTimeField(_("processing started at"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0, editable=False)

    # Everything the transcode publishes lives under this storage prefix, one fresh prefix per run,
    # so a re-run never mixes with the previous outputs and deleting the prefix deletes them all.
    output_prefix = models.CharField(_("output location"), max_length=255, blank=True, editable=False)
    master_playlist = models.CharField(_("master playlist"), max_length=255, blank=True, editable=False)
    poster = models.CharField(_("poster"), max_length=255, blank=True, editable=False)
    storyboard = models.CharField(_("storyboard image"), max_length=255, blank=True, editable=False)
    storyboard_vtt = models.CharField(_("storyboard track"), max_length=255, blank=True, editable=False)
    # The prefix the current transcode run will publish under. A run whose prefix is no longer this
    # one has been superseded (its worker was presumed dead): it may neither publish nor fail the video.
    claimed_prefix = models.CharField(
        _("prefix of the current run"), max_length=255, blank=True, editable=False
    )

    transcript = models.TextField(
        _("transcript"), blank=True, help_text=_("The spoken text of the video; it is searchable.")
    )

    objects = VideoQuerySet.as_manager()

    search_fields = CollectionMember.search_fields + [
        index.SearchField("title", boost=10),
        index.AutocompleteField("title"),
        index.SearchField("transcript"),
        index.FilterField("status"),
        index.FilterField("uploaded_by"),
    ]

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def outputs_root(self) -> str:
        """The storage folder holding every run's outputs of this video (one prefix per run)."""
        return f"videos/hls/{self.pk}"


class VideoRendition(models.Model):
    """One rung of the HLS ladder, as published: what the master playlist lists."""

    video = models.ForeignKey(
        Video, verbose_name=_("video"), related_name="renditions", on_delete=models.CASCADE
    )
    height = models.PositiveIntegerField(_("height"))
    width = models.PositiveIntegerField(_("width"))
    bandwidth = models.PositiveIntegerField(_("peak bandwidth (bit/s)"))
    average_bandwidth = models.PositiveIntegerField(_("average bandwidth (bit/s)"), default=0)
    playlist = models.CharField(_("playlist"), max_length=255)

    class Meta:
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        ordering = ["video", "height"]
        constraints = [models.UniqueConstraint(fields=["video", "height"], name="unique_rendition_height")]

    def __str__(self) -> str:
        return f"{self.video} {self.height}p"


def caption_upload_to(instance: VideoCaption, filename: str) -> str:
    return f"videos/captions/{instance.video_id}/{instance.language}.vtt"


class VideoCaption(models.Model):
    """A WebVTT caption track in one language."""

    video = models.ForeignKey(
        Video, verbose_name=_("video"), related_name="captions", on_delete=models.CASCADE
    )
    language = models.CharField(_("language"), max_length=20, help_text=_("e.g. zh-Hans, en"))
    label = models.CharField(_("label"), max_length=50, help_text=_("Shown in the player, e.g. 中文"))
    file = models.FileField(_("WebVTT file"), upload_to=caption_upload_to, max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("caption track")
        verbose_name_plural = _("caption tracks")
        ordering = ["video", "language"]
        constraints = [models.UniqueConstraint(fields=["video", "language"], name="unique_caption_language")]

    def __str__(self) -> str:
        return f"{self.video} ({self.label})"
