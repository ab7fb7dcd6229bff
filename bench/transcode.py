"""How much one ffmpeg process for the whole ladder saves, against baselines measured in the same run.

    uv run python bench/transcode.py [SOURCE] [--seconds 60] [--threads N]

Without SOURCE it makes a 60 s 720p clip with sound (testsrc2 + sine, H.264/AAC) in a temporary
folder. Then, on that one source:

    A  decode only (-f null)                       the floor: what reading the source costs
    B  the top rung only (our command, one rung)   one encode
    C  the whole ladder in one process             what the pipeline runs
    D  the same rungs as separate processes        the alternative C replaces, one after another
    P  the pipeline end to end                     the transcode service on a stored Video: task start to
                                                   ``ready``, including the source fetch, verification and
                                                   publishing to storage (a throw-away SQLite database and
                                                   local media in a temporary folder)

B, C and each process of D also write the storyboard and the poster; next to an encode they cost little.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
# P runs the real service against a database and media of its own, never the developer's.
BENCH_VAR = Path(tempfile.mkdtemp(prefix="bench-transcode-var-"))
os.environ.update(
    VAR_DIR=str(BENCH_VAR),
    DATABASE_URL=f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}",
    MEDIA_STORAGE="local",
    MEDIA_ROOT=str(BENCH_VAR / "media"),
    CELERY_BROKER_URL="memory://",
)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from media_pipeline.ladder import Rung, build_ladder_command, plan_ladder  # noqa: E402
from media_pipeline.probe import ProbeResult, probe_video  # noqa: E402
from media_pipeline.runner import run_ffmpeg  # noqa: E402

TIMEOUT = 3600.0
FFMPEG = ["ffmpeg", "-nostdin", "-v", "error", "-nostats", "-y"]


def make_source(path: Path, *, seconds: int) -> Path:
    """A 720p30 clip with a tone, encoded once as a camera or phone might have (H.264/AAC)."""
    picture = f"testsrc2=size=1280x720:rate=30:duration={seconds}"
    tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    inputs = ["-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", tone]
    subprocess.run([*FFMPEG, *inputs, *video, "-c:a", "aac", "-ac", "2", str(path)], check=True)
    return path


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system seconds of the ffmpeg processes: steadier than wall time on a busy machine


def cpu_seconds() -> float:
    """CPU of this process (the service's Python) and of its finished children (ffmpeg, ffprobe)."""
    usages = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def timed(work: Callable[[], object]) -> Timing:
    before, started = cpu_seconds(), time.perf_counter()
    work()
    return Timing(wall=time.perf_counter() - started, cpu=cpu_seconds() - before)


def run(command: list[str], probe: ProbeResult) -> None:
    run_ffmpeg(command, duration=probe.duration, on_progress=lambda percent: None, timeout=TIMEOUT)


def decode_only(source: Path, probe: ProbeResult) -> None:
    run([*FFMPEG, "-progress", "pipe:1", "-i", str(source), "-f", "null", "-"], probe)


def ladder(source: Path, probe: ProbeResult, rungs: list[Rung], out_dir: Path, threads: int | None) -> None:
    out_dir.mkdir(parents=True)
    command = build_ladder_command(source=source, out_dir=out_dir, probe=probe, rungs=rungs, threads=threads)
    run(command, probe)


def measure_pipeline(source: Path, work: Path) -> Timing:
    """P: the transcode task's service on a stored Video, from its start until the video is ready."""
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from media_pipeline.models import Video
    from media_pipeline.services.transcode import video_transcode_by_id

    call_command("migrate", verbosity=0)
    probe = probe_video(source)
    with source.open("rb") as handle:
        name = default_storage.save("videos/source/bench", File(handle, name=source.name))
    video = Video.objects.create(
        title="bench", source=name, duration=probe.duration, width=probe.width, height=probe.height
    )
    timing = timed(lambda: video_transcode_by_id(video_id=video.pk))
    video.refresh_from_db()
    if video.status != Video.Status.READY:
        raise SystemExit(f"pipeline did not finish: {video.failure_reason} {video.failure_detail[-500:]}")
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="a video to use instead of the generated clip")
    parser.add_argument("--seconds", type=int, default=60, help="length of the generated clip")
    parser.add_argument("--threads", type=int, default=None, help="encoder threads (default: ffmpeg's)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as folder:
        work = Path(folder)
        source = arguments.source or make_source(work / "source.mp4", seconds=arguments.seconds)
        probe = probe_video(source)
        rungs = plan_ladder(probe)
        print(f"source: {source.name}, {probe.width}x{probe.height}, {probe.duration:.1f} s")
        print(f"rungs: {' '.join(r.name for r in rungs)}; encoder threads: {arguments.threads or 'default'}")
        print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
        timings = measure(source, probe, rungs, work, arguments.threads)
        pipeline = measure_pipeline(source, work)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(BENCH_VAR, ignore_errors=True)
    report(timings, pipeline, duration=probe.duration)


def measure(
    source: Path, probe: ProbeResult, rungs: list[Rung], work: Path, threads: int | None
) -> dict[str, Timing]:
    def separately() -> None:
        for rung in rungs:
            ladder(source, probe, [rung], work / "D" / rung.name, threads)

    return {
        "A": timed(lambda: decode_only(source, probe)),
        "B": timed(lambda: ladder(source, probe, rungs[-1:], work / "B", threads)),
        "C": timed(lambda: ladder(source, probe, rungs, work / "C", threads)),
        "D": timed(separately),
    }


LABELS = {
    "A": "decode only",
    "B": "top rung only",
    "C": "ladder, one process",
    "D": "ladder, separate processes",
}


def report(timings: dict[str, Timing], pipeline: Timing, *, duration: float) -> None:
    print(f"{'':32}{'wall':>9}{'cpu':>9}")
    for stage, label in LABELS.items():
        print(f"{stage}  {label:<28}{timings[stage].wall:7.2f} s{timings[stage].cpu:7.2f} s")
    print(f"P  {'pipeline end to end':<28}{pipeline.wall:7.2f} s{pipeline.cpu:7.2f} s")
    for clock in ("wall", "cpu"):
        a, b, c, d = (getattr(timings[stage], clock) for stage in "ABCD")
        print(f"[{clock}] D/C = {d / c:.2f}: one process is {d / c:.2f}x faster than separate processes")
        print(f"[{clock}] C/B = {c / b:.2f}: ladder efficiency; C/A = {c / a:.2f}: ladder against decoding")
    for clock in ("wall", "cpu"):
        ratio = getattr(pipeline, clock) / getattr(timings["C"], clock)
        print(f"[{clock}] P/C = {ratio:.2f}: pipeline overhead over the bare ladder")
    print("targets: D/C >= 1.3, C/B <= 1.6, P/C <= 1.05")
    print(f"realtime factor = {duration / timings['C'].wall:.2f} ({duration:.0f} s of video / C wall time)")


if __name__ == "__main__":
    main()
