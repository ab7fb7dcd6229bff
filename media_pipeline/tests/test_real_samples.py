"""Real-world files nobody here generated: each is accepted and ends ready, or fails with a reason."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from media_pipeline.models import Video
from media_pipeline.probe import probe_video
from media_pipeline.services.transcode import video_transcode
from media_pipeline.tests.test_transcode import stored_video

pytestmark = pytest.mark.django_db

SAMPLES = {
    "bigbuckbunny.mp4": "H.264 720p with 5.1 AAC",
    "bikes.mp4": "H.264 640×272, no audio",
    "carphone_pristine.mp4": "176×144, smaller than the lowest rung",
    "anim-1.mov": "QuickTime motion JPEG",
    "homer.avi": "AVI with the Indeo 3 codec",
    "alea.mpg": "MPEG-1 elementary stream whose header lies about its duration",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("name", sorted(SAMPLES), ids=sorted(SAMPLES))
def test_a_real_world_file_becomes_a_ready_video(media_samples, name):
    source = media_samples / name
    if not source.exists():
        pytest.skip(f"{name} ({SAMPLES[name]}) is not in the sample cache")
    probe = probe_video(source)
    video = stored_video(source)
    video_transcode(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, f"{video.failure_reason}\n{video.failure_detail}"
    renditions = list(video.renditions.all())
    assert renditions and max(r.height for r in renditions) <= max(probe.height, 360)
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in renditions)
    assert default_storage.exists(video.poster)
