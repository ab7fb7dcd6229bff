import mimetypes

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = _("Media pipeline")

    def ready(self) -> None:
        # Storage backends (S3 in particular) set Content-Type from the file name.
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
        mimetypes.add_type("video/iso.segment", ".m4s")
        mimetypes.add_type("text/vtt", ".vtt")
        # Registers the video permission policy before any admin view asks for it.
        from media_pipeline import (
            permissions,  # noqa: F401
            signal_handlers,
        )

        signal_handlers.connect()
