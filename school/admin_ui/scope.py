"""Object lookup for the admin viewsets, limited to what the user may see.

Wagtail's generic views fetch objects by the id in the URL and check model-level
permissions only. Every object view here fetches from ``visible_to(user)`` instead,
so an id outside the user's org subtree is a 404 (it does not exist for them), while
an action the user may not take on an object they can see is Wagtail's usual
permission-denied response. A viewset refuses to register an object view that skips this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from wagtail.admin import messages
from wagtail.admin.viewsets.model import ModelViewSet

VisibleTo = Callable[[Any], QuerySet]


class ScopedListingMixin:
    """Listings start from the visible objects, before any filter, search or ordering."""

    visible_to: VisibleTo | None = None

    def get_base_queryset(self) -> QuerySet:
        return self.visible_to(self.request.user)


class ScopedObjectMixin:
    """Find the object among the visible ones, then check the view's action on that instance."""

    visible_to: VisibleTo | None = None
    instance_action = "view"

    def visible_queryset(self) -> QuerySet:
        if self.visible_to is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs visible_to")
        return self.visible_to(self.request.user)

    def check_instance(self, obj: Model) -> Model:
        policy = self.permission_policy
        if not policy.user_has_permission_for_instance(self.request.user, self.instance_action, obj):
            raise PermissionDenied
        return obj

    def get_base_object_queryset(self) -> QuerySet:
        return self.visible_queryset()

    def get_object(self, queryset: QuerySet | None = None) -> Model:
        if getattr(self, "object", None) is not None:
            return self.object
        pk = unquote(str(self.kwargs[getattr(self, "pk_url_kwarg", "pk")]))
        return self.check_instance(get_object_or_404(self.visible_queryset(), pk=pk))


class ServiceFormMixin:
    """Create and edit views whose forms are plain forms handed to a service, not ModelForms.

    Services open their own durable transaction, so the generic views' atomic
    wrapper is left out; a domain error becomes a form error and changes nothing.
    """

    domain_errors: tuple[type[Exception], ...] = ()

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs.pop("for_user", None)
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        self.form = form
        try:
            self.object = self.save_instance()
        except self.domain_errors as problem:
            form.add_error(_error_field(form, problem), problem.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


def _error_field(form: Any, problem: Exception) -> str | None:
    """The form field to show a domain error under, or None for the top of the form."""
    field = getattr(problem, "field", None)
    if field is not None and field in form.fields and not form.fields[field].disabled:
        return field
    return None


def refuse(request: HttpRequest, message: str, url: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(url)


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose object views all look objects up through ``visible_to``.

    Copy and usage views are not offered: nothing here is copied, and nothing
    references these rows through Wagtail's reference index.
    """

    visible_to: VisibleTo | None = None
    copy_view_enabled = False
    add_to_reference_index = False
    object_views = ("edit", "delete", "history", "history_results", "inspect")

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs["usage_url_name"] = None
        view_kwargs["visible_to"] = type(self).visible_to
        return view_kwargs

    def get_urlpatterns(self) -> list:
        patterns = [p for p in super().get_urlpatterns() if p.name != "usage"]
        patterns += self.get_extra_urlpatterns()
        for pattern in patterns:
            if pattern.name in self.object_views:
                self._check_scoped(pattern)
        return patterns

    def get_extra_urlpatterns(self) -> list:
        return []

    def _check_scoped(self, pattern: Any) -> None:
        view_class = pattern.callback.view_class
        if not issubclass(view_class, ScopedObjectMixin):
            raise ImproperlyConfigured(f"{view_class.__name__} ({pattern.name}) must use ScopedObjectMixin")
