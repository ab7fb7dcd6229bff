"""Video screens in the Wagtail admin (视频): listing, upload, edit with captions, delete, live status.

Every object view looks videos up through ``permissions.videos_visible_to``, so an instructor
asking for someone else's video by id gets a 404; writes go through ``services.upload``.
The upload page posts with XMLHttpRequest for a progress bar and still works as a plain form.
"""

from __future__ import annotations

import logging
from typing import Any

import django_filters
from django.conf import settings
from django.contrib.admin.utils import quote
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from media_pipeline.exceptions import VideoBusy
from media_pipeline.forms import CaptionForm, VideoEditForm, VideoUploadForm
from media_pipeline.models import Video, VideoCaption
from media_pipeline.permissions import can_see_failure_detail, video_permission_policy, videos_visible_to
from media_pipeline.services.transcode import is_retryable, video_retry
from media_pipeline.services.upload import (
    InvalidUpload,
    caption_add,
    caption_delete,
    video_delete,
    video_update,
    video_upload,
)
from school.admin_ui.audit_log import AuditHistoryView
from school.admin_ui.scope import ScopedListingMixin, ScopedModelViewSet, ScopedObjectMixin, ServiceFormMixin

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = (Video.Status.PENDING, Video.Status.PROCESSING)
STATUS_URL_NAME = "videos:status"


def visible_videos(user: Any) -> QuerySet[Video]:
    return videos_visible_to(user).select_related("uploaded_by__member", "collection")


# --- How a video's state reads --------------------------------------------------------------------------


def status_label(video: Video) -> str:
    if video.status == Video.Status.PROCESSING:
        return _("Transcoding %(percent)s%%") % {"percent": video.percent_done}
    return str(video.get_status_display())


def status_json(video: Video, user: Any) -> dict[str, Any]:
    """What the status endpoint and the status tag show; ffmpeg's own words only to system admins."""
    data = {
        "status": video.status,
        "percent_done": video.percent_done,
        "failure_reason": video.failure_reason,
        "label": status_label(video),
        "active": video.status in ACTIVE_STATUSES,
        "retryable": is_retryable(video),
    }
    if can_see_failure_detail(user):
        data["failure_detail"] = video.failure_detail
    return data


def duration_display(seconds: float) -> str:
    """12:34, or 1:02:03 from an hour on."""
    total = int(round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def uploader_name(video: Video) -> str:
    return video.uploaded_by.display_name if video.uploaded_by else "—"


def local_time(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


class StatusColumn(Column):
    cell_template_name = "media_pipeline/admin/status_cell.html"

    def get_cell_context_data(self, instance: Video, parent_context: dict[str, Any]) -> dict[str, Any]:
        context = super().get_cell_context_data(instance, parent_context)
        context["video"] = instance
        context["status"] = status_json(instance, parent_context["request"].user)
        context["status_url"] = reverse(STATUS_URL_NAME, args=(instance.pk,))
        return context


# --- Listing ----------------------------------------------------------------------------------------------


class VideoFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=Video.Status.choices)

    class Meta:
        model = Video
        fields = []


class VideoIndexView(ScopedListingMixin, generic.IndexView):
    template_name = "media_pipeline/admin/index.html"
    table_classname = "listing video-listing"
    add_item_label = gettext_lazy("Upload a video")
    default_ordering = "-created_at"

    @cached_property
    def columns(self) -> list[Column]:
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column("title", label=gettext_lazy("Title"), sort_key="title", get_url=self.get_edit_url),
            StatusColumn("status", label=gettext_lazy("Status"), sort_key="status"),
            Column(
                "duration",
                label=gettext_lazy("Duration"),
                accessor=lambda video: duration_display(video.duration),
                sort_key="duration",
            ),
            Column(
                "source_size",
                label=gettext_lazy("Size"),
                accessor=lambda video: filesizeformat(video.source_size),
                sort_key="source_size",
            ),
            Column("uploaded_by", label=gettext_lazy("Uploaded by"), accessor=uploader_name),
            Column(
                "created_at",
                label=gettext_lazy("Uploaded at"),
                accessor=lambda video: local_time(video.created_at),
                sort_key="created_at",
            ),
        ]

    def get_delete_url(self, instance: Video) -> str | None:
        """Wagtail asks the model-level question; an instructor's more-menu offers only their own."""
        if self.user_has_permission_for_instance("delete", instance):
            return super().get_delete_url(instance)
        return None


