"""Chinese text for search: one normalisation, two token streams, and the query's terms.

Normalisation maps every character to exactly one character (full-width to half-width, upper to
lower case, traditional to simplified), so offsets in the normalised text are offsets in the
original: highlights are placed on the text as written. Both backends and the highlighter use it.

Documents get two token streams:
- words: rjieba's search-mode segmentation, for ranking whole words;
- grams: CJK bigrams of every run of CJK characters, each run closed by its last character as a
  unigram, plus every run of letters and digits as one token. Any text of two or more CJK
  characters is a phrase of consecutive bigrams, so every document containing it is found
  whatever the segmentation; a single character is the prefix of a gram.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import rjieba

CJK_RANGES = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0003134f"  # extensions B–G
)
RUNS = re.compile(f"([{CJK_RANGES}]+)|([^\\W_{CJK_RANGES}]+)")
CJK_CHARS = re.compile(f"[{CJK_RANGES}]")
WORD = re.compile(r"[^\W_]+")

MAX_QUERY_CHARS = 64
MAX_TERMS = 12

# Words so common that a query made only of them finds everything. Dropped from multi-word queries.
_STOP_WORDS_TEXT = """
的 了 和 与 及 是 在 有 也 都 就 而 或 之 其 这 那 为 以 于 对 把 被 从 将 等 着 个 我 你 他 她 它
我们 你们 他们 一个 一些 这个 那个 什么 怎么 如何 吗 呢 吧 啊
a an and the of to in on for is are
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@functools.cache
def _table() -> dict[int, str]:
    """Character → normalised character, for every character whose normal form is one character."""
    from zhconv_rs import zhconv

    table: dict[int, str] = {}
    for code in range(0x20, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) != 1:
            continue
        lower = folded.lower()
        if len(lower) == 1:
            folded = lower
        if folded != char:
            table[code] = folded
    han = "".join(chr(c) for c in range(0x3400, 0xA000)) + "".join(chr(c) for c in range(0xF900, 0xFB00))
    han = han.translate(table)
    simplified = [zhconv(char, "zh-hans") for char in han]
    for source, target in zip(han, simplified, strict=True):
        if target != source and len(target) == 1:
            table[ord(source)] = target
    # Characters the table maps *to* must map onward too, so normalising twice changes nothing.
    for code, target in list(table.items()):
        onward = table.get(ord(target))
        if onward is not None:
            table[code] = onward
    return table


def normalise(text: str) -> str:
    """Same length as ``text``: half-width, lower case, simplified."""
    return text.translate(_table())


def normalisation_pairs() -> dict[str, str]:
    """The mapping as characters, for backends that apply it themselves (Elasticsearch's char filter)."""
    return {chr(code): target for code, target in _table().items()}


def grams(text: str, *, open_end: bool = False) -> list[str]:
    """Gram tokens of normalised ``text``; ``open_end`` leaves the last CJK run unclosed (a query)."""
    tokens: list[str] = []
    runs = list(RUNS.finditer(text))
    for index, run in enumerate(runs):
        cjk = run.group(1)
        if cjk is None:
            tokens.append(run.group(2))
            continue
        if len(cjk) > 1:
            tokens.extend([cjk[i : i + 2] for i in range(len(cjk) - 1)])
        if not (open_end and index == len(runs) - 1 and len(cjk) > 1):
            tokens.append(cjk[-1])
    return tokens


def words(text: str) -> list[str]:
    """Search-mode words of normalised ``text``, for ranking."""
    return [word for word in rjieba.cut_for_search(text) if WORD.fullmatch(word)]


@functools.lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, str]:
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isalnum()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of normalised ``text``, word by word (words repeat: cached):
    党的建设 → ("dangdejianshe", "ddjs"). Autocomplete matches typed Latin letters against both."""
    pieces = [_word_pinyin(word) for word in rjieba.cut(text)]
    return "".join(full for full, _ in pieces), "".join(initials for _, initials in pieces)


def cjk_length(text: str) -> int:
    return sum(len(run.group(1) or "") for run in RUNS.finditer(text))


@dataclass(frozen=True)
class Term:
    """One thing a hit must contain: ``text`` as a substring; ``words`` rank whole-word matches."""

    text: str
    words: tuple[str, ...]

    @property
    def apart(self) -> tuple[str, ...]:
        """Words that, all present anywhere, also match: a query of words need not be a phrase.

        Only words of two or more characters, and only when there are two of them: 大数据 cuts
        into 大 + 数据, and "any 大 and any 数据" would find far too much.
        """
        content = tuple(word for word in self.words if len(word) >= 2 and word not in STOP_WORDS)
        return content if len(content) >= 2 else ()


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    terms: tuple[Term, ...]
    truncated: bool = False
    only_stop_words: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def marks(self) -> list[str]:
        """Normalised strings to highlight, longest first."""
        found = {term.text for term in self.terms}
        found.update(word for term in self.terms for word in term.words)
        return sorted(found, key=len, reverse=True)


def parse_query(raw: str) -> ParsedQuery:
    """Split what a user typed into terms at spaces; rjieba cuts each into words.

    A term keeps its punctuation: its grams ignore it, so 中发〔2019〕1号 is one phrase and also
    matches 中发(2019)1号.

    A document must contain every term. Stop words are dropped from a query that has other words;
    a query made only of them is reported as such rather than matching everything.
    """
    raw = (raw or "").strip()
    text = normalise(raw)
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for chunk in text.split():
        if not RUNS.search(chunk):
            continue  # only punctuation or symbols
        chunk_words = tuple(word for word in rjieba.cut(chunk) if WORD.fullmatch(word))
        terms.append(Term(text=chunk, words=chunk_words))
    if len(terms) > MAX_TERMS:
        terms, truncated = terms[:MAX_TERMS], True
    content = [term for term in terms if term.text not in STOP_WORDS]
    if terms and not content:
        return ParsedQuery(raw=raw, terms=(), truncated=truncated, only_stop_words=True)
    return ParsedQuery(raw=raw, terms=tuple(content), truncated=truncated)
