#!/usr/bin/env bash
# Installs whatever is missing for `make run` / `make test` on a Debian machine that has
# only Python 3.11: system packages through apt-get (when root), uv, the locked Python
# environment and the locked npm assets. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=${1:-run}
# libpango: WeasyPrint (document watermarks, certificates)
apt_packages=(ffmpeg fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0)
if [ "$want_tests" = "test" ]; then
    apt_packages+=(chromium poppler-utils)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
# Node.js is looked for as a command: a machine may carry a Node.js build that bundles npm,
# and Debian's npm package conflicts with such builds.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
        echo "==> apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "!! missing system packages (install them as root): ${missing[*]}" >&2
    fi
fi

if ! command -v uv >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/uv" ]; then
    echo "==> installing uv"
    python3 -m pip install --user --quiet uv 2>/dev/null \
        || python3 -m pip install --user --quiet --break-system-packages uv
fi
UV=$(command -v uv || echo "$HOME/.local/bin/uv")

echo "==> uv sync (from uv.lock)"
"$UV" sync --frozen --quiet

if [ ! -d node_modules/hls.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci (from package-lock.json)"
    npm ci --silent --no-audit --no-fund
fi
mkdir -p static/vendor
cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.min.js.map static/vendor/
