"""bench/reports.py builds its data set and measures every report on PostgreSQL (CI runs it there)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

DATABASE_URL = os.environ.get("DATABASE_URL", "")


@pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="the reports benchmark measures PostgreSQL; CI runs the suite on it (.ci/run)",
)
def test_the_reports_benchmark_builds_its_data_set_and_measures_each_report(tmp_path):
    smoke = urlunsplit(urlsplit(DATABASE_URL)._replace(path="/school_bench_smoke"))
    script = Path(settings.BASE_DIR) / "bench" / "reports.py"
    result = subprocess.run(
        [sys.executable, str(script), "--fresh", "--members", "300", "--courses", "6", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path / "var"),
            "HOME": str(tmp_path),
            "DATABASE_URL": smoke,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert sum("dashboard + popular courses" in line for line in lines) == 2  # the whole 党委, one 支部
    assert sum("table page 1" in line for line in lines) == 4  # two sort orders each
