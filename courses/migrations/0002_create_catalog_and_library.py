from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's (and Wagtail's) path alphabet
STEP = 4

SECTIONS = [
    # (model, slug, title, intro)
    ("courseindexpage", "courses", "课程", "<p>必修课程与选修课程、微视频党课，学完即记学时。</p>"),
    ("resourcelibrarypage", "library", "资料库", "<p>党章党规、中央文件和学习资料，随时查阅。</p>"),
]


def _next_child_path(Page, parent) -> str:
    last = (
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("-path").first()
    )
    if last is None:
        number = 1
    else:
        number = 0
        for char in last.path[-STEP:]:
            number = number * len(ALPHABET) + ALPHABET.index(char)
        number += 1
    digits = ""
    while number:
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return parent.path + digits.rjust(STEP, "0")


def create_sections(apps, schema_editor):
    """/courses/ and /library/ under the home page, where the navigation points."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("school.HomePage")
    home = HomePage.objects.filter(depth=2).first()
    if home is None:
        return
    for model_name, slug, title, intro in SECTIONS:
        Model = apps.get_model("courses", model_name)
        if Model.objects.exists() or Page.objects.filter(url_path=f"{home.url_path}{slug}/").exists():
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label="courses", model=model_name)
        Model.objects.create(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=_next_child_path(Page, home),
            depth=home.depth + 1,
            numchild=0,
            url_path=f"{home.url_path}{slug}/",
            locale_id=home.locale_id,
            live=True,
            intro=intro,
        )
        Page.objects.filter(pk=home.pk).update(numchild=Page.objects.filter(
            path__startswith=home.path, depth=home.depth + 1
        ).count())


def remove_sections(apps, schema_editor):
    for model_name, slug, _title, _intro in SECTIONS:
        apps.get_model("courses", model_name).objects.filter(slug=slug, depth=3).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("school", "0003_create_homepage"),
    ]

    operations = [migrations.RunPython(create_sections, remove_sections)]
