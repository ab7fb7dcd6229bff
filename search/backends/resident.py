"""What the embedded backend knows of every record's access and facets, resident in memory.

Counting thousands of matches per facet key and picking the newest readable ones took most of a
query as a join of the FTS rowids with ``facts``. Held here as arrays indexed by record id, the
same work is a few passes in C (``itemgetter``, ``Counter``, ``compress``, ``heapq``).

Each snapshot belongs to one generation of the index file: every write transaction bumps
``meta.generation`` and stamps the ``facts`` rows it writes with it. A reader brings a snapshot up
to its own generation by reading only the rows stamped since, inside its read transaction, so the
matches and the facts it sees are of the same moment. Records deleted since keep their stale
entries: FTS never returns their ids again, and an id given out again is stamped when written.
``meta.epoch`` changes when the file's tables are created again; snapshots of another epoch are
not reused.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from itertools import compress
from operator import itemgetter

from search.documents import Reader

# codes[id]: fkey << 2 | login << 1 | organizer for a record without access groups; for one with
# groups, -n where ``signatures[n]`` holds its facet key and rules; 0 for an id never written.
ABSENT = 0
DECISIONS_KEPT = 32  # readers whose decision tables a process keeps (see ``Resident.readable``)
Signature = tuple[int, int, int, tuple[frozenset[str], ...]]  # fkey, login, organizer, token sets


class Resident:
    __slots__ = ("epoch", "generation", "codes", "order", "signatures", "numbers", "facet_keys", "decisions")

    def __init__(
        self,
        *,
        epoch: str,
        generation: int,
        codes: array,
        order: array,
        signatures: list[Signature],
        numbers: dict[Signature, int],
        facet_keys: dict[int, tuple],
        decisions: Decisions,
    ) -> None:
        self.epoch = epoch
        self.generation = generation
        self.codes = codes  # see above
        self.order = order  # yyyymmdd << 32 | id: newest first is largest first
        # Records with access groups share a code per distinct rule, so counting stays per code.
        # Both only grow (shared by the snapshots of one epoch): a snapshot never sees a later number.
        self.signatures = signatures
        self.numbers = numbers
        self.facet_keys = facet_keys  # fkey -> (type, category, authority, year, orgs)
        self.decisions = decisions  # shared by the snapshots of one epoch, as ``signatures``

    @classmethod
    def empty(cls, epoch: str) -> Resident:
        return cls(
            epoch=epoch,
            generation=-1,
            codes=array("q"),
            order=array("q"),
            signatures=[(0, 0, 0, ())],  # number 0 is never used: -0 would be ABSENT
            numbers={},
            facet_keys={},
            decisions=Decisions(),
        )

    def advance(self, db: sqlite3.Connection, generation: int) -> Resident:
        """A new snapshot with the facts written after this one's generation (the reader's own view)."""
        rows = db.execute(
            "SELECT id, CASE WHEN groups > 0 THEN 0 ELSE (fkey << 2) | (login << 1) | organizer END,"
            " (CAST(replace(date, '-', '') AS INTEGER) << 32) | id FROM facts WHERE gen > ?",
            (self.generation,),
        ).fetchall()
        codes, order = array("q", self.codes), array("q", self.order)
        size = max((row[0] for row in rows), default=0) + 1
        if size > len(codes):
            zeros = bytes(codes.itemsize * (size - len(codes)))
            codes.frombytes(zeros)
            order.frombytes(zeros)
        for doc_id, code, key in rows:
            codes[doc_id] = code
            order[doc_id] = key
        for doc_id, signature in _signatures(db, self.generation):
            number = self.numbers.get(signature)
            if number is None:
                number = self.numbers[signature] = len(self.signatures)
                self.signatures.append(signature)
            codes[doc_id] = -number
        facet_keys = dict(self.facet_keys)
        newest_key = max(facet_keys, default=0)
        for fkey, *values in db.execute("SELECT * FROM facet_keys WHERE id > ?", (newest_key,)):
            facet_keys[fkey] = tuple(values)
        return Resident(
            epoch=self.epoch,
            generation=generation,
            codes=codes,
            order=order,
            signatures=self.signatures,
            numbers=self.numbers,
            facet_keys=facet_keys,
            decisions=self.decisions,
        )

    def readable(
        self, rowids: Sequence[int], reader: Reader, allowed: set[int] | None
    ) -> tuple[dict[int, int], Sequence[int]]:
        """Counts per facet key of the matches ``reader`` may open (of the chosen keys), and their ids.

        Two lookups per match in C: record id to code, code to the reader's decision (its facet
        key, or ``ABSENT``); Python only loops over the distinct facet keys.
        """
        if not rowids:
            return {}, []
        table = self._table(reader)
        if len(rowids) > 1:
            fkeys = itemgetter(*itemgetter(*rowids)(self.codes))(table)
        else:
            fkeys = (table[self.codes[rowids[0]]],)
        counts = Counter(fkeys)
        counts.pop(ABSENT, None)
        if allowed is not None:
            for fkey in [fkey for fkey in counts if fkey not in allowed]:
                del counts[fkey]
        if counts.total() == len(rowids):
            return dict(counts), rowids
        return dict(counts), list(compress(rowids, map(counts.__contains__, fkeys)))

    def _table(self, reader: Reader) -> list[int]:
        """The reader's decision for every code: ``table[code]`` for a record without access groups,
        ``table[-n]`` (counted from the end) for signature ``n``."""
        positive = (max(self.facet_keys, default=0) + 1) << 2
        signatures = len(self.signatures)
        kept = self.decisions.get(reader)
        if kept is not None and kept[0] >= positive and kept[1] >= signatures:
            return kept[2]
        table = [self._fkey_if_readable(code, reader) for code in range(positive)]
        table += [self._fkey_if_readable(-number, reader) for number in range(signatures - 1, 0, -1)]
        self.decisions.put(reader, (positive, signatures, table))
        return table

    def _fkey_if_readable(self, code: int, reader: Reader) -> int:
        if code > 0:
            fkey, login, organizer, groups = code >> 2, code >> 1 & 1, code & 1, ()
        elif code < 0:
            fkey, login, organizer, groups = self.signatures[-code]
        else:
            return ABSENT
        if reader.everything:
            return fkey
        if login > reader.logged_in or organizer > reader.organizer:
            return ABSENT
        if any(group.isdisjoint(reader.tokens) for group in groups):
            return ABSENT
        return fkey

    def newest(self, rowids: Sequence[int], count: int) -> list[int]:
        return heapq.nlargest(count, rowids, key=self.order.__getitem__)

    def by_date(self, rowids: Sequence[int]) -> list[int]:
        return sorted(rowids, key=self.order.__getitem__, reverse=True)

    def allowed(self, chosen: Callable[..., bool] | None) -> set[int] | None:
        """The facet keys whose values ``chosen`` accepts; None when nothing is chosen."""
        if chosen is None:
            return None
        return {fkey for fkey, values in self.facet_keys.items() if chosen(*values)}


class Decisions:
    """Decision tables of the most recent readers (an LRU shared by threads)."""

    def __init__(self) -> None:
        self._tables: OrderedDict[Reader, tuple[int, int, list[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reader: Reader) -> tuple[int, int, list[int]] | None:
        with self._lock:
            kept = self._tables.get(reader)
            if kept is not None:
                self._tables.move_to_end(reader)
            return kept

    def put(self, reader: Reader, entry: tuple[int, int, list[int]]) -> None:
        with self._lock:
            self._tables[reader] = entry
            self._tables.move_to_end(reader)
            while len(self._tables) > DECISIONS_KEPT:
                self._tables.popitem(last=False)


def _signatures(db: sqlite3.Connection, generation: int) -> list[tuple[int, Signature]]:
    """(id, signature) of the records with access groups written after ``generation``."""
    rows = db.execute(
        "SELECT id, fkey, login, organizer, groups FROM facts WHERE gen > ? AND groups > 0", (generation,)
    ).fetchall()
    if not rows:
        return []
    tokens: dict[int, list[set[str]]] = {row[0]: [set() for _group in range(row[4])] for row in rows}
    for doc_id, grp, token in db.execute(
        "SELECT doc, grp, token FROM access WHERE doc IN (SELECT value FROM json_each(?))",
        (json.dumps(list(tokens)),),
    ):
        tokens[doc_id][grp].add(token)
    return [
        (doc_id, (fkey, login, organizer, tuple(frozenset(group) for group in tokens[doc_id])))
        for doc_id, fkey, login, organizer, _groups in rows
    ]