# --- Upload -----------------------------------------------------------------------------------------------


class VideoUploadView(generic.CreateView):
    """The video service does the work; with ``Accept: application/json`` the answers are JSON."""

    template_name = "media_pipeline/admin/upload.html"
    page_title = gettext_lazy("Upload a video")
    header_icon = "upload"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs.pop("for_user", None)
        kwargs["user"] = self.request.user
        return kwargs

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items()[:-1], {"url": "", "label": self.get_page_title()}]

    def get_page_subtitle(self) -> str:
        return ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["max_bytes"] = settings.VIDEO_UPLOAD_MAX_BYTES
        return context

    def form_valid(self, form: VideoUploadForm) -> HttpResponse:
        self.form = form
        try:
            self.object = video_upload(
                uploaded_by=self.request.user,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                collection=form.chosen_collection(),
            )
        except InvalidUpload as problem:
            logger.info("upload refused: %s %s", problem.message, problem.detail[-300:])
            form.add_error("file", problem.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Video “%(title)s” uploaded. It is being transcoded; the listing shows the progress.")
            % {"title": self.object.title},
        )
        if self.expects_json_response:
            return JsonResponse({"success": True, "pk": self.object.pk, "url": self.get_success_url()})
        return redirect(self.get_success_url())

    def form_invalid(self, form: VideoUploadForm) -> HttpResponse:
        self.form = form
        if self.expects_json_response:
            message = next(iter(form.errors.get("file") or form.errors.get("__all__") or []), None)
            if message is None:
                message = " ".join(str(error) for errors in form.errors.values() for error in errors)
            return self.json_error_response("invalid_upload", message)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Edit, captions, delete -------------------------------------------------------------------------------


