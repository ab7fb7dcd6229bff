"""How much one ffmpeg process for the whole ladder saves, against baselines measured in the same run.

    uv run python bench/transcode.py [SOURCE] [--seconds 60] [--threads N]

Without SOURCE it makes a 60 s 720p clip with sound (testsrc2 + sine, H.264/AAC) in a temporary
folder. Then, on that one source:

    A  decode only (-f null)                       the floor: what reading the source costs
    B  the top rung only (our command, one rung)   one encode
    C  the whole ladder in one process             what the pipeline runs
    D  the same rungs as separate processes        the alternative C replaces, one after another
    P  the pipeline end to end                     not measured yet: fill in ``measure_pipeline``

B, C and each process of D also write the storyboard and the poster; next to an encode they cost little.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")

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


def timed(work: Callable[[], object]) -> Timing:
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    work()
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timing(wall=wall, cpu=after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def run(command: list[str], probe: ProbeResult) -> None:
    run_ffmpeg(command, duration=probe.duration, on_progress=lambda percent: None, timeout=TIMEOUT)


def decode_only(source: Path, probe: ProbeResult) -> None:
    run([*FFMPEG, "-progress", "pipe:1", "-i", str(source), "-f", "null", "-"], probe)


def ladder(source: Path, probe: ProbeResult, rungs: list[Rung], out_dir: Path, threads: int | None) -> None:
    out_dir.mkdir(parents=True)
    command = build_ladder_command(source=source, out_dir=out_dir, probe=probe, rungs=rungs, threads=threads)
    run(command, probe)


def measure_pipeline(source: Path, work: Path) -> float | None:
    """Hook for P: upload, transcode and publish ``source`` end to end, in seconds; None until written."""
    return None


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


def report(timings: dict[str, Timing], pipeline: float | None, *, duration: float) -> None:
    print(f"{'':32}{'wall':>9}{'cpu':>9}")
    for stage, label in LABELS.items():
        print(f"{stage}  {label:<28}{timings[stage].wall:7.2f} s{timings[stage].cpu:7.2f} s")
    print(
        f"P  {'pipeline end to end':<28}" + (f"{pipeline:7.2f} s" if pipeline else "  n/a (measure_pipeline)")
    )
    for clock in ("wall", "cpu"):
        a, b, c, d = (getattr(timings[stage], clock) for stage in "ABCD")
        print(f"[{clock}] D/C = {d / c:.2f}: one process is {d / c:.2f}x faster than separate processes")
        print(f"[{clock}] C/B = {c / b:.2f}: ladder efficiency; C/A = {c / a:.2f}: ladder against decoding")
    print("targets: D/C >= 1.3, C/B <= 1.6")
    print(f"realtime factor = {duration / timings['C'].wall:.2f} ({duration:.0f} s of video / C wall time)")


if __name__ == "__main__":
    main()
