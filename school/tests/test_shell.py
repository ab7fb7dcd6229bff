"""The site shell: base template, navigation, language switch, my-learning page and error pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from school.context_processors import NAV_ITEMS, nav_active_key
from school.roles import Role
from school.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def zh(text) -> str:
    """What the Chinese page shows for an English source string (identical until the catalog has it)."""
    with translation.override("zh-hans"):
        return gettext(text) if isinstance(text, str) else str(text)


def test_home_page_renders_in_chinese_by_default(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    for item in NAV_ITEMS:
        assert f'href="{item.url}"' in html
        assert zh(item.label) in html


def test_home_navigation_item_is_marked_current(client):
    html = client.get("/").content.decode()
    assert 'href="/" class="primary-nav__link is-active" aria-current="page"' in html


def test_shell_has_skip_link_menu_button_and_tab_bar(client):
    html = client.get("/").content.decode()
    assert 'href="#main"' in html and 'id="main"' in html
    assert '<details class="mobile-menu"' in html
    assert 'class="tabbar"' in html


def test_switching_to_english_persists_across_requests(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/courses/"})
    assert response.status_code == 302
    assert response["Location"] == "/courses/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()
    assert '<html lang="en">' in client.get("/library/").content.decode()


def test_switching_back_to_chinese(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_invalid_language_code_is_ignored(client):
    response = client.post("/i18n/setlang/", {"language": "xx-evil", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_language_switch_is_a_post_form_back_to_the_current_page(client):
    html = client.get("/courses/").content.decode()
    assert '<form class="lang-switch" method="post" action="/i18n/setlang/">' in html
    assert '<input type="hidden" name="next" value="/courses/">' in html
    assert 'name="language" value="en"' in html


@pytest.mark.parametrize("item", NAV_ITEMS, ids=[item.key for item in NAV_ITEMS])
def test_every_navigation_link_answers(client, item):
    response = client.get(item.url)
    if item.key in ("my", "exams", "community"):  # for members only
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 200
        assert f'href="{item.url}" class="primary-nav__link is-active" aria-current="page"' in (
            response.content.decode()
        )


def test_pages_outside_the_seven_sections_mark_nothing_active():
    assert nav_active_key("/accounts/login/") == ""
    assert nav_active_key("/") == "home"
    assert nav_active_key("/courses/some-course/") == "courses"


def test_my_learning_requires_login(client):
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/"


def test_my_learning_shows_profile_with_org_path_and_roles(client, member_a1):
    client.force_login(member_a1.user)
    html = client.get("/my/").content.decode()
    assert member_a1.real_name in html
    assert "测试党委" in html and "第一党总支" in html and "第一党支部" in html and "第一党小组" in html
    assert (
        html.index("测试党委")
        < html.index("第一党总支")
        < html.index("第一党支部")
        < html.index("第一党小组")
    )
    with translation.override("zh-hans"):
        assert str(member_a1.get_political_status_display()) in html
        assert str(Role.LEARNER.label) in html


def test_my_learning_without_member_profile_is_friendly(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x-Secret-123")
    client.force_login(admin)
    response = client.get("/my/")
    assert response.status_code == 200
    assert zh("No member profile") in response.content.decode()


def test_user_menu_offers_admin_only_to_users_with_admin_access(client, org_tree):
    editor = MemberFactory(user__roles=[Role.EDITOR], org_unit=org_tree.committee).user
    learner = MemberFactory(user__roles=[Role.LEARNER], org_unit=org_tree.branch_a1).user
    client.force_login(editor)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert 'href="/admin/"' not in html
    assert 'action="/accounts/logout/"' in html and 'href="/accounts/password/"' in html


def test_anonymous_header_offers_login(client):
    html = client.get("/courses/").content.decode()
    assert 'href="/accounts/login/?next=%2Fcourses%2F"' in html
    assert 'action="/accounts/logout/"' not in html


def test_unknown_page_uses_the_site_404_template(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert '<html lang="zh-hans">' in response.content.decode()


def test_403_page_extends_the_site_template():
    html = render_to_string("403.html", {"nav_items": NAV_ITEMS})
    assert "403" in html and 'class="site-header"' in html


def test_500_page_renders_without_a_request_context():
    html = render_to_string("500.html")
    assert "500" in html and "/static/css/site.css" in html


def test_home_page_shows_honest_empty_panels(client, learner):
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert zh("Courses will appear here once they are published.") in html
    assert zh("Study materials and policy documents will appear here once they are published.") in html


def test_visitors_are_asked_to_log_in_for_the_courses_on_the_home_page(client):
    assert zh("Log in to see the courses open to you.") in client.get("/").content.decode()


def test_plain_user_sees_display_name_in_header(client):
    user = UserFactory(username="zhangsan")
    client.force_login(user)
    assert "zhangsan" in client.get("/").content.decode()


def test_login_link_does_not_point_back_to_an_accounts_page(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert "next=%2Faccounts" not in html


def test_wagtail_admin_speaks_chinese_by_default(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x-Secret-123")
    client.force_login(admin)
    response = client.get("/admin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    source = "Toggle sidebar"  # a variable, so that makemessages leaves Wagtail's string to Wagtail
    with translation.override("zh-hans"):
        toggle_sidebar = gettext(source)
    assert toggle_sidebar != source  # Wagtail ships a zh_Hans catalog
    assert toggle_sidebar in html


def test_collectstatic_finds_every_file_the_assets_reference(tmp_path):
    """`make run` collects static files with the manifest storage, which fails on a dangling reference
    (a CSS url() or a JS sourceMappingURL to a file that was not copied)."""
    root = Path(settings.BASE_DIR)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=root,
        env={**env, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "vendor/hls.min.js" in manifest["paths"]
    assert "css/site.css" in manifest["paths"]
