from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, queue="default")
def search_index_task(*, keys: list[str]) -> None:
    """Bring the records of ``keys`` in line with the database (written, or removed)."""
    from search.services import search_index

    search_index(keys=keys)


@shared_task(acks_late=True, queue="default")
def search_reindex_restricted_task() -> None:
    """Re-index records limited to organisations: their access tokens follow the org tree."""
    from search.services import search_reindex_restricted

    search_reindex_restricted()
