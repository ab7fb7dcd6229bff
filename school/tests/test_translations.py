"""The zh_Hans catalog is complete and the committed .mo files match their .po sources."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale"
IGNORE = ["node_modules/*", ".venv/*", "var/*", "static/vendor/*", "test-artifacts/*"]


def msgfmt_statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_every_source_string_has_a_chinese_translation(tmp_path, settings, monkeypatch):
    """Extract strings afresh into a copy of the catalog: nothing may be untranslated or fuzzy.

    makemessages writes each source file's strings to the ``locale`` folder next to the tree it
    is in, so it runs in a stand-in tree (links to the sources, a copy of the catalog) and the
    real catalog is left alone.
    """
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in {"locale", ".git", ".venv", "node_modules", "var"}:
            (tree / entry.name).symlink_to(entry)
    shutil.copytree(LOCALE, tree / "locale")
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=IGNORE,
        verbosity=0,
        no_obsolete=True,
        symlinks=True,
    )
    for domain in ("django", "djangojs"):
        po = tree / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        if domain == "djangojs" and not po.exists():
            continue
        stats = msgfmt_statistics(po)
        assert "untranslated" not in stats and "fuzzy" not in stats, f"{domain}: {stats}"


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*/LC_MESSAGES/*.po")), ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_matches_its_source(po, tmp_path):
    compiled = tmp_path / "out.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), f"run `make messages` for {po}"
