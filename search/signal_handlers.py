"""Signal handlers of the search app, connected in ``SearchConfig.ready``: they only enqueue.

Keys changed inside one transaction go to the index as one task when it commits (see
``search.services.search_index_on_commit``).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from search.registry import all_types, types_for_model, watchers_for
from search.services import search_index_on_commit, search_reindex_restricted_on_commit


def _page_and_below(page: Page) -> set[str]:
    keys = {search_type.key(page.pk) for search_type in types_for_model(type(page))}
    if not page.is_leaf():
        for search_type in all_types():
            if issubclass(search_type.model, Page):
                pks = search_type.model.objects.descendant_of(page).values_list("pk", flat=True)
                keys.update(search_type.key(pk) for pk in pks)
    return keys


def page_changed(sender, instance, **kwargs) -> None:
    search_index_on_commit(_page_and_below(instance))


def page_moved(sender, instance, **kwargs) -> None:
    search_index_on_commit(_page_and_below(instance))


def object_saved(sender, instance, **kwargs) -> None:
    for keys in watchers_for(sender):
        search_index_on_commit(keys(instance))


def object_deleted(sender, instance, **kwargs) -> None:
    keys = {search_type.key(instance.pk) for search_type in types_for_model(sender)}
    if keys:
        search_index_on_commit(keys)
    object_saved(sender, instance)


def org_tree_changed(sender, instance, **kwargs) -> None:
    """Units moved or removed change who meets records' access tokens: re-index restricted ones."""
    search_reindex_restricted_on_commit()


def connect() -> None:
    from school.models import OrgUnit

    page_published.connect(page_changed, dispatch_uid="search_page_published")
    page_unpublished.connect(page_changed, dispatch_uid="search_page_unpublished")
    page_slug_changed.connect(page_changed, dispatch_uid="search_page_slug_changed")
    post_page_move.connect(page_moved, dispatch_uid="search_page_moved")
    post_save.connect(object_saved, dispatch_uid="search_object_saved")
    post_delete.connect(object_deleted, dispatch_uid="search_object_deleted")
    post_save.connect(org_tree_changed, sender=OrgUnit, dispatch_uid="search_org_saved")
    post_delete.connect(org_tree_changed, sender=OrgUnit, dispatch_uid="search_org_deleted")
