"""Forms of the video admin screens; plain forms whose cleaned data is handed to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.collections import CollectionChoiceField
from wagtail.models import Collection

from media_pipeline.models import Video
from media_pipeline.services.upload import CAPTION_MAX_BYTES

VIDEO_ACCEPT = "video/*,.mp4,.mov,.m4v,.mkv,.webm,.avi,.wmv,.flv,.mpg,.mpeg,.ts,.3gp"


def collection_field() -> CollectionChoiceField:
    return CollectionChoiceField(
        label=_("Collection"),
        queryset=Collection.objects.order_by("path"),
        empty_label=None,
        required=True,
    )


class CollectionFormMixin:
    """The collection choice only appears once there is more than the root collection to choose."""

    def drop_collection_if_only_root(self) -> None:
        if Collection.objects.count() <= 1:
            del self.fields["collection"]
        else:
            root = Collection.get_first_root_node()
            self.fields["collection"].initial = self.initial.get("collection") or root.pk

    def chosen_collection(self) -> Collection | None:
        return self.cleaned_data.get("collection") if "collection" in self.fields else None


class VideoUploadForm(CollectionFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Video file"),
        widget=forms.ClearableFileInput(attrs={"accept": VIDEO_ACCEPT}),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to use the file name."),
    )
    collection = collection_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.drop_collection_if_only_root()
        self.fields["file"].help_text = _(
            "MP4, MOV, MKV, WebM and most other video formats, up to %(size)s. "
            "The video is converted for streaming after the upload."
        ) % {"size": filesizeformat(settings.VIDEO_UPLOAD_MAX_BYTES)}


class VideoEditForm(CollectionFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    collection = collection_field()
    transcript = forms.CharField(
        label=_("Transcript"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=Video._meta.get_field("transcript").help_text,
    )

    def __init__(self, *args: Any, user: Any, video: Video, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(
            title=video.title, collection=video.collection_id, transcript=video.transcript
        )
        super().__init__(*args, **kwargs)
        self.user = user
        self.drop_collection_if_only_root()


class CaptionForm(forms.Form):
    language = forms.CharField(
        label=_("Language"),
        max_length=20,
        initial="zh-Hans",
        help_text=_("A language code such as zh-Hans or en. A track in the same language is replaced."),
    )
    label = forms.CharField(
        label=_("Label"), max_length=50, initial="中文", help_text=_("Shown in the player.")
    )
    file = forms.FileField(
        label=_("WebVTT file (.vtt)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,text/vtt"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("UTF-8 text, at most %(size)s.") % {
            "size": filesizeformat(CAPTION_MAX_BYTES)
        }
