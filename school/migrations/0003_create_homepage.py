from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with the school's home page (as Wagtail's project template does)."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("school.HomePage")

    Page.objects.filter(depth=2, url_path="/home/", content_type__app_label="wagtailcore").delete()
    if HomePage.objects.exists():
        return
    homepage_content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="school")
    locale = Locale.objects.filter(language_code__in=["zh-hans", "en"]).first() or Locale.objects.first()
    if locale is None:
        locale = Locale.objects.create(language_code="zh-hans")
    homepage = HomePage.objects.create(
        title="线上党校",
        draft_title="线上党校",
        slug="home",
        content_type=homepage_content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        banner_title="线上党校",
        banner_text="",
        intro="",
        body="[]",
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": homepage, "site_name": "线上党校"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("school.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("school", "0002_orgunit_member_homepage"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
