"""The Elasticsearch backend: one index per type behind aliases, swapped atomically by a rebuild.

Names, for a prefix ``p`` and a type ``t``:
- ``p-t-<YYYYmmddHHMMSS>`` (UTC): a concrete index holding the records of one type;
- ``p-t`` (the live alias): the index that answers queries and receives writes;
- ``p--all``: every live index, so a search over all types is one request and never reads an
  index that is still being filled;
- ``p-t--rebuild``: the index a rebuild is filling. Live writes go to it as well as to the live
  index, so an edit made during a long rebuild is not lost when the aliases move. Its progress (the
  last primary key written) is kept in the index's mapping ``_meta``, which ``resume`` reads.

Writes go through aliases with ``require_alias``: a write racing an alias swap fails and is sent
again instead of silently creating an index with dynamic mappings.

Analysis applies ``search.text.normalise`` itself (a ``mapping`` char filter built from the same
table), character for character, so highlights land on the text as written. Recall uses the
``.chars`` sub-fields (one token per CJK character) with phrase queries, exactly the substring rule
of the embedded backend; ranking uses bigrams (or a word analyzer) on the main fields.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _
from elastic_transport import ApiResponse, TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch.dsl import Boolean, Completion, Date, Integer, Keyword, Long, Mapping, Text
from elasticsearch.dsl import analyzer as dsl_analyzer
from elasticsearch.dsl import char_filter as dsl_char_filter
from elasticsearch.dsl import token_filter as dsl_token_filter
from elasticsearch.helpers import BulkIndexError, ScanError

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
from search.documents import MAX_ACCESS_GROUPS, IndexDocument, Reader, split_key
from search.text import RUNS, STOP_WORDS, Term, normalisation_pairs, normalise, pinyin_keys, words

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"  # stored in each index's _meta; bump when the mapping changes (then rebuild)

TEXT_FIELDS = ("title", "keys", "summary", "body")
BOOSTS = {"title": 10, "keys": 5, "summary": 2, "body": 1}
FACET_FIELDS = {
    "type": "type",
    "category": "category",
    "authority": "authority",
    "year": "year",
    "org": "orgs",
}
FACET_SIZE = 50

NORMALISE_FILTER = "school_normalise"
CJK_ANALYZER = "school_cjk"  # bigrams: ranking, and the main fields without a word analyzer
CHARS_ANALYZER = "school_chars"  # one token per CJK character: recall (substrings)
SUGGEST_ANALYZER = "school_suggest"  # the whole normalised input: completion prefixes
WORDS_ANALYZER = "school_words"  # a plugin's word tokenizer behind our normalisation
# Analyzers of common Chinese plugins whose tokenizer can be wrapped with our char filter, so
# traditional and full-width text is segmented like its normal form. Others are used as named.
WORD_TOKENIZERS = {"smartcn": "smartcn_tokenizer", "ik_max_word": "ik_max_word", "ik_smart": "ik_smart"}

VISIBILITY = "visibility"
PUBLIC, MEMBERS = "public", "members"
# Stands for an empty access group, which no reader meets (an absent field would admit everyone).
NO_TOKEN = "!none"

SNIPPET_CHARS = 120
MAX_ANALYZED_OFFSET = 1_000_000  # highlight the start of huge bodies instead of failing the query
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages are empty rather than an error
SOURCE_FIELDS = ["key", "type", "title", "url", "date", "category", "authority", "summary"]

# A rebuild fills its index without refreshes or replicas; finishing restores these.
BUILD_SETTINGS = {"refresh_interval": "-1", "number_of_replicas": 0, "auto_expand_replicas": "false"}
LIVE_SETTINGS = {"refresh_interval": "1s", "auto_expand_replicas": "0-1"}

REQUEST_TIMEOUT = 5  # queries: a slow cluster shows the "search unavailable" notice quickly
WRITE_TIMEOUT = 120  # bulk writes of long texts, index creation, refreshes

_ERRORS = (ApiError, TransportError, BulkIndexError, ScanError)
_TIMESTAMP = "%Y%m%d%H%M%S"


# analysis and mapping ------------------------------------------------------------------------------


def _mappable(char: str) -> bool:
    """Characters a ``mapping`` rule can carry: the rule syntax trims whitespace and splits at =>."""
    return not (char.isspace() or char in "=>" or unicodedata.category(char).startswith("C"))


def _rule_char(char: str) -> str:
    return "\\\\" if char == "\\" else char  # the rule parser reads backslash escapes


@functools.cache
def char_filter_mappings() -> tuple[str, ...]:
    """``search.text``'s normalisation as ``mapping`` char filter rules ("黨 => 党")."""
    return tuple(
        f"{_rule_char(source)} => {_rule_char(target)}"
        for source, target in sorted(normalisation_pairs().items())
        if _mappable(source) and _mappable(target)
    )


