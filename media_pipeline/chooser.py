"""The video chooser: lessons pick a ready video (a ForeignKey panel, or ``VideoChooserBlock`` in a body).

It lists, and lets pick, only the ready videos the user manages (``videos_visible_to``: an instructor's
own uploads, anyone's for 编辑 and 系统管理员). Anyone else who reaches the admin, such as a 支部
organizer or another instructor, would otherwise read the titles of videos made for other branches.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenMultipleView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from media_pipeline.models import Video
from media_pipeline.permissions import videos_visible_to


class ManagedReadyVideos:
    """Only videos that can be played (a lesson must not point at one still transcoding), and only
    those the user manages; the lookups of a chosen id go through the same list."""

    def get_object_list(self) -> QuerySet[Video]:
        return videos_visible_to(self.request.user).ready().order_by("-created_at")

    def get_object(self, pk) -> Video:
        return self.get_object_list().get(pk=pk)

    def get_objects(self, pks) -> QuerySet[Video]:
        return self.get_object_list().filter(pk__in=pks)


class VideoChooseView(ManagedReadyVideos, ChooseView):
    pass


class VideoChooseResultsView(ManagedReadyVideos, ChooseResultsView):
    pass


class VideoChosenView(ManagedReadyVideos, ChosenView):
    pass


class VideoChosenMultipleView(ManagedReadyVideos, ChosenMultipleView):
    pass


class VideoChooserViewSet(ChooserViewSet):
    model = Video
    icon = "media"
    choose_one_text = _("Choose a video")
    choose_another_text = _("Choose another video")
    edit_item_text = _("Edit this video")
    per_page = 20
    # Videos are uploaded (and checked) on the video screens, never created inside the chooser.
    form_fields = None
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView
    chosen_view_class = VideoChosenView
    chosen_multiple_view_class = VideoChosenMultipleView


video_chooser_viewset = VideoChooserViewSet("video_chooser")
