"""Read by gunicorn from the working directory: prepares the metrics folder of school/metrics.py.

Every worker counts into its own files under PROMETHEUS_MULTIPROC_DIR (the same folder school/settings.py
picks: VAR_DIR/metrics unless set); the folder is emptied when the server starts, and a worker that exits
is marked dead so its gauges stop counting.
"""

import os
from pathlib import Path

_var = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent / "var").resolve()
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "metrics"))


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