def main_analyzer(word_analyzer: str) -> str:
    """The main text fields' analyzer: the word analyzer when configured, else bigrams."""
    if not word_analyzer:
        return CJK_ANALYZER
    return WORDS_ANALYZER if word_analyzer in WORD_TOKENIZERS else word_analyzer


def _analyzers(word_analyzer: str) -> list:
    normalise_filter = dsl_char_filter(NORMALISE_FILTER, "mapping", mappings=list(char_filter_mappings()))
    bigrams = dsl_token_filter("school_bigram", "cjk_bigram", output_unigrams=False)
    found = [
        dsl_analyzer(
            CJK_ANALYZER,
            tokenizer="standard",
            char_filter=[normalise_filter],
            filter=["lowercase", "cjk_width", bigrams],
        ),
        dsl_analyzer(
            CHARS_ANALYZER, tokenizer="standard", char_filter=[normalise_filter], filter=["lowercase"]
        ),
        dsl_analyzer(
            SUGGEST_ANALYZER, tokenizer="keyword", char_filter=[normalise_filter], filter=["lowercase"]
        ),
    ]
    tokenizer = WORD_TOKENIZERS.get(word_analyzer)
    if tokenizer:
        found.append(
            dsl_analyzer(
                WORDS_ANALYZER,
                tokenizer=tokenizer,
                char_filter=[normalise_filter],
                filter=["lowercase", "cjk_width"],
            )
        )
    return found


def index_settings(word_analyzer: str = "") -> dict[str, Any]:
    """Settings of a new index: one shard (the indexes are small) and our analysis chain."""
    analysis: dict[str, dict[str, Any]] = {}
    for item in _analyzers(word_analyzer):
        for section, entries in item.get_analysis_definition().items():
            analysis.setdefault(section, {}).update(entries)
    return {"number_of_shards": 1, "analysis": analysis}


def mapping(word_analyzer: str = "") -> dict[str, Any]:
    """Field mapping of every type's index; texts keep the original, analysis normalises it.

    ``dynamic: false``: a field added to the records before a rebuild is kept in ``_source`` but
    does not break writes.
    """
    fields = Mapping()
    fields.meta("dynamic", "false")
    fields.meta("_meta", {"schema": SCHEMA_VERSION, "word_analyzer": word_analyzer})
    for name in TEXT_FIELDS:
        sub_fields = {"chars": Text(analyzer=CHARS_ANALYZER)}
        if word_analyzer:
            sub_fields["cjk"] = Text(analyzer=CJK_ANALYZER)
        fields.field(name, Text(analyzer=main_analyzer(word_analyzer), fields=sub_fields))
    for name in ("key", "type", "category", "authority", "orgs"):
        fields.field(name, Keyword())
    fields.field("url", Keyword(index=False, doc_values=False))
    fields.field("date", Date())
    fields.field("year", Integer())
    fields.field("pk", Long())
    for name in ("login", "organizer", "open", "open_members"):
        fields.field(name, Boolean())
    for group in range(MAX_ACCESS_GROUPS):
        fields.field(f"access_{group}", Keyword())
    fields.field(
        "suggest",
        Completion(analyzer=SUGGEST_ANALYZER, contexts=[{"name": VISIBILITY, "type": "category"}]),
    )
    return fields.to_dict()


# records ---------------------------------------------------------------------------------------------


def _printable(text: str) -> str:
    """Without control characters (the completion field rejects some of them)."""
    return "".join(char for char in text if unicodedata.category(char) != "Cc")


def suggest_entry(document: IndexDocument) -> dict[str, Any] | None:
    """Completion inputs of a record open to every logged-in reader; None for restricted records.

    Inputs: the title, its pinyin and pinyin initials, and its words, so 党的, dangde, ddjs and
    建设 all complete 党的建设…. Shorter titles weigh more.
    """
    access = document.access
    if not access.is_open:
        return None
    title = " ".join(_printable(document.title).split())
    normalised = normalise(title)
    inputs = [title, *pinyin_keys(normalised)]
    inputs += [word for word in words(normalised) if len(word) >= 2 and word not in STOP_WORDS]
    inputs = list(dict.fromkeys(text for text in inputs if text))
    if not inputs:
        return None
    return {
        "input": inputs,
        "weight": max(1, 100 - len(title)),
        "contexts": {VISIBILITY: [MEMBERS if access.login else PUBLIC]},
    }


