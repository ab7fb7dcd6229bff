"""Small test videos made on the spot with ffmpeg's synthetic sources (testsrc2 picture, sine tone).

Each function writes one file into ``directory`` and returns its path. Clips are a few seconds
long and cheaply encoded, so the whole suite stays quick on two cores.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SECONDS = 3


def landscape_720p_stereo(directory: Path) -> Path:
    """Five seconds, so that there are keyframes at 0, 2 and 4 s and two segments."""
    return _generate(directory / "landscape.mp4", size="1280x720", seconds=5, audio_channels=2)


def portrait_720x1280(directory: Path) -> Path:
    return _generate(directory / "portrait.mp4", size="720x1280", audio_channels=2)


def odd_size_641x361(directory: Path) -> Path:
    """4:2:0 needs even sizes (testsrc2 rounds down to them): this one is scaled a pixel up, kept 4:4:4."""
    return _generate(
        directory / "odd.mp4", size="640x360", video_filter="scale=641:361", pixel_format="yuv444p"
    )


def without_audio(directory: Path) -> Path:
    return _generate(directory / "silent.mp4", size="640x360")


def surround_5_1(directory: Path) -> Path:
    return _generate(directory / "surround.mp4", size="640x360", audio_channels=6)


def variable_frame_rate(directory: Path) -> Path:
    """30 fps with frames dropped in an uneven pattern, kept with their original timestamps."""
    return _generate(
        directory / "vfr.mp4",
        size="640x360",
        video_filter=r"select='lt(mod(n\,10)\,6)+eq(mod(n\,7)\,0)'",
        extra=["-fps_mode", "vfr"],
    )


def rotated_90(directory: Path) -> Path:
    """A 640×360 picture tagged to be shown turned a quarter, as phones record portrait video."""
    landscape = _generate(directory / "unrotated.mp4", size="640x360", audio_channels=2)
    rotated = directory / "rotated.mp4"
    _ffmpeg(["-i", str(landscape), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated)])
    return rotated


def tiny_320x180(directory: Path) -> Path:
    return _generate(directory / "tiny.mp4", size="320x180", audio_channels=1)


def anamorphic_pal(directory: Path) -> Path:
    """720×576 with 64:45 pixels: widescreen PAL DV, shown 1024×576."""
    return _generate(directory / "anamorphic.mp4", size="720x576", video_filter="setsar=64/45", rate=25)


def undecodable(directory: Path) -> Path:
    """An MP4 file-type box followed by noise: looks like MP4 to a glance, decodes to nothing."""
    path = directory / "undecodable.mp4"
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    noise = bytes((index * 7919 + 13) % 251 for index in range(64 * 1024))
    path.write_bytes(header + noise)
    return path


def playlist_named_mp4(directory: Path, *, target: Path) -> Path:
    """An HLS playlist saved as .mp4 whose one segment is another local file: ``target``."""
    path = directory / "playlist.mp4"
    path.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5,\nfile://{target}\n#EXT-X-ENDLIST\n")
    return path


def truncated(directory: Path) -> Path:
    """The first half of a fast-start MP4: its index promises 3 s, its data stops halfway."""
    whole = _generate(
        directory / "whole.mp4", size="640x360", audio_channels=2, extra=["-movflags", "+faststart"]
    )
    path = directory / "truncated.mp4"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _generate(
    path: Path,
    *,
    size: str,
    seconds: float = SECONDS,
    rate: int = 30,
    audio_channels: int = 0,
    pixel_format: str = "yuv420p",
    video_filter: str = "",
    extra: list[str] | None = None,
) -> Path:
    arguments = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio_channels:
        arguments += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
        arguments += ["-ac", str(audio_channels), "-c:a", "aac", "-b:a", "64k"]
    if video_filter:
        arguments += ["-vf", video_filter]
    arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-pix_fmt", pixel_format]
    _ffmpeg([*arguments, *(extra or []), str(path)])
    return path


def _ffmpeg(arguments: list[str]) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *arguments], check=True)
