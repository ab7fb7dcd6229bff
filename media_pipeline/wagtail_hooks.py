from wagtail import hooks

from media_pipeline.admin_ui import VideoViewSet
from media_pipeline.chooser import video_chooser_viewset


@hooks.register("register_admin_viewset")
def register_video_viewsets() -> list:
    return [VideoViewSet("videos"), video_chooser_viewset]
