"""The configured search backend: embedded (SQLite FTS5) by default, Elasticsearch in production."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from search.backends.base import SearchBackend

_open: dict[tuple[str, str], SearchBackend] = {}
_lock = threading.Lock()


def backend_for(name: str, *, url: str = "", path: Path | None = None, prefix: str = "") -> SearchBackend:
    """A backend object per configuration, shared by the threads of a process."""
    location = url if name == "elasticsearch" else str(path)
    with _lock:
        backend = _open.get((name, location))
        if backend is None:
            if name == "elasticsearch":
                from search.backends.elasticsearch import ElasticsearchBackend

                backend = ElasticsearchBackend(url=url, prefix=prefix)
            else:
                from search.backends.embedded import EmbeddedBackend

                backend = EmbeddedBackend(path=path)
            _open[(name, location)] = backend
    return backend


def get_backend() -> SearchBackend:
    return backend_for(
        settings.SEARCH_BACKEND,
        url=settings.ELASTICSEARCH_URL,
        path=settings.SEARCH_INDEX_PATH,
        prefix=settings.SEARCH_INDEX_PREFIX,
    )


def close_backends() -> None:
    """Close every open backend (tests that remove the index file, worker shutdown)."""
    with _lock:
        for backend in _open.values():
            backend.close()
        _open.clear()