def document_source(document: IndexDocument) -> dict[str, Any]:
    """The stored record: original texts, facet values, access columns and completion inputs."""
    access = document.access
    source: dict[str, Any] = {
        "key": document.key,
        "type": document.type,
        "pk": document.pk,
        "title": document.title,
        "url": document.url,
        "keys": document.keys,
        "body": document.body,
        "summary": document.summary,
        "date": document.date.isoformat() if document.date else None,
        "year": document.year,
        "category": document.category or None,  # no empty facet values
        "authority": document.authority or None,
        "orgs": [org for org in document.orgs if org],
        "login": access.login,
        "organizer": access.organizer,
        "open": access.is_open and not access.login,
        "open_members": access.is_open,
    }
    for group, tokens in enumerate(access.groups):
        source[f"access_{group}"] = sorted(tokens) or [NO_TOKEN]
    suggest = suggest_entry(document)
    if suggest is not None:
        source["suggest"] = suggest
    return {name: value for name, value in source.items() if value is not None}


# queries -----------------------------------------------------------------------------------------------


def access_filter(reader: Reader) -> list[dict[str, Any]]:
    """``Access.allows`` as filter clauses: hits, totals and facets only count readable records."""
    if reader.everything:
        return []
    clauses: list[dict[str, Any]] = []
    if not reader.logged_in:
        clauses.append({"term": {"login": False}})
    if not reader.organizer:
        clauses.append({"term": {"organizer": False}})
    tokens = sorted(reader.tokens)
    for group in range(MAX_ACCESS_GROUPS):
        field = f"access_{group}"
        absent = {"bool": {"must_not": [{"exists": {"field": field}}]}}
        if tokens:
            clauses.append(
                {"bool": {"should": [absent, {"terms": {field: tokens}}], "minimum_should_match": 1}}
            )
        else:
            clauses.append(absent)
    return clauses


def facet_filter(filters: dict[str, str]) -> list[dict[str, Any]]:
    """Chosen facet values; unknown facet names are ignored, a malformed year matches nothing."""
    clauses: list[dict[str, Any]] = []
    for name, value in filters.items():
        field = FACET_FIELDS.get(name)
        if field is None:
            continue
        if name == "year":
            if not str(value).isdigit():
                clauses.append({"match_none": {}})
                continue
            value = int(value)
        clauses.append({"term": {field: value}})
    return clauses


def _phrases(text: str) -> list[dict[str, Any]]:
    """``text`` as a phrase of single characters (and Latin words) on each ``.chars`` sub-field."""
    return [
        {"match_phrase": {f"{field}.chars": {"query": text, "boost": BOOSTS[field]}}} for field in TEXT_FIELDS
    ]


def recall_clause(term: Term) -> dict[str, Any]:
    """What a hit must contain for ``term``: its text as a substring of any text field, or each of
    its words apart (``Term.apart``) as a substring of any text field, like the embedded backend."""
    options = _phrases(term.text)
    if term.apart:
        apart = [{"bool": {"should": _phrases(word), "minimum_should_match": 1}} for word in term.apart]
        options.append({"bool": {"must": apart}})
    return {"bool": {"should": options, "minimum_should_match": 1}}


def ranking_clauses(term: Term, word_analyzer: str = "") -> list[dict[str, Any]]:
    """Scores only: the phrase and its overlap on the main fields (bigrams or words), title first."""
    main = [f"{field}^{BOOSTS[field]}" for field in TEXT_FIELDS]
    clauses: list[dict[str, Any]] = [
        {"multi_match": {"query": term.text, "type": "phrase", "fields": main}},
        {"multi_match": {"query": term.text, "type": "best_fields", "fields": main}},
    ]
    if word_analyzer:
        cjk = [f"{field}.cjk^{BOOSTS[field]}" for field in TEXT_FIELDS]
        clauses.append({"multi_match": {"query": term.text, "type": "phrase", "fields": cjk}})
    return clauses


def highlight_settings() -> dict[str, Any]:
    """Highlight the ``.chars`` sub-fields: offsets there are offsets in the text as written.

    The title is returned whole; body, summary and keys as one passage, or their start without a
    match (the hit mapping chooses which one becomes the snippet).
    """
    passage = {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1, "no_match_size": SNIPPET_CHARS}
    return {
        "type": "unified",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "boundary_scanner": "sentence",
        "boundary_scanner_locale": "zh-CN",
        "max_analyzed_offset": MAX_ANALYZED_OFFSET,
        "fields": {
            "title.chars": {"number_of_fragments": 0},
            "body.chars": dict(passage),
            "summary.chars": dict(passage),
            "keys.chars": dict(passage),
        },
    }


