"""Indexable types: each app registers its own in ``AppConfig.ready()``.

A type knows its model, how to turn a batch of its objects into index records, and which objects
should be in the index at all. ``documents`` returns None for an object that should not be found
(unpublished, deleted, inside an unpublished course): indexing it removes its record.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import models

from search.documents import IndexDocument, key_for

_types: dict[str, SearchType] = {}


class SearchType(abc.ABC):
    name: str  # the key prefix and the facet value: "article", "policy", "course", "lesson"
    model: type[models.Model]
    label: str  # shown on facet chips: 学习资料, 政策文件 …
    order: int = 100  # facet chip order

    @abc.abstractmethod
    def candidates(self) -> models.QuerySet:
        """Every object that may belong in the index (a full rebuild walks it by primary key)."""

    @abc.abstractmethod
    def documents(self, objects: Sequence[models.Model]) -> dict[int, IndexDocument | None]:
        """Records for a batch of objects by primary key; None for one that must not be indexed."""

    def key(self, pk: int) -> str:
        return key_for(self.name, pk)

    def load(self, pks: Iterable[int]) -> list[models.Model]:
        return list(self.candidates().filter(pk__in=list(pks)))


def register(search_type: SearchType) -> SearchType:
    if search_type.name in _types and type(_types[search_type.name]) is not type(search_type):
        raise ValueError(f"search type {search_type.name!r} is registered twice")
    _types[search_type.name] = search_type
    return search_type


def get_type(name: str) -> SearchType | None:
    return _types.get(name)


def all_types() -> list[SearchType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.name))


def types_for_model(model: type[models.Model]) -> Iterator[SearchType]:
    for search_type in _types.values():
        if issubclass(model, search_type.model):
            yield search_type


# Models whose changes alter other objects' records (a video's transcript, a category's name):
# model → function(instance) returning the keys to re-index.
_watchers: dict[type[models.Model], list[Callable[[models.Model], Iterable[str]]]] = {}


def watch(model: type[models.Model], keys: Callable[[models.Model], Iterable[str]]) -> None:
    _watchers.setdefault(model, []).append(keys)


def watchers_for(model: type[models.Model]) -> list[Callable[[models.Model], Iterable[str]]]:
    return _watchers.get(model, [])
