from __future__ import annotations

import factory

from media_pipeline.models import Video, VideoCaption


class VideoFactory(factory.django.DjangoModelFactory):
    """A video row as an accepted upload leaves it; no file is written (tests that need one write it)."""

    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"微视频党课 {n}")
    source = factory.Sequence(lambda n: f"videos/source/{n:032x}")
    source_name = factory.LazyAttribute(lambda video: f"{video.title}.mp4")
    source_size = 12_345_678
    duration = 754.2
    width = 1280
    height = 720
    has_audio = True
    status = Video.Status.PENDING


class VideoCaptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VideoCaption

    video = factory.SubFactory(VideoFactory)
    language = "zh-Hans"
    label = "中文"
    file = factory.LazyAttribute(lambda caption: f"videos/captions/{caption.video.pk}/{caption.language}.vtt")
