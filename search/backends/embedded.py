"""The embedded backend: an SQLite FTS5 index in its own file under ``var/``.

The FTS table holds pre-tokenised columns (see ``search.text``), separated by spaces for FTS5's
unicode61 tokenizer: ``title_w``/``keys_w`` rjieba words for ranking, ``*_g`` CJK bigrams for
recall and ranking. ``fts_chars`` holds each record's distinct CJK characters, without positions,
for one-character queries. Both are contentless (FTS5's delete command is given the tokens again,
recomputed from ``docs``) and have no prefix index: content and prefixes would triple the size
and halve indexing speed. ``docs`` holds the original
text for highlighting and the facet and access columns; ``access`` the tokens of each access
group. The file runs in WAL mode: readers keep reading while a worker writes.

Access rules, facet keys and dates are checked in memory (``resident``), not by a join. Totals and
facet counts are exact. A query of single characters alone matching more than
``EXACT_LIMIT`` records (党: most of them) is answered from the newest ``EXACT_LIMIT`` matches plus
the title matches; its counts are then lower bounds and ``SearchResults.capped`` says so.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from itertools import filterfalse
from pathlib import Path

from search import highlight
from search.backends.base import (
    FACETS,
    FacetValue,
    Hit,
    RebuildState,
    SearchBackend,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
    Suggestion,
)
from search.backends.resident import Resident
from search.backends.workers import map_chunks
from search.documents import IndexDocument, Reader
from search.text import CJK_CHARS, RUNS, STOP_WORDS, Term, grams, normalise, pinyin_keys, words

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "3"
FINGERPRINT = "-".join((SCHEMA_VERSION, unicodedata.unidata_version, version("rjieba"), version("zhconv-rs")))
COLUMNS = ("title_w", "title_g", "keys_w", "keys_g", "body_g")
WEIGHTS = (12.0, 8.0, 6.0, 4.0, 1.0)  # bm25, per column
EXACT_LIMIT = 2000
KEPT_RESIDENTS = 3  # snapshots of recent generations kept per process (readers may lag a write)
PARALLEL_MIN = 200  # records per call from which a helper process prepares them (workers.py)
PREPARE_CHUNK = 50
ORG_SEPARATOR = "\x1f"
VISIBILITY_PUBLIC, VISIBILITY_MEMBERS, VISIBILITY_RESTRICTED = 0, 1, 2
SUGGEST_TITLE, SUGGEST_TERM = 0, 1
TITLE_MARK = "t"  # fts_chars: "t党" for 党 in the title

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    pk INTEGER NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    keys TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT NOT NULL,
    date TEXT,
    year INTEGER,
    category TEXT NOT NULL,
    authority TEXT NOT NULL,
    orgs TEXT NOT NULL,
    login INTEGER NOT NULL,
    organizer INTEGER NOT NULL,
    groups INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_type_pk ON docs (type, pk);
CREATE TABLE IF NOT EXISTS facet_keys (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    authority TEXT NOT NULL,
    year INTEGER NOT NULL,
    orgs TEXT NOT NULL,
    UNIQUE (type, category, authority, year, orgs)
);
CREATE TABLE IF NOT EXISTS facts (
    id INTEGER PRIMARY KEY,
    login INTEGER NOT NULL,
    organizer INTEGER NOT NULL,
    groups INTEGER NOT NULL,
    fkey INTEGER NOT NULL,
    date TEXT NOT NULL,
    gen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_gen ON facts (gen);
CREATE TABLE IF NOT EXISTS access (
    doc INTEGER NOT NULL, grp INTEGER NOT NULL, token TEXT NOT NULL, PRIMARY KEY (doc, grp, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS suggest (
    doc INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    text TEXT NOT NULL,
    norm TEXT NOT NULL,
    pinyin TEXT NOT NULL,
    initials TEXT NOT NULL,
    visibility INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS suggest_doc ON suggest (doc);
CREATE INDEX IF NOT EXISTS suggest_norm ON suggest (norm);
CREATE INDEX IF NOT EXISTS suggest_pinyin ON suggest (pinyin);
CREATE INDEX IF NOT EXISTS suggest_initials ON suggest (initials);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (
    title_w, title_g, keys_w, keys_g, body_g,
    tokenize = 'unicode61 remove_diacritics 0', content = ''
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_chars USING fts5 (
    chars, tokenize = 'unicode61 remove_diacritics 0', content = '', detail = none
);
"""
TABLES = ("meta", "docs", "facet_keys", "facts", "access", "suggest", "fts", "fts_chars")
_PLACES = ", ".join("?" * len(COLUMNS))
INSERT_TOKENS = f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES (?, {_PLACES})"
# A contentless table forgets a row when given the values it was indexed with.
DELETE_TOKENS = f"INSERT INTO fts (fts, rowid, {', '.join(COLUMNS)}) VALUES ('delete', ?, {_PLACES})"
INSERT_CHARS = "INSERT INTO fts_chars (rowid, chars) VALUES (?, ?)"
DELETE_CHARS = "INSERT INTO fts_chars (fts_chars, rowid, chars) VALUES ('delete', ?, ?)"


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, *, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._residents: list[Resident] = []

    # connections -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is not None:
            return db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA cache_size = -65536")  # 64 MiB: FTS5 merges its segments in it
            self._ensure_schema(db)
        except (sqlite3.Error, OSError) as error:
            raise SearchUnavailable(str(error)) from error
        self._local.db = db
        with self._lock:
            self._connections.append(db)
        return db

    def _ensure_schema(self, db: sqlite3.Connection) -> None:
        """Create the tables once; a reader of an index that exists writes nothing (no lock taken)."""
        if self._fingerprint(db) == FINGERPRINT:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            found = self._fingerprint(db)  # another process may have done it while we waited
            if found != FINGERPRINT:
                emptied = found is not None
                if emptied:
                    # Written by other versions of the tokenizers: start empty, search_reindex fills it.
                    logger.warning(
                        "search index %s was written by other tokenizer versions: emptied", self.path
                    )
                    for table in TABLES:
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                # Fewer, larger merges while writing: indexing a third faster, queries unchanged.
                db.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 16)")
                db.execute("INSERT INTO fts (fts, rank) VALUES ('crisismerge', 64)")
                db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema', ?)", (FINGERPRINT,))
                db.execute("INSERT INTO meta (name, value) VALUES ('generation', '0')")
                db.execute("INSERT INTO meta (name, value) VALUES ('epoch', ?)", (uuid.uuid4().hex,))
                if emptied:
                    db.execute("INSERT INTO meta (name, value) VALUES ('emptied', '1')")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _fingerprint(db: sqlite3.Connection) -> str | None:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            return None
        row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        return row[0] if row else ""

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()
        self._residents = []

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                # Stamps the facts this transaction writes (see ``resident``).
                db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'generation'")
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as error:
            raise SearchUnavailable(str(error)) from error

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute("BEGIN")  # one snapshot for every statement of the read
            try:
                yield db
            finally:
                db.execute("COMMIT")
        except sqlite3.Error as error:
            raise SearchUnavailable(str(error)) from error

    # writing -----------------------------------------------------------------------------------

    def index(self, documents: Iterable[IndexDocument]) -> int:
        documents = _distinct(documents)
        if not documents:
            return 0
        if len(documents) < PARALLEL_MIN:
            prepared = [_prepare_all(documents)]  # all of it before the write lock is taken
        else:
            # A helper process prepares the next chunks while this one writes: writing is the slower half.
            prepared = map_chunks(_prepare_all, documents, size=PREPARE_CHUNK)
        now = time.time()
        with self._writing() as db:
            self._write(db, prepared, now)
        return len(documents)

    def _write(self, db: sqlite3.Connection, chunks: Iterable[Sequence[_Prepared]], now: float) -> None:
        """Write records of distinct keys, chunk by chunk as the helper process hands them over.

        FTS5 keeps new rows in memory until the transaction ends, but flushes them to a new
        segment whenever another statement opens a statement journal (an upsert does). A chunk's
        FTS rows therefore come after its other rows: one segment per chunk, not one per record
        (indexing half as fast again).
        """
        for chunk in chunks:
            written, forgotten = self._write_rows(db, chunk, now)
            db.executemany(DELETE_TOKENS, [(doc_id, *columns) for doc_id, *columns, _chars in forgotten])
            db.executemany(DELETE_CHARS, [(doc_id, chars) for doc_id, *_columns, chars in forgotten])
            db.executemany(INSERT_TOKENS, [(doc_id, *item.columns[:-1]) for doc_id, item in written])
            db.executemany(INSERT_CHARS, [(doc_id, item.columns[-1]) for doc_id, item in written])

    def _write_rows(
        self, db: sqlite3.Connection, items: Sequence[_Prepared], now: float
    ) -> tuple[list[tuple[int, _Prepared]], list[tuple]]:
        """Everything but the FTS rows: returns (id, record) of each, and (id, *FTS columns) of the
        versions replaced, which FTS5 must be given to forget them."""
        written: list[tuple[int, _Prepared]] = []
        forgotten: list[tuple] = []
        if not items:
            return written, forgotten
        existing = dict(
            db.execute(
                "SELECT key, id FROM docs WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps([item.document.key for item in items]),),
            )
        )
        fkeys = self._facet_keys(db, {item.facet_key for item in items})
        for item in items:
            doc = item.document
            values = (
                doc.type,
                doc.pk,
                doc.title,
                doc.url,
                doc.keys,
                doc.body,
                doc.summary,
                doc.date.isoformat() if doc.date else None,
                doc.year,
                doc.category,
                doc.authority,
                ORG_SEPARATOR.join(doc.orgs),
                int(doc.access.login),
                int(doc.access.organizer),
                len(doc.access.groups),
                item.visibility,
                now,
            )
            doc_id = existing.get(doc.key)
            if doc_id is None:
                doc_id = db.execute(
                    "INSERT INTO docs (key, type, pk, title, url, keys, body, summary, date, year, category,"
                    " authority, orgs, login, organizer, groups, visibility, indexed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.key, *values),
                ).lastrowid
            else:
                forgotten.append((doc_id, *self._forget_rows(db, doc_id)))
                db.execute(
                    "UPDATE docs SET type = ?, pk = ?, title = ?, url = ?, keys = ?, body = ?, summary = ?,"
                    " date = ?, year = ?, category = ?, authority = ?, orgs = ?, login = ?, organizer = ?,"
                    " groups = ?, visibility = ?, indexed_at = ? WHERE id = ?",
                    (*values, doc_id),
                )
            written.append((doc_id, item))
        db.executemany(
            "INSERT INTO facts (id, login, organizer, groups, fkey, date, gen)"
            " VALUES (?, ?, ?, ?, ?, ?, (SELECT CAST(value AS INTEGER) FROM meta WHERE name = 'generation'))"
            " ON CONFLICT (id) DO UPDATE SET login = excluded.login, organizer = excluded.organizer,"
            " groups = excluded.groups, fkey = excluded.fkey, date = excluded.date, gen = excluded.gen",
            [
                (
                    doc_id,
                    int(item.document.access.login),
                    int(item.document.access.organizer),
                    len(item.document.access.groups),
                    fkeys[item.facet_key],
                    item.date,
                )
                for doc_id, item in written
            ],
        )
        db.executemany(
            "INSERT OR IGNORE INTO access (doc, grp, token) VALUES (?, ?, ?)",
            [
                (doc_id, grp, token)
                for doc_id, item in written
                for grp, group in enumerate(item.document.access.groups)
                for token in group
            ],
        )
        db.executemany(
            "INSERT INTO suggest (doc, kind, text, norm, pinyin, initials, visibility)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, *entry, item.visibility) for doc_id, item in written for entry in item.suggestions],
        )
        return written, forgotten

    @staticmethod
    def _facet_keys(db: sqlite3.Connection, wanted: set[tuple]) -> dict[tuple, int]:
        db.executemany(
            "INSERT OR IGNORE INTO facet_keys (type, category, authority, year, orgs) VALUES (?, ?, ?, ?, ?)",
            wanted,
        )
        found = {}
        for key in wanted:
            (found[key],) = db.execute(
                "SELECT id FROM facet_keys WHERE type = ? AND category = ? AND authority = ? AND year = ?"
                " AND orgs = ?",
                key,
            ).fetchone()
        return found

    def _forget_rows(self, db: sqlite3.Connection, doc_id: int) -> tuple[str, ...]:
        """Drop a record's access and suggestion rows; its FTS columns (for FTS5's delete) are returned."""
        title, keys, body, summary = db.execute(
            "SELECT title, keys, body, summary FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        db.execute("DELETE FROM access WHERE doc = ?", (doc_id,))
        db.execute("DELETE FROM suggest WHERE doc = ?", (doc_id,))
        return token_columns(title, keys, summary, body)

    def _forget(self, db: sqlite3.Connection, doc_id: int) -> None:
        *columns, chars = self._forget_rows(db, doc_id)
        db.execute(DELETE_TOKENS, (doc_id, *columns))
        db.execute(DELETE_CHARS, (doc_id, chars))
        db.execute("DELETE FROM docs WHERE id = ?", (doc_id,))
        db.execute("DELETE FROM facts WHERE id = ?", (doc_id,))

    def delete(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        if not keys:
            return 0
        removed = 0
        with self._writing() as db:
            for key in keys:
                row = db.execute("SELECT id FROM docs WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    self._forget(db, row[0])
                    removed += 1
        return removed

    # searching ---------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        plan = _Plan(request.query.terms)
        if plan.empty:
            return SearchResults(total=0, hits=[], facets={name: [] for name in FACETS})
        with self._reading() as db:
            resident = self._resident(db)
            scope = _Scope(resident, request)
            capped = False
            if plan.filter:
                counts, ordered = plan.words(db, scope)
            else:
                # Only single characters: too common to count in full; see ``_Plan.characters``.
                capped, counts, ordered = plan.characters(db, scope)
            page = ordered[request.offset : request.offset + request.limit]
            hits = self._hits(db, page, request.query.marks())
        return SearchResults(
            total=sum(counts.values()),
            hits=hits,
            facets=_facets(counts, resident.facet_keys),
            capped=capped,
        )

    def _resident(self, db: sqlite3.Connection) -> Resident:
        """The snapshot of this read's generation; kept for the next reads of this process."""
        meta = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('epoch', 'generation')"))
        epoch, generation = meta["epoch"], int(meta["generation"])
        with self._lock:
            kept = [r for r in self._residents if r.epoch == epoch and r.generation <= generation]
        base = max(kept, key=lambda r: r.generation, default=None) or Resident.empty(epoch)
        if base.generation == generation:
            return base
        resident = base.advance(db, generation)
        with self._lock:
            self._residents = [*self._residents[-(KEPT_RESIDENTS - 1) :], resident]
        return resident

    def _hits(self, db: sqlite3.Connection, page: list[tuple], marks: list[str]) -> list[Hit]:
        if not page:
            return []
        ids = [doc_id for doc_id, _score in page]
        placeholders = ", ".join("?" * len(ids))
        texts = {
            row[0]: row
            for row in db.execute(
                "SELECT id, key, type, title, url, date, body, summary, category, authority, keys"
                f" FROM docs WHERE id IN ({placeholders})",
                ids,
            )
        }
        hits = []
        for doc_id, score in page:
            _id, key, type_name, title, url, date, body, summary, category, authority, keys = texts[doc_id]
            hits.append(
                Hit(
                    key=key,
                    type=type_name,
                    title=title,
                    url=url,
                    date=_date(date),
                    score=-score,
                    title_html=highlight.highlight(title, marks),
                    snippet_html=highlight.snippet(body, marks, fallback=summary or keys),
                    category=category,
                    authority=authority,
                )
            )
        return hits

    def suggest(self, prefix: str, *, reader: Reader, limit: int = 8) -> list[Suggestion]:
        norm = normalise(prefix).strip()
        if not norm:
            return []
        visibility = VISIBILITY_MEMBERS if reader.logged_in else VISIBILITY_PUBLIC
        column = "norm"
        if norm.isascii() and norm.isalpha():
            column = "initials" if len(norm) <= 6 else "pinyin"
        compact = norm.replace(" ", "") if column != "norm" else norm
        columns = [column, "pinyin"] if column == "initials" else [column]
        # Short Latin input is both pinyin initials (ddjs) and the start of full pinyin (dang).
        where = " OR ".join(f"(s.{c} >= :low AND s.{c} < :high)" for c in columns)
        params = {"low": compact, "high": compact + "\U0010ffff", "visibility": visibility, "limit": limit}
        with self._reading() as db:
            terms = db.execute(
                "SELECT s.text, count(*) AS n FROM suggest AS s"
                f" WHERE ({where}) AND s.kind = {SUGGEST_TERM} AND s.visibility <= :visibility"
                " GROUP BY s.text ORDER BY n DESC, length(s.text) LIMIT :limit",
                params,
            ).fetchall()
            titles = db.execute(
                "SELECT s.text, d.url FROM suggest AS s JOIN docs AS d ON d.id = s.doc"
                f" WHERE ({where}) AND s.kind = {SUGGEST_TITLE} AND s.visibility <= :visibility"
                " ORDER BY length(s.text), d.date DESC LIMIT :limit",
                params,
            ).fetchall()
        found = [Suggestion(text=text, kind="term") for text, _count in terms if text != norm]
        found = found[: max(limit // 2, limit - len(titles))]
        seen = {s.text for s in found}
        found += [Suggestion(text=text, kind="title", url=url) for text, url in titles if text not in seen]
        return found[:limit]

    def related_terms(self, text: str, *, reader: Reader, limit: int = 5) -> list[str]:
        norm = "".join(normalise(text).split())
        chars = {char for run in RUNS.finditer(norm) for char in run.group(0)}
        if not chars:
            return []
        visibility = VISIBILITY_MEMBERS if reader.logged_in else VISIBILITY_PUBLIC
        candidates: Counter[str] = Counter()
        with self._reading() as db:
            for char in chars:
                for (term,) in db.execute(
                    "SELECT norm FROM suggest WHERE kind = ? AND norm >= ? AND norm < ? AND visibility <= ?"
                    " LIMIT 200",
                    (SUGGEST_TERM, char, char + "\U0010ffff", visibility),
                ):
                    candidates[term] += 1
        scored = []
        for term, frequency in candidates.items():
            if term == norm or len(term) < 2:
                continue
            shared = len(chars & set(term)) / max(len(chars), len(term))
            if shared >= 0.5:
                scored.append((shared, frequency, term))
        scored.sort(reverse=True)
        return [term for _shared, _frequency, term in scored[:limit]]

    # bookkeeping -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._reading() as db:
            return dict(db.execute("SELECT type, count(*) FROM docs GROUP BY type").fetchall())

    def keys(self, type_name: str) -> set[str]:
        with self._reading() as db:
            return {key for (key,) in db.execute("SELECT key FROM docs WHERE type = ?", (type_name,))}

    def restricted_keys(self) -> set[str]:
        with self._reading() as db:
            return {key for (key,) in db.execute("SELECT key FROM docs WHERE groups > 0")}

    def rebuild_start(self, type_name: str, *, resume: bool) -> RebuildState:
        name = f"rebuild:{type_name}"
        with self._writing() as db:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
            if resume and row is not None:
                saved = json.loads(row[0])
                return RebuildState(type_name, saved["started_at"], saved["after_pk"], target=name)
            state = RebuildState(type_name, time.time(), 0, target=name)
            _save_state(db, state)
        return state

    def rebuild_write(self, state: RebuildState, documents: Sequence[IndexDocument]) -> None:
        prepared = [_Prepared(document) for document in _distinct(documents)]
        now = time.time()
        with self._writing() as db:
            self._write(db, [prepared], now)
            _save_state(db, state)

    def rebuild_finish(self, state: RebuildState) -> int:
        with self._writing() as db:
            stale = [
                doc_id
                for (doc_id,) in db.execute(
                    "SELECT id FROM docs WHERE type = ? AND indexed_at < ?",
                    (state.type_name, state.started_at),
                )
            ]
            for doc_id in stale:
                self._forget(db, doc_id)
            db.execute("DELETE FROM meta WHERE name = ?", (state.target,))
        return len(stale)

    def rebuilding(self) -> bool:
        with self._reading() as db:
            sql = "SELECT 1 FROM meta WHERE name = 'emptied' OR name LIKE 'rebuild:%' LIMIT 1"
            return db.execute(sql).fetchone() is not None

    def rebuild_done(self) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM meta WHERE name = 'emptied'")

    def status(self) -> str:
        with self._reading() as db:
            (count,) = db.execute("SELECT count(*) FROM docs").fetchone()
        return f"embedded (sqlite fts5, {count} records)"


def _distinct(documents: Iterable[IndexDocument]) -> list[IndexDocument]:
    """One record per key, the last given (a key written twice in one transaction would be
    forgotten from FTS before its first version is there)."""
    return list({document.key: document for document in documents}.values())


def _save_state(db: sqlite3.Connection, state: RebuildState) -> None:
    db.execute(
        "INSERT INTO meta (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (state.target, json.dumps({"started_at": state.started_at, "after_pk": state.after_pk})),
    )


class _Prepared:
    """A record's token columns and suggestion rows: computed before the write transaction, or for
    large batches by the helper process while the transaction writes the chunks before."""

    __slots__ = ("document", "columns", "suggestions", "visibility", "facet_key", "date")

    def __init__(self, document: IndexDocument) -> None:
        self.document = document
        self.columns = token_columns(document.title, document.keys, document.summary, document.body)
        self.facet_key = (
            document.type,
            document.category,
            document.authority,
            document.year or 0,
            ORG_SEPARATOR.join(document.orgs),
        )
        self.date = document.date.isoformat() if document.date else ""
        access = document.access
        if not access.is_open:
            self.visibility = VISIBILITY_RESTRICTED
        else:
            self.visibility = VISIBILITY_MEMBERS if access.login else VISIBILITY_PUBLIC
        self.suggestions = _suggestions(document.title, normalise(document.title)) if access.is_open else []


def _prepare_all(documents: Sequence[IndexDocument]) -> list[_Prepared]:
    return [_Prepared(document) for document in documents]


def token_columns(title: str, keys: str, summary: str, body: str) -> tuple[str, ...]:
    """The FTS columns of a record, then its characters. Deterministic: deleting a row recomputes
    what was indexed, and ``FINGERPRINT`` empties an index written by other library versions."""
    title, keys, body = normalise(title), normalise(keys), normalise(f"{summary}\n{body}")
    return (
        " ".join(words(title)),
        " ".join(grams(title)),
        " ".join(words(keys)),
        " ".join(grams(keys)),
        " ".join(grams(body)),
        " ".join(
            sorted(set(CJK_CHARS.findall(f"{title} {keys} {body}")))
            + sorted({TITLE_MARK + char for char in CJK_CHARS.findall(title)})
        ),
    )


def _suggestions(title: str, normalised: str) -> list[tuple]:
    entries = [(SUGGEST_TITLE, title, normalised, *pinyin_keys(normalised))]
    for word in dict.fromkeys(words(normalised)):
        if len(word) >= 2 and word != normalised and word not in STOP_WORDS:
            entries.append((SUGGEST_TERM, word, word, *pinyin_keys(word)))
    return entries


class _Scope:
    """What one request may count and see: the reader's access and the chosen facet values."""

    def __init__(self, resident: Resident, request: SearchRequest) -> None:
        self.resident = resident
        self.reader = request.reader
        self.allowed = resident.allowed(
            partial(_chosen, request) if request.types or request.filters else None
        )
        self.newest = request.sort == "newest"
        self.end = request.offset + request.limit

    def readable(self, rowids: Sequence[int]) -> tuple[dict[int, int], list[int]]:
        return self.resident.readable(rowids, self.reader, self.allowed)


class _Plan:
    """How a query runs: terms through ``fts``, lone characters through ``fts_chars``.

    Every query counts all its readable matches per facet key (totals and facets are exact). Up to
    ``EXACT_LIMIT`` readable matches are ranked by bm25; beyond that, title matches ranked by bm25
    come first and the other matches follow newest first: ranking tens of thousands of rows would
    cost more than the whole query may take. Access and facet keys are checked in memory
    (``resident``), not joined.
    """

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = terms
        lone = [lone_character(term) for term in terms]
        others = [term for term, char in zip(terms, lone, strict=True) if not char]
        chars = list(dict.fromkeys(c for c in lone if c))
        self.filter = match_expression(others)
        self.chars = " AND ".join(f'"{char}"' for char in chars)
        self.title_chars = " AND ".join(f'"{TITLE_MARK}{char}"' for char in chars)
        self.empty = not (self.filter or self.chars)
        # Lone characters next to other terms narrow the fts query through fts_chars.
        self.narrow, self.narrow_params = "", []
        if self.filter and self.chars:
            # The unary + keeps SQLite from driving the fts query row by row from this list.
            self.narrow = " AND +fts.rowid IN (SELECT rowid FROM fts_chars WHERE fts_chars MATCH ?)"
            self.narrow_params = [self.chars]

    def words(self, db: sqlite3.Connection, scope: _Scope) -> tuple[dict[int, int], list[tuple]]:
        if self._few(db):
            scores = dict(self._scored(db, self.filter))
            counts, readable = scope.readable(list(scores))
            return counts, self._ranked(scope, readable, scores)
        sql = f"SELECT json_group_array(rowid) FROM fts WHERE fts MATCH ?{self.narrow}"
        (found,) = db.execute(sql, (self.filter, *self.narrow_params)).fetchone()
        counts, readable = scope.readable(json.loads(found))
        if len(readable) <= EXACT_LIMIT:
            scores = dict(self._scored(db, self.filter, after=min(readable, default=0)))
            return counts, self._ranked(scope, readable, scores)
        return counts, self._large(db, scope, readable)

    def _few(self, db: sqlite3.Connection) -> bool:
        """Whether the query matches at most ``EXACT_LIMIT`` records, readable or not (cheap to ask)."""
        sql = f"SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ?{self.narrow} LIMIT ?)"
        (count,) = db.execute(sql, (self.filter, *self.narrow_params, EXACT_LIMIT + 1)).fetchone()
        return count <= EXACT_LIMIT

    def _scored(self, db: sqlite3.Connection, expression: str, *, after: int = 0) -> list[tuple[int, float]]:
        """(id, bm25) of the matches of ``expression`` from id ``after`` on; lower bm25 is better."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        sql = f"SELECT rowid, bm25(fts, {weights}) FROM fts WHERE fts MATCH ?{self.narrow} AND rowid >= ?"
        return db.execute(sql, (expression, *self.narrow_params, after)).fetchall()

    @staticmethod
    def _ranked(scope: _Scope, readable: list[int], scores: dict[int, float]) -> list[tuple]:
        """(id, score) of the first ``scope.end`` readable matches, best first (or newest first); date
        breaks ties."""
        ordered = scope.resident.by_date(readable)
        if not scope.newest:
            ordered.sort(key=scores.__getitem__)
        return [(rowid, -scores[rowid]) for rowid in ordered[: scope.end]]

    def _large(self, db: sqlite3.Connection, scope: _Scope, readable: list[int]) -> list[tuple]:
        """The first ``scope.end`` of many matches: title matches by bm25, then the others newest first."""
        if scope.newest:
            return [(rowid, 0.0) for rowid in scope.resident.newest(readable, scope.end)]
        scores = dict(self._scored(db, match_expression(self.terms, TITLE_COLUMNS)))
        _counts, in_title = scope.readable(sorted(scores))
        in_title.sort(key=scores.__getitem__)
        first = [(rowid, -scores[rowid]) for rowid in in_title[: scope.end]]
        if len(first) >= scope.end:
            return first
        seen = set(in_title)
        rest = scope.resident.newest(readable, scope.end + len(seen))
        return first + [(rowid, 0.0) for rowid in rest if rowid not in seen][: scope.end - len(first)]

    def characters(self, db: sqlite3.Connection, scope: _Scope) -> tuple[bool, dict[int, int], list[tuple]]:
        """A query of single characters: title matches first, then the others newest first.

        Up to ``EXACT_LIMIT`` matches are all counted. More (one common character is in most
        records): the newest ``EXACT_LIMIT`` matches and the title matches stand for them, and the
        counts are lower bounds. The recall promise (every record containing the text) is for
        two characters or more.
        """
        sql = (
            "SELECT json_group_array(rowid) FROM"
            " (SELECT rowid FROM fts_chars WHERE fts_chars MATCH ? ORDER BY rowid DESC LIMIT ?)"
        )
        (found,) = db.execute(sql, (self.chars, EXACT_LIMIT + 1)).fetchone()
        newest_ids = json.loads(found)
        (found,) = db.execute(sql, (self.title_chars, EXACT_LIMIT)).fetchone()
        in_title = set(json.loads(found))
        capped = len(newest_ids) > EXACT_LIMIT
        candidates = sorted(in_title.union(newest_ids[:EXACT_LIMIT]))
        counts, readable = scope.readable(candidates)
        newest = scope.resident.newest
        if scope.newest:
            ordered = newest(readable, scope.end)
        else:
            ordered = newest(list(filter(in_title.__contains__, readable)), scope.end)
            if len(ordered) < scope.end:
                others = list(filterfalse(in_title.__contains__, readable))
                ordered += newest(others, scope.end - len(ordered))
        return capped, counts, [(rowid, 0.0) for rowid in ordered]


@dataclass(frozen=True)
class _Columns:
    grams: str
    words: str


ALL_COLUMNS = _Columns(grams="title_g keys_g body_g", words="title_w keys_w")
TITLE_COLUMNS = _Columns(grams="title_g", words="title_w")


def lone_character(term: Term) -> str:
    """The character of a term that is one CJK character and nothing else, or ''."""
    runs = list(RUNS.finditer(term.text))
    if len(runs) == 1 and runs[0].group(1) is not None and len(runs[0].group(1)) == 1:
        return runs[0].group(1)
    return ""


def _phrase(text: str, columns: _Columns = ALL_COLUMNS) -> str:
    """FTS5 phrase of ``text``'s grams. Letters and digits match whole words, as in Elasticsearch.

    A lone CJK character at the end may begin a bigram in a document: it is a prefix. Without a
    prefix index that is slow for common characters: a term that is one character alone is
    matched through ``fts_chars`` (see ``EmbeddedBackend.search``) and only ranked with this.
    """
    tokens = grams(text, open_end=True)
    if not tokens:
        return ""
    last = list(RUNS.finditer(text))[-1].group(1)
    parts = [f'"{token}"' for token in tokens]
    if last is not None and len(last) == 1:
        parts[-1] += " *"
    return "{" + columns.grams + "} : (" + " + ".join(parts) + ")"


def _word(word: str, columns: _Columns = ALL_COLUMNS) -> str:
    return "{" + columns.words + '} : "' + word + '"'


def match_expression(terms: Sequence[Term], columns: _Columns = ALL_COLUMNS) -> str:
    """Every term, as a phrase or as its words apart (``Term.apart``); whole words rank higher.

    A word found by the ``*_w`` columns is also a substring, so ``G(w) OR W(w)`` matches what
    ``G(w)`` matches; the words apart match a superset of the phrase, so OR-ing the phrase with
    them only adds its score to documents that have the exact phrase. Recall of the exact text is
    therefore complete whatever the segmentation.
    """
    clauses = []
    for term in terms:
        phrase = _phrase(term.text, columns)
        if not phrase:
            continue
        options = [phrase]
        if term.words == (term.text,) and grams(term.text, open_end=True) == [term.text]:
            # A two-character word is its own one bigram: one phrase on every column ranks it alike
            # with half the work (bm25 reads every phrase's matches once more for its weight).
            clauses.append("{" + f"{columns.words} {columns.grams}" + '} : "' + term.text + '"')
            continue
        if term.words == (term.text,):
            options.append(_word(term.text, columns))
        elif term.apart:
            parts = [f"({_phrase(word, columns)} OR {_word(word, columns)})" for word in term.apart]
            options.append("(" + " AND ".join(parts) + ")")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses)


def _chosen(
    request: SearchRequest, type_name: str, category: str, authority: str, year: int, orgs: str
) -> bool:
    if request.types and type_name not in request.types:
        return False
    chosen = request.filters
    return (
        chosen.get("type", type_name) == type_name
        and chosen.get("category", category) == category
        and chosen.get("authority", authority) == authority
        and chosen.get("year", str(year)) == str(year)
        and ("org" not in chosen or chosen["org"] in orgs.split(ORG_SEPARATOR))
    )


def _facets(counts: dict[int, int], facet_keys: dict[int, tuple]) -> dict[str, list[FacetValue]]:
    types, categories, authorities, years, orgs = (Counter() for _name in FACETS)
    for fkey, count in counts.items():  # hundreds of keys per query: as little as possible per key
        type_name, category, authority, year, units = facet_keys[fkey]
        types[type_name] += count
        categories[category] += count
        authorities[authority] += count
        years[year] += count
        if units:
            for org in units.split(ORG_SEPARATOR):
                orgs[org] += count
    categories.pop("", None)
    authorities.pop("", None)
    years.pop(0, None)
    counters = (types, categories, authorities, Counter({str(y): n for y, n in years.items()}), orgs)
    return {
        name: [
            FacetValue(value, count) for value, count in sorted(counter.items(), key=lambda i: (-i[1], i[0]))
        ]
        for name, counter in zip(FACETS, counters, strict=True)
    }


def _date(value: str | None):
    import datetime

    return datetime.date.fromisoformat(value) if value else None
