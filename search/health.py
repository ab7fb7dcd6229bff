"""Health probe for whichever search backend is configured."""

from __future__ import annotations

import sqlite3

from django.conf import settings


def check_search() -> str:
    if settings.SEARCH_BACKEND == "elasticsearch":
        from elasticsearch import Elasticsearch

        client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=3, max_retries=0)
        health = client.cluster.health()
        if health["status"] == "red":
            raise RuntimeError("cluster status is red")
        return f"elasticsearch ({health['status']})"
    path = settings.SEARCH_INDEX_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=3)
    try:
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.healthz USING fts5(body)")
        db.execute("SELECT 1").fetchone()
    finally:
        db.close()
    return "embedded (sqlite fts5)"