class VideoEditView(ScopedObjectMixin, ServiceFormMixin, generic.EditView):
    instance_action = "change"
    domain_errors = (InvalidUpload,)
    template_name = "media_pipeline/admin/edit.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["video"] = self.object
        return kwargs

    def save_instance(self) -> Video:
        cleaned = self.form.cleaned_data
        return video_update(
            acting_user=self.request.user,
            video=self.object,
            title=cleaned["title"],
            collection=self.form.chosen_collection() or self.object.collection,
            transcript=cleaned["transcript"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        video = self.object
        context.update(
            video=video,
            status=status_json(video, self.request.user),
            status_url=reverse(STATUS_URL_NAME, args=(video.pk,)),
            duration=duration_display(video.duration),
            uploader=uploader_name(video),
            uploaded_at=local_time(video.created_at),
            captions=list(video.captions.all()),
            caption_form=CaptionForm(),
            caption_add_url=reverse("videos:caption_add", args=(video.pk,)),
            poster_url=default_storage.url(video.poster) if video.is_ready and video.poster else "",
            retry_url=reverse("videos:retry", args=(video.pk,)),
            watch_url=reverse("media_pipeline:watch", args=(video.pk,)),
        )
        return context

    def get_last_updated_info(self) -> None:
        return None  # our history is the audit log, not Wagtail's log entries


class VideoDeleteView(ScopedObjectMixin, generic.DeleteView):
    instance_action = "delete"

    @property
    def confirmation_message(self) -> str:
        return _(
            "Deleting “%(title)s” also deletes its uploaded file, captions and all converted versions. "
            "Lessons that show it will have no video."
        ) % {"title": self.object.title}

    def form_valid(self, form: Any) -> HttpResponse:
        video_delete(acting_user=self.request.user, video=self.object)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class VideoHistoryView(AuditHistoryView):
    pass


class VideoObjectView(ScopedObjectMixin, View):
    """A small view on one video, looked up like the viewset's own object views."""

    visible_to = staticmethod(visible_videos)
    permission_policy = video_permission_policy

    def edit_url(self, video: Video) -> str:
        return reverse("videos:edit", args=(quote(video.pk),))


class VideoStatusView(VideoObjectView):
    """GET …/<id>/status/: polled by the listing and the edit page while a video is being transcoded.

    Never cached: Wagtail marks every admin URL ``never_cache``.
    """

    http_method_names = ["get"]
    instance_action = "view"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return JsonResponse(status_json(self.get_object(), request.user))


class VideoRetryView(VideoObjectView):
    """POST …/<id>/retry/: the 重新转码 button of a failed (or stuck) video."""

    http_method_names = ["post"]
    instance_action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        video = self.get_object()
        try:
            video_retry(acting_user=request.user, video=video)
        except VideoBusy as problem:
            messages.error(request, problem.message)
        else:
            messages.success(
                request, _("“%(title)s” is queued for transcoding again.") % {"title": video.title}
            )
        return redirect(self.edit_url(video))


class CaptionAddView(VideoObjectView):
    """A refusal is reported at the top of the edit page; a saved track is shown in its table."""

    http_method_names = ["post"]
    instance_action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        video = self.get_object()
        form = CaptionForm(request.POST, request.FILES)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {errors[0]}" if label else errors[0])
            return redirect(self.edit_url(video))
        try:
            caption = caption_add(
                acting_user=request.user,
                video=video,
                language=form.cleaned_data["language"],
                label=form.cleaned_data["label"],
                file=form.cleaned_data["file"],
            )
        except InvalidUpload as problem:
            messages.error(request, problem.message)
            return redirect(self.edit_url(video))
        messages.success(request, _("Caption track “%(label)s” saved.") % {"label": caption.label})
        return redirect(f"{self.edit_url(video)}#captions")


class CaptionDeleteView(VideoObjectView):
    http_method_names = ["post"]
    instance_action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        video = self.get_object()
        caption = get_object_or_404(VideoCaption, video=video, pk=kwargs["caption_pk"])
        caption_delete(acting_user=request.user, caption=caption)
        messages.success(request, _("Caption track “%(label)s” deleted.") % {"label": caption.label})
        return redirect(f"{self.edit_url(video)}#captions")


class VideoViewSet(ScopedModelViewSet):
    model = Video
    visible_to = staticmethod(visible_videos)
    icon = "media"
    menu_label = gettext_lazy("Videos")
    menu_name = "videos"
    menu_order = 350
    add_to_admin_menu = True
    # Titles are Chinese: the ORM's substring match finds "党章" inside a title, full-text search does not.
    search_fields = ["title", "source_name"]
    search_backend_name = None
    filterset_class = VideoFilterSet
    index_view_class = VideoIndexView
    add_view_class = VideoUploadView
    edit_view_class = VideoEditView
    delete_view_class = VideoDeleteView
    history_view_class = VideoHistoryView
    object_views = (*ScopedModelViewSet.object_views, "status", "retry", "caption_add", "caption_delete")

    def get_form_class(self, for_update: bool = False) -> type:
        return VideoEditForm if for_update else VideoUploadForm

    def get_extra_urlpatterns(self) -> list:
        return [
            path("<int:pk>/status/", VideoStatusView.as_view(), name="status"),
            path("<int:pk>/retry/", VideoRetryView.as_view(), name="retry"),
            path("<int:pk>/captions/add/", CaptionAddView.as_view(), name="caption_add"),
            path(
                "<int:pk>/captions/<int:caption_pk>/delete/",
                CaptionDeleteView.as_view(),
                name="caption_delete",
            ),
        ]
