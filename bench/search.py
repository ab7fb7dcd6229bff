"""The embedded search backend on a synthetic Chinese corpus, against a naive substring scan.

    uv run python bench/search.py [--docs 100000] [--queries 200] [--scan-queries 30] [--seed 7]

Builds a corpus from jieba's word-frequency dictionary (words drawn by frequency, punctuation in
between, document numbers on a tenth of the records, a mix of access rules), indexes it into a
throw-away SQLite FTS5 file and prints, in one run:

- index throughput (records/s, tokenising included; a helper process prepares records while this
  one writes, as in ``search_reindex``), and as a multiple of inserting the same rows into a plain table;
- p50/p95/max latency of a fixed mixed query set through the whole query path (permission filter
  for a member of one branch, ranking, facets, highlighted snippets of the first page);
- the same for a naive scan (``LIKE '%q%'`` over title and body, what Django's ``icontains`` does
  on SQLite) on the same rows, and the ratio of the two;
- recall against the scan for substring queries of two or more characters (must be 100%).

Exit status 1 when recall is below 100%.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
OWN_VAR_DIR = "VAR_DIR" not in os.environ  # removed at the end only when this script made it
if OWN_VAR_DIR:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-search-var-")

KINDS = ["word", "word", "substring", "substring", "words", "char", "number", "traditional"]
PUNCTUATION = "，，，，。。、；：！？"
AUTHORITIES = ["中共中央", "国务院", "中共中央办公厅", "中央组织部", "中央宣传部", "省委", "市委组织部"]
CATEGORIES = ["党章党规", "中央文件", "学习资料", "党史学习", "理论武装", "廉政教育"]


def dictionary(limit: int = 120_000) -> tuple[list[str], list[int]]:
    """Chinese words of jieba's dictionary with their frequencies (the most frequent ``limit``)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    entries = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, frequency, *_ = line.split()
            if all("\u4e00" <= char <= "\u9fff" for char in word):
                entries.append((int(frequency), word))
    entries.sort(reverse=True)
    entries = entries[:limit]
    return [word for _f, word in entries], [frequency for frequency, _w in entries]


def corpus(count: int, rng: random.Random):
    import datetime

    from search.documents import Access, IndexDocument

    words, weights = dictionary()
    cumulative = list(_accumulate(weights))
    draw = lambda k: rng.choices(words, cum_weights=cumulative, k=k)  # noqa: E731
    units = [f"u:{n}" for n in range(1, 41)]
    for pk in range(1, count + 1):
        title = "".join(draw(rng.randint(3, 7)))
        parts = []
        for word in draw(rng.randint(80, 220)):
            parts.append(word)
            if rng.random() < 0.12:
                parts.append(rng.choice(PUNCTUATION))
        body = "".join(parts)
        policy = pk % 10 == 0
        keys = f"中发〔{2000 + pk % 25}〕{pk % 97 + 1}号" if policy else ""
        roll = rng.random()
        if roll < 0.15:
            access = Access()
        elif roll < 0.85:
            access = Access(login=True)
        elif roll < 0.95:
            access = Access(login=True, groups=(frozenset(rng.sample(units, 2)),))
        else:
            access = Access(login=True, organizer=True)
        yield IndexDocument(
            key=f"{'policy' if policy else 'article'}:{pk}",
            type="policy" if policy else "article",
            title=title,
            url=f"/library/{pk}/",
            keys=keys,
            body=body,
            date=datetime.date(2000 + pk % 25, 1 + pk % 12, 1 + pk % 28),
            category=CATEGORIES[pk % len(CATEGORIES)],
            authority=AUTHORITIES[pk % len(AUTHORITIES)] if policy else "",
            access=access,
        )


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


