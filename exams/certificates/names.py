"""Holder names as the public verification page shows them: enough to match a paper, not to identify.

Anyone with a certificate's QR code sees its page, so the full name stays off it. Chinese
names keep the surname and the last character (张小明 → 张*明), the usual masking on Chinese
sites; names in parts (Latin names, 买买提·艾力) keep the first letter of each part.
"""

from __future__ import annotations

import re

MASK = "*"
# Spaces and the middle dots used between the parts of transliterated and minority names.
SEPARATORS = re.compile(r"(\s+|[·•・‧.．])")


def mask_name(name: str) -> str:
    name = " ".join(name.split())
    if _is_cjk(name):
        name = name.replace(" ", "")  # 张 小明 is 张小明 typed with a space
    if not name:
        return ""
    parts = SEPARATORS.split(name)
    if len(parts) == 1:
        return _mask_single(name)
    return "".join(part if SEPARATORS.fullmatch(part) else _mask_part(part) for part in parts if part)


def _mask_single(name: str) -> str:
    if len(name) == 1:
        return MASK
    if len(name) == 2 or not _is_cjk(name):
        return name[0] + MASK * (len(name) - 1)
    return name[0] + MASK * (len(name) - 2) + name[-1]


def _mask_part(part: str) -> str:
    return part[0] + MASK * (len(part) - 1)


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)
