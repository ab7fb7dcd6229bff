"""Small helpers of the browser journeys: Chinese labels, a logged-in page, screenshots."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.utils import translation

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
# The player has attached hls.js and read the master playlist.
HLS_READY = "() => { const v = document.querySelector('video'); return !!(v.hls && v.hls.levels.length); }"


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def log_in(page, live_server, user) -> None:
    """Give the browser ``user``'s session cookie (the login form has journeys of its own)."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def screenshot(page, folder: str, name: str) -> None:
    (ARTIFACTS / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / folder / name), full_page=True)


def restore_site_tree() -> None:
    """Recreate what migrations put in the database, where a flush took it away (see site_tree)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale, Page

    from school.roles import roles_sync

    ContentType.objects.clear_cache()  # it may still hold rows the flush deleted
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    locale = Locale.objects.first() or Locale.objects.create(language_code="zh-hans")
    if not Page.objects.filter(depth=1).exists():
        Page.objects.create(
            title="Root",
            draft_title="Root",
            slug="root",
            content_type=ContentType.objects.get_for_model(Page),
            path="0001",
            depth=1,
            numchild=1,
            url_path="/",
            locale=locale,
        )
    import_module("school.migrations.0003_create_homepage").create_homepage(apps, None)
    import_module("courses.migrations.0002_create_catalog_and_library").create_sections(apps, None)
    import_module("school.migrations.0005_points_ledger").create_default_rules(apps, None)
    import_module("courses.migrations.0005_offline_study_credit_tiers").create_default_tiers(apps, None)
    roles_sync()
