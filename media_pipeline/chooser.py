"""The video chooser: lessons pick a ready video (a ForeignKey panel, or ``VideoChooserBlock`` in a body)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.chooser import ChooserViewSet

from media_pipeline.models import Video


class VideoChooserViewSet(ChooserViewSet):
    model = Video
    icon = "media"
    choose_one_text = _("Choose a video")
    choose_another_text = _("Choose another video")
    edit_item_text = _("Edit this video")
    per_page = 20
    # Videos are uploaded (and checked) on the video screens, never created inside the chooser.
    form_fields = None

    def get_object_list(self) -> QuerySet[Video]:
        """Only videos that can be played; a lesson must not point at one still transcoding."""
        return Video.objects.ready().order_by("-created_at")


video_chooser_viewset = VideoChooserViewSet("video_chooser")