def query_set(documents: list, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query): words by frequency band, substrings across word boundaries, several words,
    one character, document numbers and traditional characters. Fixed by the seed."""
    from zhconv_rs import zhconv

    words, _weights = dictionary()
    queries: list[tuple[str, str]] = []
    bands = [(50, 500), (500, 5000), (5000, 50000)]
    while len(queries) < count:
        kind = rng.choice(KINDS)
        document = rng.choice(documents)
        if kind == "word":
            low, high = rng.choice(bands)
            queries.append((kind, words[rng.randrange(low, min(high, len(words)))]))
        elif kind == "substring":
            start = rng.randrange(0, max(1, len(document.body) - 5))
            text = document.body[start : start + rng.randint(2, 5)]
            if all("\u4e00" <= char <= "\u9fff" for char in text) and len(text) >= 2:
                queries.append((kind, text))
        elif kind == "words":
            queries.append((kind, " ".join(rng.choice(words[200:20000]) for _ in range(2))))
        elif kind == "char":
            queries.append((kind, rng.choice(words[2000:20000])[0]))
        elif kind == "number" and document.keys:
            queries.append((kind, document.keys))
        elif kind == "traditional":
            word = words[rng.randrange(100, 5000)]
            queries.append((kind, zhconv(word, "zh-hant")))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scan-queries", type=int, default=30, help="queries also run as a scan (slow)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the index and scan files (printed path)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        return run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> int:

    import django

    django.setup()
    from search.backends.base import SearchRequest
    from search.backends.embedded import EmbeddedBackend
    from search.documents import Reader
    from search.text import normalise, parse_query

    rng = random.Random(args.seed)
    print(f"corpus: {args.docs} records from jieba's dictionary (seed {args.seed}), in {workdir}")
    started = time.perf_counter()
    documents = list(corpus(args.docs, rng))
    chars = sum(len(d.title) + len(d.body) for d in documents)
    seconds = time.perf_counter() - started
    print(f"  generated in {seconds:.1f} s, {chars / len(documents):.0f} characters each")

    backend = EmbeddedBackend(path=workdir / "index.sqlite3")
    started = time.perf_counter()
    for start in range(0, len(documents), 500):
        backend.index(documents[start : start + 500])
    index_seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in workdir.glob("index.sqlite3*")) / 2**20
    print(f"index: {len(documents) / index_seconds:.0f} records/s ({index_seconds:.1f} s, {size:.0f} MiB)")

    scan = sqlite3.connect(workdir / "scan.sqlite3")
    scan.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, key TEXT, title TEXT, body TEXT)")
    started = time.perf_counter()
    scan.executemany(
        "INSERT INTO docs (key, title, body) VALUES (?, ?, ?)", [(d.key, d.title, d.body) for d in documents]
    )
    scan.commit()
    plain_seconds = time.perf_counter() - started
    print(
        f"  baseline: a plain table of the same rows takes {len(documents) / plain_seconds:.0f} records/s;"
        f" the index costs {index_seconds / plain_seconds:.0f}x that"
    )

    queries = query_set(documents, args.queries, rng)
    reader = Reader(logged_in=True, tokens=frozenset({"u:3", "u:7", "u:1"}))
    everything = Reader(everything=True, logged_in=True, organizer=True)
    timings: list[float] = []
    totals: list[int] = []
    for _kind, q in queries:
        request = SearchRequest(query=parse_query(q), reader=reader, limit=10)
        began = time.perf_counter()
        results = backend.search(request)
        timings.append(time.perf_counter() - began)
        totals.append(results.total)

    scan_timings: list[float] = []
    index_timings: list[float] = []
    recall_checked = recall_missed = 0
    # Stop words alone get a message instead of hits (by design): neither timed nor checked here.
    stop_words_only = [q for _kind, q in queries if parse_query(q).only_stop_words]
    single_terms = [q for _kind, q in queries if " " not in q and q not in stop_words_only]
    for q in single_terms[: args.scan_queries]:
        began = time.perf_counter()
        rows = scan.execute(
            "SELECT key FROM docs WHERE title LIKE ? OR body LIKE ?", (f"%{q}%", f"%{q}%")
        ).fetchall()
        scan_timings.append(time.perf_counter() - began)
        request = SearchRequest(query=parse_query(q), reader=reader, limit=10)
        began = time.perf_counter()
        backend.search(request)
        index_timings.append(time.perf_counter() - began)
        if len(normalise(q)) >= 2 and len(rows) <= 5000:
            wanted = {key for (key,) in rows}
            found = backend.search(
                SearchRequest(query=parse_query(q), reader=everything, limit=len(wanted) + 1000)
            )
            got = {hit.key for hit in found.hits}
            recall_checked += len(wanted)
            recall_missed += len(wanted - got)

    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    print(
        f"queries ({len(queries)}, mixed, member of one branch): p50 {ms(statistics.median(timings))}, "
        f"p95 {ms(percentile(timings, 0.95))}, max {ms(max(timings))}; "
        f"median hits {statistics.median(totals):.0f}, max {max(totals)}"
    )
    scan_p50, index_p50 = statistics.median(scan_timings), statistics.median(index_timings)
    print(
        f"scan (LIKE '%q%', {len(scan_timings)} queries): p50 {ms(scan_p50)}, "
        f"p95 {ms(percentile(scan_timings, 0.95))}"
        f"; index on the same queries p50 {ms(index_p50)} -> {scan_p50 / index_p50:.0f}x faster"
    )
    recall = 1 - recall_missed / recall_checked if recall_checked else 1.0
    print(
        f"recall against the scan: {recall:.2%} of {recall_checked} expected hits"
        f" ({len(stop_words_only)} stop-word-only queries answered with a message, left out)"
    )
    backend.close()
    scan.close()
    return 0 if recall_missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
