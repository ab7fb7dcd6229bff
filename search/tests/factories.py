"""Index records for backend tests, without pages behind them."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from search.backends.base import SearchRequest
from search.documents import Access, IndexDocument, Reader
from search.text import parse_query

_ids = itertools.count(1)

ANYONE = Reader()
MEMBER = Reader(logged_in=True)
EVERYTHING = Reader(everything=True, logged_in=True, organizer=True)


def record(title: str, body: str = "", *, type: str = "article", pk: int | None = None, **fields: Any):
    pk = pk if pk is not None else next(_ids)
    fields.setdefault("date", datetime.date(2024, 1, 1))
    return IndexDocument(
        key=f"{type}:{pk}", type=type, title=title, url=f"/{type}/{pk}/", body=body, **fields
    )


def members_only(**kwargs) -> Access:
    return Access(login=True, **kwargs)


def ask(backend, q: str, reader: Reader = EVERYTHING, **fields: Any):
    return backend.search(SearchRequest(query=parse_query(q), reader=reader, **fields))


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]
