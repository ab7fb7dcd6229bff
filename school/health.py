"""/healthz: database, broker, storage and search, as JSON; 503 when any of them is down.

Load balancers poll it, so every probe is cheap and bounded by a short timeout,
and nothing here writes to the database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from search.health import check_search

PROBE_TIMEOUT = 3


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}))
    with Connection(url, transport_options=options, connect_timeout=PROBE_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)
        if url.startswith("filesystem"):
            folder = options["data_folder_out"]
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                raise OSError(f"broker folder {folder} is not a writable directory")
        return url.split(":", 1)[0]


def check_storage() -> str:
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        location = storage.location
        if not (os.path.isdir(location) and os.access(location, os.W_OK)):
            raise OSError(f"media folder {location} is not a writable directory")
    else:  # S3Storage has a `location` too: the key prefix, usually ""
        storage.exists("healthz-probe")  # one HEAD request: the bucket answers and the credentials work
    return storage.__class__.__name__  # the real class behind the lazy default_storage


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "search": check_search,
}


def run_checks() -> tuple[bool, dict]:
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            results[name] = {"ok": True, "detail": detail}
        except Exception as exc:  # a health probe reports every failure instead of raising
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return healthy, results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