def query_body(
    request: SearchRequest, types: Sequence[str] = (), *, word_analyzer: str = ""
) -> dict[str, Any]:
    """The search request body: recall in ``must``, ranking in ``should``, access in ``filter``.

    ``types`` restricts the hits (the backend also searches only those aliases).
    """
    terms = request.query.terms
    must = [recall_clause(term) for term in terms] or [{"match_none": {}}]
    should = [clause for term in terms for clause in ranking_clauses(term, word_analyzer)]
    filters = access_filter(request.reader) + facet_filter(request.filters)
    if types:
        filters.append({"terms": {"type": sorted(types)}})
    query: dict[str, Any] = {"must": must, "filter": filters}
    if should:
        query["should"] = should
    by_date = {"date": {"order": "desc", "missing": "_last"}}
    by_score = {"_score": {"order": "desc"}}
    sort = [by_date, by_score] if request.sort == "newest" else [by_score, by_date]
    offset = min(max(request.offset, 0), MAX_WINDOW)
    size = max(0, min(request.limit, MAX_WINDOW - offset))
    return {
        "query": {"bool": query},
        "sort": [*sort, {"key": {"order": "asc"}}],
        "track_scores": True,
        "track_total_hits": True,
        "from": offset,
        "size": size,
        "_source": SOURCE_FIELDS,
        "aggs": {name: {"terms": {"field": FACET_FIELDS[name], "size": FACET_SIZE}} for name in FACETS},
        "highlight": highlight_settings(),
    }


def suggest_body(prefix: str, reader: Reader, limit: int) -> dict[str, Any]:
    """Completion of a normalised prefix among titles the reader may be offered.

    Anonymous readers: public titles; anyone logged in (readers of everything too): members'
    titles as well. Restricted titles have no completion inputs at all.
    """
    visibility = [PUBLIC, MEMBERS] if reader.logged_in or reader.everything else [PUBLIC]
    return {
        "size": 0,
        "_source": ["title", "url"],
        "suggest": {
            "titles": {
                "prefix": prefix,
                "completion": {
                    "field": "suggest",
                    "size": max(1, limit) * 3,  # several inputs of one title may match
                    "skip_duplicates": True,
                    "contexts": {VISIBILITY: visibility},
                },
            }
        },
    }


def related_body(text: str, reader: Reader, *, word_analyzer: str = "", size: int = 30) -> dict[str, Any]:
    """Titles sharing at least half of ``text``'s bigrams (characters, for a single character)."""
    field = "title.chars" if len(text) == 1 else "title.cjk" if word_analyzer else "title"
    return {
        "size": size,
        "_source": ["title"],
        "query": {
            "bool": {
                "must": [{"match": {field: {"query": text, "minimum_should_match": "50%"}}}],
                "filter": access_filter(reader),
            }
        },
    }


# responses ---------------------------------------------------------------------------------------------


def _fragment(highlight: dict[str, list[str]], field: str) -> str:
    """The highlighted passage of a field's ``.chars`` sub-field, already escaped by ES."""
    found = highlight.get(f"{field}.chars") or []
    if not found:
        return ""
    # One <mark> per matched phrase rather than per character; whitespace as in the Python snippet.
    return " ".join(found[0].replace("</mark><mark>", "").split())


