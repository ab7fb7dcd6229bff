from wagtail import hooks

from media_pipeline.admin_ui import VideoViewSet


@hooks.register("register_admin_viewset")
def register_video_viewset() -> VideoViewSet:
    return VideoViewSet("videos")
