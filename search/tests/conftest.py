"""The backend contract runs against every available backend: embedded always, Elasticsearch when
``ELASTICSEARCH_URL`` names a live cluster."""

from __future__ import annotations

import os
import uuid

import pytest

from search.backends.base import SearchBackend

BACKENDS = ["embedded"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path, settings) -> SearchBackend:
    if request.param == "embedded":
        from search.backends.embedded import EmbeddedBackend

        backend = EmbeddedBackend(path=tmp_path / "contract" / "index.sqlite3")
        yield backend
        backend.close()
        return
    from elasticsearch import Elasticsearch

    from search.backends.elasticsearch import ElasticsearchBackend

    settings.SEARCH_ES_REFRESH = True
    url = os.environ["ELASTICSEARCH_URL"]
    prefix = f"contract-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(url=url, prefix=prefix)
    yield backend
    backend.close()
    client = Elasticsearch(url)
    names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True))
    if names:
        client.indices.delete(index=",".join(names))
    client.close()
