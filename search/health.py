"""Health probe for whichever search backend is configured."""

from __future__ import annotations

from search.backends import get_backend


def check_search() -> str:
    return get_backend().status()
