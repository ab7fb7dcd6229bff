"""Fill untranslated (or fuzzy) entries of the zh_Hans catalog from a TSV of ``msgid<TAB>translation``.

Used after ``make messages``: translations are written in a TSV next to the work, then applied here.
Both columns are written as they would appear inside a .po string (``\\n`` for a newline, ``\\"`` for
a quote). For plural entries the TSV's msgid is the singular form and the translation fills every
``msgstr[n]`` (Chinese has one form). Prints what it filled and which msgids of the TSV it did not
find; exits 1 if the catalog still has untranslated or fuzzy entries.

    python scripts/po_fill.py translations.tsv [locale/zh_Hans/LC_MESSAGES/django.po]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

STRING = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
CONTINUATION = re.compile(r'^"(.*)"$')


def parse_block(lines: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """(comment lines, {keyword: po-escaped string}, order of keywords)."""
    comments, fields, order, current = [], {}, [], None
    for line in lines:
        if line.startswith("#"):
            comments.append(line)
            continue
        match = STRING.match(line)
        if match:
            current = match.group(1)
            fields[current] = match.group(2)
            order.append(current)
            continue
        match = CONTINUATION.match(line)
        if match and current is not None:
            fields[current] += match.group(1)
    return comments, fields, order


def render(comments: list[str], fields: dict[str, str], order: list[str]) -> list[str]:
    return comments + [f'{key} "{fields[key]}"' for key in order]


def main() -> int:
    tsv = Path(sys.argv[1])
    po = Path(sys.argv[2] if len(sys.argv) > 2 else "locale/zh_Hans/LC_MESSAGES/django.po")
    translations = {}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            msgid, translation = line.split("\t", 1)
            translations[msgid] = translation
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    used, missing, out = set(), [], []
    for block in blocks:
        comments, fields, order = parse_block(block.split("\n"))
        msgid = fields.get("msgid", "")
        if not msgid or any(line.startswith("#~") for line in comments):
            out.append(block)
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in comments)
        targets = [key for key in order if key.startswith("msgstr")]
        empty = all(not fields[key] for key in targets)
        if (empty or fuzzy) and msgid in translations:
            for key in targets:
                fields[key] = translations[msgid]
            used.add(msgid)
            comments = [line for line in comments if not line.startswith("#|")]
            comments = [_unfuzzy(line) for line in comments]
            comments = [line for line in comments if line != "#,"]
            out.append("\n".join(render(comments, fields, order)))
            continue
        if empty or fuzzy:
            missing.append(msgid)
        out.append(block)
    po.write_text("\n\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
    print(f"filled {len(used)}")
    for msgid in sorted(set(translations) - used):
        print(f"not needed: {msgid}")
    for msgid in missing:
        print(f"STILL MISSING: {msgid}")
    return 1 if missing else 0


def _unfuzzy(line: str) -> str:
    if not line.startswith("#,"):
        return line
    flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
    return "#, " + ", ".join(flags) if flags else "#,"


if __name__ == "__main__":
    sys.exit(main())
