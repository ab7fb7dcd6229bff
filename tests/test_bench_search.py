"""bench/search.py runs end to end on a small corpus and finds every record the scan finds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_search_benchmark_reports_full_recall_on_a_small_corpus(tmp_path):
    script = Path(settings.BASE_DIR) / "bench" / "search.py"
    result = subprocess.run(
        [sys.executable, str(script), "--docs", "1500", "--queries", "40", "--scan-queries", "15"],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "records/s" in result.stdout
    assert "recall against the scan: 100.00%" in result.stdout