def _date(value: Any) -> datetime.date | None:
    """A stored date; anything unreadable is no date rather than a failed search."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def hit_from(raw: dict[str, Any]) -> Hit:
    """One ES hit as a ``Hit``: highlighted title, and a snippet chosen as the embedded backend does.

    Snippet: the body passage with a match; else the summary, else the keys (with their marks);
    else the start of the body; else the escaped summary.
    """
    source = raw.get("_source") or {}
    highlight = raw.get("highlight") or {}
    title = source.get("title", "")
    body = _fragment(highlight, "body")
    candidates = (
        body if "<mark>" in body else "",
        _fragment(highlight, "summary"),
        _fragment(highlight, "keys"),
        body,
    )
    snippet = next((candidate for candidate in candidates if candidate), "")
    if not snippet:
        summary = " ".join(str(source.get("summary", "")).split())
        snippet = escape(summary[:SNIPPET_CHARS]) + ("…" if len(summary) > SNIPPET_CHARS else "")
    return Hit(
        key=source.get("key") or raw.get("_id", ""),
        type=source.get("type", ""),
        title=title,
        url=source.get("url", ""),
        date=_date(source.get("date")),
        score=float(raw.get("_score") or 0.0),
        title_html=_fragment(highlight, "title") or escape(title),
        snippet_html=snippet,
        category=source.get("category") or "",
        authority=source.get("authority") or "",
    )


def facets_from(aggregations: dict[str, Any]) -> dict[str, list[FacetValue]]:
    """Every facet name, values by count then value (years as "2024")."""
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        buckets = (aggregations.get(name) or {}).get("buckets") or []
        values = [FacetValue(str(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets]
        facets[name] = sorted((v for v in values if v.value), key=lambda v: (-v.count, v.value))
    return facets


def results_from(response: dict[str, Any]) -> SearchResults:
    """The response as ``SearchResults``; ``track_total_hits`` makes totals exact (never capped)."""
    hits = response.get("hits") or {}
    total = hits.get("total") or 0
    capped = False
    if isinstance(total, dict):
        capped = total.get("relation") == "gte"
        total = total.get("value", 0)
    return SearchResults(
        total=int(total),
        hits=[hit_from(raw) for raw in hits.get("hits") or []],
        facets=facets_from(response.get("aggregations") or {}),
        capped=capped,
    )


def suggestions_from(response: dict[str, Any], limit: int) -> list[Suggestion]:
    """Titles of the completion options, each once (its pinyin and words may all have matched)."""
    found: list[Suggestion] = []
    seen: set[str] = set()
    for entry in (response.get("suggest") or {}).get("titles") or []:
        for option in entry.get("options") or []:
            source = option.get("_source") or {}
            title = source.get("title") or option.get("text", "")
            if not title or title in seen:
                continue
            seen.add(title)
            found.append(Suggestion(text=title, kind="title", url=source.get("url", "")))
    return found[:limit]


def related_from(response: dict[str, Any], text: str, limit: int) -> list[str]:
    """Words (two characters or more) of the returned titles that share characters with ``text``.

    Ranked by the share of characters in common, then by how many titles have the word.
    """
    chars = set(text)
    frequency: Counter[str] = Counter()
    for raw in (response.get("hits") or {}).get("hits") or []:
        title = normalise((raw.get("_source") or {}).get("title", ""))
        for word in set(words(title)):
            if len(word) >= 2 and word != text and word not in STOP_WORDS and chars & set(word):
                frequency[word] += 1
    ranked = sorted(
        frequency.items(),
        key=lambda item: (-len(chars & set(item[0])) / max(len(chars), len(item[0])), -item[1], item[0]),
    )
    return [word for word, _count in ranked[:limit]]


def _body(response: Any) -> Any:
    """The decoded body of a client response (tests hand plain dicts)."""
    return response.body if isinstance(response, ApiResponse) else response


def _describe(error: Exception) -> str:
    if isinstance(error, BulkIndexError) and error.errors:
        return f"{error}: {error.errors[0]}"
    return str(error) or type(error).__name__


# the backend ---------------------------------------------------------------------------------------------


REBUILD_CHECK_SECONDS = 30


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str, prefix: str = "partyschool") -> None:
        self.url = url
        self.prefix = (prefix or "partyschool").lower()
        self._client: Elasticsearch | None = None
        self._lock = threading.Lock()
        self._rebuilding, self._rebuild_checked_at = False, float("-inf")

    # connections and names -------------------------------------------------------------------------

    def _es(self) -> Elasticsearch:
        """The client, created on first use so that importing and configuring never connect."""
        with self._lock:
            if self._client is None:
                try:
                    self._client = Elasticsearch(
                        self.url, request_timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False
                    )
                except (ValueError, TypeError) as error:
                    raise SearchUnavailable(
                        _("Elasticsearch is not configured correctly: %(error)s") % {"error": error}
                    ) from error
            return self._client

    def _slow(self) -> Elasticsearch:
        """The client with a long timeout: bulk bodies of long texts, index creation, refreshes."""
        return self._es().options(request_timeout=WRITE_TIMEOUT)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Every cluster or transport failure becomes SearchUnavailable (the site shows a notice)."""
        try:
            yield
        except SearchUnavailable:
            raise
        except _ERRORS as error:
            raise SearchUnavailable(
                _("Elasticsearch is unavailable: %(error)s") % {"error": _describe(error)}
            ) from error

    def alias(self, type_name: str) -> str:
        """The live alias of a type (index names must be lower case)."""
        return f"{self.prefix}-{type_name.lower()}"

    def all_alias(self) -> str:
        """Every type's live index; ``--`` cannot be produced by ``alias`` for a real type name."""
        return f"{self.prefix}--all"

    def rebuild_alias(self, type_name: str) -> str:
        """Marks the index a rebuild of the type is filling (and receives live writes meanwhile)."""
        return f"{self.alias(type_name)}--rebuild"

    def _refresh(self) -> bool:
        """Tests set ``SEARCH_ES_REFRESH`` to read their writes at once; production never waits."""
        return bool(getattr(settings, "SEARCH_ES_REFRESH", False))

    @staticmethod
    def _word_analyzer() -> str:
        """``SEARCH_ES_WORD_ANALYZER`` at call time; a change needs a rebuild to reach the mapping."""
        return str(getattr(settings, "SEARCH_ES_WORD_ANALYZER", "") or "")

    def _type_indices(self, type_name: str) -> dict[str, set[str]]:
        """This type's concrete indices and their aliases (not those of a type named ``t-x``)."""
        own = re.compile(re.escape(self.alias(type_name)) + r"-\d{14}")
        response = _body(
            self._es().indices.get_alias(
                index=f"{self.alias(type_name)}-*", ignore_unavailable=True, allow_no_indices=True
            )
        )
        return {
            name: set((entry or {}).get("aliases") or {})
            for name, entry in response.items()
            if own.fullmatch(name)
        }

    def _new_index_name(self, type_name: str, existing: Iterable[str]) -> str:
        """A timestamped name later than every existing index of the type."""
        existing = set(existing)
        latest = max(existing, default="")
        stamp = time.time()
        while True:
            name = f"{self.alias(type_name)}-{time.strftime(_TIMESTAMP, time.gmtime(stamp))}"
            if name not in existing and name > latest:
                return name
            stamp += 1

    def _create(
        self, name: str, *, extra_settings: dict[str, Any], meta: dict[str, Any], aliases: dict
    ) -> None:
        word_analyzer = self._word_analyzer()
        body = mapping(word_analyzer)
        body["_meta"] = {**body["_meta"], **meta}
        self._slow().indices.create(
            index=name,
            settings={**index_settings(word_analyzer), **extra_settings},
            mappings=body,
            aliases=aliases,
        )

    def _write_aliases(self, type_name: str, *, create: bool) -> list[str]:
        """Aliases a live write goes to: the live index (created on first use), and a rebuild's."""
        live, building = self.alias(type_name), self.rebuild_alias(type_name)
        indices = self._type_indices(type_name)
        held = set().union(*indices.values()) if indices else set()
        targets = []
        if live in held:
            targets.append(live)
        elif create:
            name = self._new_index_name(type_name, indices)
            try:
                self._create(
                    name,
                    extra_settings=LIVE_SETTINGS,
                    meta={},
                    aliases={live: {"is_write_index": True}, self.all_alias(): {}},
                )
            except ApiError:
                # Another worker created the type's first index at the same moment: use theirs.
                if not any(live in aliases for aliases in self._type_indices(type_name).values()):
                    raise
            targets.append(live)
        if building in held:
            targets.append(building)
        return targets

    def _send(
        self, actions: list[dict[str, Any]], *, refresh: bool, require_alias: bool
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Bulk ``actions``: the items done and the items refused (a failed request raises)."""
        done: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        if not actions:
            return done, refused
        options: dict[str, Any] = {"raise_on_error": False, "yield_ok": True, "require_alias": require_alias}
        if refresh:
            options["refresh"] = True
        for ok, item in helpers.streaming_bulk(self._slow(), actions, **options):
            (done if ok else refused).append(item)
        return done, refused

    def _write_live(self, build: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Bulk through the aliases; once more if an alias moved meanwhile (a rebuild finishing).

        Returns the items done (of both attempts). Writing or deleting a record twice changes
        nothing, so the second attempt simply repeats the whole batch.
        """
        done: list[dict[str, Any]] = []
        for attempt in range(2):
            ok, refused = self._send(build(), refresh=self._refresh(), require_alias=True)
            done += ok
            moved = [item for item in refused if _is_missing_alias(item)]
            others = [item for item in refused if not _is_missing_alias(item) and not _is_not_found(item)]
            if others:
                raise SearchUnavailable(_("Elasticsearch refused a write: %(error)s") % {"error": others[0]})
            if not moved:
                return done
            logger.info("search: an alias moved during a write, sending again (attempt %d)", attempt + 1)
        raise SearchUnavailable(_("Elasticsearch refused a write: %(error)s") % {"error": moved[0]})

    # writing ---------------------------------------------------------------------------------------------

    def index(self, documents: Iterable[IndexDocument]) -> int:
        """Write records by key into their types' live indices (created on first use) and into a
        rebuilding index if there is one, so the rebuild does not lose the change."""
        by_type: dict[str, list[IndexDocument]] = defaultdict(list)
        for document in documents:
            by_type[document.type].append(document)
        if not by_type:
            return 0
        sources = {type_name: [document_source(doc) for doc in docs] for type_name, docs in by_type.items()}

        def build() -> list[dict[str, Any]]:
            actions = []
            for type_name, type_sources in sources.items():
                for target in self._write_aliases(type_name, create=True):
                    actions += [
                        {"_op_type": "index", "_index": target, "_id": source["key"], "_source": source}
                        for source in type_sources
                    ]
            return actions

        with self._guard():
            self._write_live(build)
        return sum(len(docs) for docs in by_type.values())

    def delete(self, keys: Iterable[str]) -> int:
        """Delete by key from the live and any rebuilding index; missing keys are not errors."""
        by_type: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            try:
                type_name, _pk = split_key(key)
            except ValueError:
                continue
            by_type[type_name].add(key)
        if not by_type:
            return 0

        def build() -> list[dict[str, Any]]:
            actions = []
            for type_name, type_keys in by_type.items():
                for target in self._write_aliases(type_name, create=False):
                    actions += [
                        {"_op_type": "delete", "_index": target, "_id": key} for key in sorted(type_keys)
                    ]
            return actions

        with self._guard():
            done = self._write_live(build)
        # A key is counted once though it may leave both the live and a rebuilding index.
        return len({_item(item).get("_id") for item in done if _item(item).get("result") == "deleted"})

    # searching -------------------------------------------------------------------------------------------

    def _search_index(self, types: Sequence[str]) -> str:
        """The requested types' aliases, or every live index; missing ones are ignored by ES."""
        return ",".join(self.alias(t) for t in types) if types else self.all_alias()

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        """A search that tolerates types never indexed (no alias yet) instead of failing."""
        with self._guard():
            return _body(
                self._es().search(index=index, body=body, ignore_unavailable=True, allow_no_indices=True)
            )

    def search(self, request: SearchRequest) -> SearchResults:
        """One request: hits, exact total and facets of the same filtered query (see ``query_body``)."""
        if request.query.is_empty:
            return SearchResults(total=0, hits=[], facets={name: [] for name in FACETS})
        body = query_body(request, request.types, word_analyzer=self._word_analyzer())
        return results_from(self._search(self._search_index(request.types), body))

    def suggest(self, prefix: str, *, reader: Reader, limit: int = 8) -> list[Suggestion]:
        """Titles completing ``prefix`` (characters, pinyin or initials); see ``suggest_body``."""
        norm = " ".join(normalise(prefix).split())
        if not norm or limit <= 0:
            return []
        return suggestions_from(self._search(self.all_alias(), suggest_body(norm, reader, limit)), limit)

    def related_terms(self, text: str, *, reader: Reader, limit: int = 5) -> list[str]:
        """Words of readable titles that share characters with ``text`` ("did you mean").

        A ``match`` on the title bigrams (half of them at least) finds candidate titles; their
        rjieba words of two characters or more that share a character with ``text`` are ranked by
        the share of characters in common, then by how many titles have them.
        """
        norm = "".join(normalise(text).split())
        if not norm or limit <= 0 or not RUNS.search(norm):
            return []
        body = related_body(norm, reader, word_analyzer=self._word_analyzer())
        return related_from(self._search(self.all_alias(), body), norm, limit)

    # bookkeeping -------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Records per type that has any (like the embedded backend: empty types are left out)."""
        body = {"size": 0, "aggs": {"types": {"terms": {"field": "type", "size": 1000}}}}
        response = self._search(self.all_alias(), body)
        buckets = ((response.get("aggregations") or {}).get("types") or {}).get("buckets") or []
        return {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets if bucket["doc_count"]}

    def _scan_ids(self, index: str, query: dict[str, Any]) -> set[str]:
        """Every ``_id`` (the key) matching ``query``, by scroll: whole indices, never paged."""
        with self._guard():
            return {
                hit["_id"]
                for hit in helpers.scan(
                    self._es(),
                    index=index,
                    query={"query": query, "_source": False},
                    ignore_unavailable=True,
                    allow_no_indices=True,
                )
            }

    def keys(self, type_name: str) -> set[str]:
        """Every key of the type's live index; a type never indexed has none."""
        return self._scan_ids(self.alias(type_name), {"match_all": {}})  # _id is the key

    def restricted_keys(self) -> set[str]:
        """Keys of live records with at least one access group."""
        return self._scan_ids(self.all_alias(), {"exists": {"field": "access_0"}})

    # rebuilding --------------------------------------------------------------------------------------------

    def rebuild_start(self, type_name: str, *, resume: bool) -> RebuildState:
        """A new index behind the rebuild alias, or, with ``resume``, the one an earlier run left.

        A fresh start drops indices earlier rebuilds of the type left behind.
        """
        building = self.rebuild_alias(type_name)
        with self._guard():
            indices = self._type_indices(type_name)
            unfinished = sorted(name for name, aliases in indices.items() if building in aliases)
            if resume and unfinished:
                target = unfinished[-1]
                response = _body(self._es().indices.get_mapping(index=target))
                meta = (response.get(target, {}).get("mappings", {}).get("_meta") or {}).get("rebuild") or {}
                return RebuildState(
                    type_name,
                    float(meta.get("started_at") or time.time()),
                    int(meta.get("after_pk") or 0),
                    target=target,
                )
            live = self.alias(type_name)
            leftovers = sorted(name for name, aliases in indices.items() if live not in aliases)
            if leftovers:
                logger.info("search: dropping unfinished rebuild indices %s", ", ".join(leftovers))
                self._slow().indices.delete(index=",".join(leftovers), ignore_unavailable=True)
            state = RebuildState(type_name, time.time(), 0)
            state.target = self._new_index_name(type_name, indices)
            self._create(
                state.target,
                extra_settings=BUILD_SETTINGS,
                meta={"rebuild": {"started_at": state.started_at, "after_pk": 0}},
                aliases={building: {}},
            )
        return state

    def rebuild_write(self, state: RebuildState, documents: Sequence[IndexDocument]) -> None:
        """Write a batch through the rebuild alias, then record ``state.after_pk`` for ``resume``."""
        actions = [
            {
                "_op_type": "index",
                "_index": self.rebuild_alias(state.type_name),
                "_id": doc.key,
                "_source": document_source(doc),
            }
            for doc in documents
        ]
        with self._guard():
            _done, failed = self._send(actions, refresh=False, require_alias=True)
            if failed:
                raise SearchUnavailable(_("Elasticsearch refused a write: %(error)s") % {"error": failed[0]})
            self._slow().indices.put_mapping(
                index=state.target,
                meta={
                    "schema": SCHEMA_VERSION,
                    "word_analyzer": self._word_analyzer(),
                    "rebuild": {"started_at": state.started_at, "after_pk": state.after_pk},
                },
            )

    def rebuild_finish(self, state: RebuildState) -> int:
        """Make the rebuilt index live in one alias update and drop the old ones.

        Returns how many keys of the old index are not in the new one (a scan of both indexes'
        ids: exact even when records were added as well as removed).
        """
        type_name, target = state.type_name, state.target
        live, everything, building = self.alias(type_name), self.all_alias(), self.rebuild_alias(type_name)
        with self._guard():
            indices = self._type_indices(type_name)
            if target not in indices:
                raise SearchUnavailable(_("The index being rebuilt has gone: %(index)s") % {"index": target})
            client = self._slow()
            client.indices.put_settings(index=target, settings=LIVE_SETTINGS)
            client.indices.put_mapping(
                index=target, meta={"schema": SCHEMA_VERSION, "word_analyzer": self._word_analyzer()}
            )
            old = sorted(name for name, aliases in indices.items() if live in aliases and name != target)
            client.indices.refresh(index=",".join([target, *old]))
            removed = 0
            if old:
                removed = len(
                    self._scan_ids(",".join(old), {"match_all": {}})
                    - self._scan_ids(target, {"match_all": {}})
                )
            actions: list[dict[str, Any]] = []
            for name in old:
                for alias in sorted(indices[name] & {live, everything}):
                    actions.append({"remove": {"index": name, "alias": alias}})
            if building in indices[target]:
                actions.append({"remove": {"index": target, "alias": building}})
            actions.append({"add": {"index": target, "alias": live, "is_write_index": True}})
            actions.append({"add": {"index": target, "alias": everything}})
            client.indices.update_aliases(actions=actions)
            stale = sorted(name for name in indices if name != target)
            if stale:
                client.indices.delete(index=",".join(stale), ignore_unavailable=True)
        return removed

    def rebuilding(self) -> bool:
        """A rebuild alias exists (checked at most every ``REBUILD_CHECK_SECONDS`` per process)."""
        now = time.monotonic()
        if now - self._rebuild_checked_at > REBUILD_CHECK_SECONDS:
            with self._guard():
                found = self._es().indices.exists_alias(name=f"{self.prefix}-*--rebuild")
            self._rebuilding, self._rebuild_checked_at = bool(found), now
        return self._rebuilding

    def status(self) -> str:
        """The cluster health; red (some primary shard unassigned) cannot answer every query."""
        with self._guard():
            health = _body(self._es().cluster.health())
        status = str(health.get("status", "unknown"))
        if status == "red":
            raise SearchUnavailable(_("The Elasticsearch cluster is red."))
        return f"elasticsearch ({status})"


def _item(item: dict[str, Any]) -> dict[str, Any]:
    """The result of one bulk item, whatever its operation."""
    return next(iter(item.values()), {}) if item else {}


def _is_missing_alias(item: dict[str, Any]) -> bool:
    """A write refused because its alias does not exist (``require_alias``): the alias moved."""
    error = _item(item).get("error")
    return isinstance(error, dict) and error.get("type") == "index_not_found_exception"


def _is_not_found(item: dict[str, Any]) -> bool:
    """A delete of a key the index does not have: not an error."""
    result = _item(item)
    return result.get("status") == 404 and result.get("result") == "not_found"
