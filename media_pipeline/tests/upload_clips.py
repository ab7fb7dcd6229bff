"""Tiny test files for the upload checks, made with ffmpeg's lavfi sources (a second long, mostly 64×48).

Each function writes into ``folder`` and returns the path. None of them needs a network or a
sample collection, so the upload tests always run.
"""

from __future__ import annotations

import random
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

HUGE_SIDE = 40_000


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-nostdin", *args], check=True, timeout=60)


def mp4_clip(
    folder: Path,
    name: str = "clip.mp4",
    *,
    size: str = "64x48",
    seconds: float = 1,
    audio: bool = True,
    pix_fmt: str = "yuv420p",
) -> Path:
    """An H.264 (+ AAC) MP4 with its index at the end, as cameras and ffmpeg write by default."""
    path = folder / name
    inputs = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=10:duration={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        codecs += ["-c:a", "aac", "-shortest"]
    ffmpeg(*inputs, *codecs, str(path))
    return path


def rotated_clip(folder: Path, name: str = "rotated.mp4") -> Path:
    """A 64×48 landscape frame with a display matrix saying "turn 90°": shown as 48×64."""
    source = mp4_clip(folder, "unrotated.mp4")
    path = folder / name
    ffmpeg("-i", str(source), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path))
    return path


def odd_sized_clip(folder: Path, name: str = "odd.mp4") -> Path:
    """641×361: 4:2:0 needs even sizes, so this one is 4:4:4 (as some screen recorders write)."""
    return mp4_clip(folder, name, size="641x361", audio=False, pix_fmt="yuv444p")


def jpeg_named_mp4(folder: Path, name: str = "photo.mp4") -> Path:
    picture = folder / "photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:size=32x32", "-frames:v", "1", str(picture))
    path = folder / name
    path.write_bytes(picture.read_bytes())
    return path


def audio_named_mp4(folder: Path, name: str = "lecture.mp4") -> Path:
    """An AAC file in an MP4 container (what a .m4a is), with a .mp4 name."""
    path = folder / name
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "-f", "mp4", str(path))
    return path


def truncated_mp4(folder: Path, name: str = "truncated.mp4") -> Path:
    """The first half of a real MP4: the index (moov) is at the end, so it is lost."""
    whole = mp4_clip(folder, "whole.mp4")
    data = whole.read_bytes()
    path = folder / name
    path.write_bytes(data[: len(data) // 2])
    return path


def random_bytes(folder: Path, name: str = "damaged.mp4", *, size: int = 20_000) -> Path:
    path = folder / name
    path.write_bytes(random.Random(20_260_101).randbytes(size))
    return path


def huge_frame_claim(folder: Path, name: str = "huge.mp4") -> Path:
    """An MP4 whose sample description claims a 40 000×40 000 frame.

    ffmpeg refuses to make (or decode) frames that large, and a decoder it has would report the
    real size from the bitstream, so the claim is written into the container and the codec tag is
    one ffmpeg has no decoder for: ffprobe then reports the container's 40 000×40 000 as it is.
    """
    source = mp4_clip(folder, "small.mp4", audio=False)
    data = bytearray(source.read_bytes())
    entry = _find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"]) + 16
    data[entry + 4 : entry + 8] = b"zzzz"  # sample entry format: was avc1
    struct.pack_into(">HH", data, entry + 32, HUGE_SIDE, HUGE_SIDE)  # VisualSampleEntry width, height
    path = folder / name
    path.write_bytes(bytes(data))
    return path


def _find_box(data: bytearray, path: list[bytes], start: int = 0, end: int | None = None) -> int:
    """Offset of the box at ``path`` (ISO base media file format), descending from the top level."""
    end = len(data) if end is None else end
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind == path[0]:
            if len(path) == 1:
                return position
            return _find_box(data, path[1:], position + 8, position + size)
        if size < 8:
            break
        position += size
    raise ValueError(f"no {path[0]!r} box")


def webvtt(*cues: tuple[str, str, str], bom: bool = False) -> bytes:
    """A WebVTT file from (start, end, text) cues."""
    body = "WEBVTT\n\n" + "\n".join(f"{start} --> {end}\n{text}\n" for start, end, text in cues)
    return ("\ufeff" if bom else "").encode() + body.encode("utf-8")


def stored_files(root: Path) -> list[str]:
    """Every file below ``root``, as storage names."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def all_clips(new_folder: Callable[[str], Path]) -> dict[str, Path]:
    """Every test file above, each made in a folder of its own."""
    made = {
        "valid": lambda folder: mp4_clip(folder, "讲座 第一课.mp4"),
        "portrait": lambda folder: mp4_clip(folder, "portrait.mp4", size="36x64", audio=False),
        "rotated": rotated_clip,
        "odd": odd_sized_clip,
        "jpeg": jpeg_named_mp4,
        "audio": audio_named_mp4,
        "truncated": truncated_mp4,
        "damaged": random_bytes,
        "huge": huge_frame_claim,
    }
    return {name: make(new_folder(name)) for name, make in made.items()}


def default_storage_in(root: Path, settings: Any) -> Path:
    """Point default storage (and MEDIA_ROOT) at ``root`` for one test, to see every file left behind."""
    root.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root
