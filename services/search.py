"""Workplace search: the enterprise register by name or tax code, at the scale of a city.

One function, `search_enterprises`, over two indexes kept by triggers (migration 0013):

* SQLite: an FTS5 table whose rowid is a rank key (fewer workers = larger rowid), so a
  match ``ORDER BY rowid LIMIT 5`` reads the biggest matching enterprises first and stops
  after five, however common the words ("công ty tnhh"); no candidate set is sorted.
* PostgreSQL: ``enterprise_words`` (migration 0014), one row per word and rank key (the
  same key) with a B-tree on both: the rarest word is walked in rank order, a few more are
  merged or probed on it, and the rest are checked on the GIN-indexed tsvector of the rows.
  Rarer words expected to meet in few names are rather intersected by the GIN index and the
  few rows found sorted (the walk read every entry of the rarest when they seldom met); if
  it finds too many (words that go together), the walk answers after all, in the same
  statement.

Results come in tiers: the exact name (or tax code), then enterprises in the units `near` the
person (their ward, their scope), then everything else, each tier by number of workers. A
query with a word the register does not have also matches that word's one-letter edits that
it does have (a wrong, missing, extra or swapped letter; found in the cached word list);
diacritics never matter, as names and queries are compared folded ("Bình", "Bính" and
"binh" are one word).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, product
from operator import itemgetter
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, distinct_on
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import Enterprise, EnterpriseTerm
from models.db import dialect_name
from services.validation import normalize_search_key

MAX_RESULTS: Final = 5
# A scope of more units than this (a whole district's federation) is no useful tier.
MAX_NEAR_UNITS: Final = 40
# Matches of a short tax-code prefix ranked among the first ones in code order.
TAX_CODE_CANDIDATES: Final = 50
# Shorter words are not corrected: nearly every one-letter edit of them is a word too.
MIN_CORRECTED_LENGTH: Final = 3
# A query of common words only is answered from this many of the biggest enterprises that
# have the rarest of them: such words meet in most names, or nearly never.
DENSE_WINDOW: Final = 300
# Exact names tried for a corrected query (the combinations of its words' corrections).
MAX_CORRECTED_NAMES: Final = 20
_EDIT_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_TAX_QUERY_RE: Final = re.compile(r"([0-9]{1,10})(-[0-9]{0,3})?|([0-9]{10})([0-9]{1,3})")

Group = tuple[str, ...]  # alternatives for one word of the query: any of them matches


async def search_enterprises(
    session: AsyncSession,
    query: str,
    limit: int = MAX_RESULTS,
    near: Collection[int] | None = None,
) -> list[Enterprise]:
    """Enterprises by tax code (prefix, with or without the branch suffix) or by name."""
    prefix = tax_code_prefix(query)
    if prefix is not None:
        return await _by_tax_code(session, prefix, near or (), limit)
    words = [word for word in normalize_search_key(query).split() if word.isalnum()]
    if not words:
        return []
    return await _by_name(session, words, near or (), limit)


def tax_code_prefix(query: str) -> str | None:
    """The tax code a query starts, as stored ("0101234567-001"); None for a name.

    A branch may be typed without its dash (13 digits) or with spaces anywhere.
    """
    match = _TAX_QUERY_RE.fullmatch(re.sub(r"\s+", "", query))
    if match is None:
        return None
    if match.group(3) is not None:
        return f"{match.group(3)}-{match.group(4)}"
    return match.group(0)


async def _by_tax_code(
    session: AsyncSession, prefix: str, near: Collection[int], limit: int
) -> list[Enterprise]:
    # A range on the unique index: LIKE 'x%' uses no index on SQLite (case-insensitive LIKE).
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = await session.scalars(
        select(Enterprise)
        .where(Enterprise.tax_code >= prefix, Enterprise.tax_code < upper)
        .order_by(Enterprise.tax_code)
        .limit(TAX_CODE_CANDIDATES)
    )
    ranked = sorted(
        rows,
        key=lambda e: (e.tax_code != prefix, e.ward_unit_id not in near, -(e.employees or 0), e.id),
    )
    return ranked[:limit]


async def _by_name(
    session: AsyncSession, words: list[str], near: Collection[int], limit: int
) -> list[Enterprise]:
    """`words` as typed (a name may repeat one: "Gia Gia"); each is looked up once.

    Corrections come from the cached vocabulary, in the same statement as the search: no
    round trip for a slip, and none for an unknown word that nothing is one letter from."""
    distinct = list(dict.fromkeys(words))
    vocabulary = await cached_vocabulary(session)
    groups = corrections(vocabulary.words, distinct)
    if groups is None:  # every word is in the register
        groups = [(word,) for word in distinct]
        return await _tiers(session, [" ".join(words)], groups, near, limit, vocabulary)
    # A whole name typed with a slip is still an exact name, once corrected.
    by_word = dict(zip(distinct, groups, strict=True))
    combos = islice(product(*(by_word[word] for word in words)), MAX_CORRECTED_NAMES)
    names = [" ".join(combo) for combo in combos]
    return await _tiers(session, names, groups, near, limit, vocabulary)


async def _tiers(
    session: AsyncSession,
    names: Sequence[str],
    groups: Sequence[Group],
    near: Collection[int],
    limit: int,
    vocabulary: Vocabulary,
) -> list[Enterprise]:
    """Exact name first, then the units near the person, then the rest: by workers in each.

    One statement (a UNION ALL of the tiers, each stopping at `limit`): every round trip
    to the database counts at this scale. Statements are built once per shape (which tiers,
    how many common words to check) and take the words as bound values: building one with
    SQLAlchemy took longer than running it."""
    dialect = dialect_name(session)
    plan = _PLANS[dialect]
    units = sorted(near) if near and len(near) <= MAX_NEAR_UNITS else []
    shapes: list[Shape] = []
    params: dict[str, Any] = {"names": list(names)}
    for tier, tier_units in ((1, units), (2, [])):
        if tier == 1 and not units:
            continue
        shape, values = plan(groups, tier_units, tier, vocabulary)
        shapes.append(shape)
        params |= values
    key = (dialect, limit, *shapes)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _tiers_statement(dialect, limit, shapes)
    rows = await session.scalars(stmt, params)
    return list(dict.fromkeys(rows))[:limit]


def _tiers_statement(dialect: str, limit: int, shapes: Sequence[Shape]) -> Select[Enterprise]:
    build = _BUILDERS[dialect]
    tiers = [
        select(Enterprise.id, literal(0).label("tier"))
        .where(Enterprise.search_key.in_(bindparam("names", expanding=True)))
        .order_by(Enterprise.employees.desc().nulls_last(), Enterprise.id)
        .limit(limit),
        *(build(shape, limit) for shape in shapes),
    ]
    found = union_all(*(select(tier.subquery()) for tier in tiers)).subquery()
    return (
        select(Enterprise)
        .join(found, Enterprise.id == found.c.id)
        .order_by(found.c.tier, Enterprise.employees.desc().nulls_last(), Enterprise.id)
    )


def corrections(vocabulary: Collection[str], words: Sequence[str]) -> list[Group] | None:
    """The query with each word the register lacks replaced by its one-letter edits that it
    has; None when every word is in the register.

    The word itself stays among its alternatives: the vocabulary is a cache, and a word
    added since it was read is still found by the index (a word in no name costs nothing)."""
    if all(word in vocabulary for word in words):
        return None
    groups: list[Group] = []
    for word in words:
        if word in vocabulary or len(word) < MIN_CORRECTED_LENGTH or word.isdigit():
            groups.append((word,))
            continue
        groups.append((word, *sorted(edit for edit in one_edit(word) if edit in vocabulary)))
    return groups


def one_edit(word: str) -> set[str]:
    """Every word one deleted, inserted, replaced or swapped letter away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _EDIT_ALPHABET}
    edits |= {a + c + b for a, b in splits for c in _EDIT_ALPHABET}
    edits.discard(word)
    return edits


# A tier's statement shape (what its builder needs), and the values bound into it.
Shape = tuple[int, ...]
Plan = Callable[[Sequence[Group], Sequence[int], int, "Vocabulary"], tuple[Shape, dict[str, Any]]]


def _sqlite_plan(
    groups: Sequence[Group], units: Sequence[int], tier: int, vocabulary: Vocabulary
) -> tuple[Shape, dict[str, Any]]:
    """The MATCH expression (words and ward, one bound string) and the common words to check."""
    indexed, checked = _split(groups, vocabulary.common, bool(units))
    expression = " AND ".join(
        [_fts_any(group) for group in indexed]
        + [_fts_any(tuple(f"_w{unit}" for unit in units))] * bool(units)
    )
    params = {f"m{tier}": expression}
    params |= {f"c{tier}_{i}": f" {word} " for i, word in enumerate(checked)}
    return (tier, len(checked)), params


def _sqlite_matches(shape: Shape, limit: int) -> Select[int, int]:
    """FTS5, rowid = rank key: the first rows of a match are the biggest enterprises.

    FTS5 steps through the whole list of a word in every tenth row to intersect it with
    rarer ones (26 ms where the rarer words alone take 1): such words are checked on the
    first DENSE_WINDOW rows that the rarer words (or the ward, or the rarest common word)
    find, so that words that never meet cost a bounded walk."""
    tier, checked = shape
    match = literal_column("enterprise_search").op("MATCH")(bindparam(f"m{tier}"))
    ident = _FTS_ROWID.op("&", return_type=Integer)(4294967295)
    stmt = (
        select(ident.label("id"), literal(tier).label("tier"))
        .select_from(_FTS)
        .where(match)
        .order_by(_FTS_ROWID)
        .limit(limit)
    )
    if not checked:
        return stmt
    # The rank of the DENSE_WINDOW-th match, read from the index alone (no row is fetched);
    # the walk then streams in rank order and stops at `limit` rows or at that rank.
    window = (
        select(_FTS_ROWID.label("rank"))
        .select_from(_FTS)
        .where(match)
        .order_by(_FTS_ROWID)
        .limit(DENSE_WINDOW)
        .correlate(None)
        .subquery()
    )
    last = select(func.max(window.c.rank)).scalar_subquery()
    padded = " " + Enterprise.search_key + " "
    return stmt.join(Enterprise, Enterprise.id == ident).where(
        last >= _FTS_ROWID,
        *(func.instr(padded, bindparam(f"c{tier}_{i}")) > 0 for i in range(checked)),
    )


_FTS: Final = table("enterprise_search")
_FTS_ROWID: Final = literal_column("enterprise_search.rowid", Integer)


def _fts_any(group: Group) -> str:
    return "(" + " OR ".join(f'"{word}"' for word in group) + ")"


def _split(
    groups: Sequence[Group], common: Mapping[str, int], near: bool
) -> tuple[list[Group], list[str]]:
    """(words to look up in the index, common words to check on the rows it finds). Without
    a ward to look up and without a rarer word, the rarest common word is looked up."""
    checked = [group[0] for group in groups if len(group) == 1 and group[0] in common]
    indexed = [g for g in groups if len(g) > 1 or g[0] not in common]
    if not indexed and not near:
        rarest = min(checked, key=lambda word: common[word])
        checked.remove(rarest)
        indexed = [(rarest,)]
    return indexed, checked


def _postgres_plan(
    groups: Sequence[Group], units: Sequence[int], tier: int, vocabulary: Vocabulary
) -> tuple[Shape, dict[str, Any]]:
    """The rarest word groups (the first is walked, the others probed) and the ward's; the
    other words, checked on the tsvector of the rows found; and the common words."""
    indexed, checked = _split(groups, vocabulary.common, bool(units))
    docs = vocabulary.words
    ordered = sorted(indexed, key=lambda group: sum(docs.get(word, 0) for word in group))
    walked = ordered[: PROBED_WORDS - bool(units)]
    rest = [group for group in ordered if group not in walked]
    if units:
        walked.append(tuple(f"_w{unit}" for unit in units))
    params: dict[str, Any] = {}
    for i, group in enumerate(walked):  # alternatives are merged in rank order, one by one
        if len(group) == 1:
            params[f"g{tier}_{i}"] = group[0]
        else:
            params |= {f"g{tier}_{i}_{j}": word for j, word in enumerate(group)}
    params[f"r{tier}"] = _tsquery(rest)
    params[f"c{tier}"] = _tsquery([(word,) for word in checked])
    gin = len(indexed) > 1 and _expected(indexed, docs, vocabulary.size) <= GIN_EXPECTED
    if gin and _sampled(indexed, vocabulary) > GIN_EXPECTED:
        gin = False  # words that go together ("hợp tác xã", "Mê Linh")
    if gin:
        params["q"] = _tsquery(ordered)  # the same for every tier: one look-up
        params["gin_rows"] = GIN_ROWS
        params[f"u{tier}"] = list(units)
    shape = (tier, gin, bool(units), bool(rest), bool(checked))
    return (*shape, *(len(group) if len(group) > 1 else 0 for group in walked)), params


# The rarer words are intersected by the GIN index when they are expected to meet in at
# most this many names, as if independent (the register's counts say nothing of pairs) and
# in the sample of the register, and the rows found sorted; up to GIN_ROWS of them are read,
# and more mean that the words go together after all, so the walk in rank order answers
# instead (and finds them soon). A GIN look-up costs 0.4-2 ms and each row found ~8 µs.
GIN_EXPECTED: Final = 30.0
GIN_ROWS: Final = 100


# Words met together in fewer names of the sample than this are taken for independent (one
# name is chance), whatever the sample says of the register.
GIN_SAMPLED: Final = 2
# About this many names of the register are in the vocabulary's sample.
SAMPLE_ROWS: Final = 4000


def _sampled(groups: Sequence[Group], vocabulary: Vocabulary) -> float:
    """How many names of the register have every group of words (any word of each), from
    the sample: 0 when they meet in fewer than GIN_SAMPLED names of it."""
    found: frozenset[int] | None = None
    for group in groups:
        names = frozenset[int]().union(*(vocabulary.sample.get(word, ()) for word in group))
        found = names if found is None else found & names
    hits = len(found or ())
    if hits < GIN_SAMPLED:
        return 0.0
    return hits * vocabulary.size / max(vocabulary.sampled, 1)


def _expected(groups: Sequence[Group], docs: Mapping[str, int], size: int) -> float:
    """How many names have every group of words (any word of each), were they independent."""
    expected = float(max(size, 1))
    for group in groups:
        expected *= min(1.0, sum(docs.get(word, 0) for word in group) / max(size, 1))
    return expected


# Words looked up in `enterprise_words` per tier (each one more relation to plan: planning
# a join of eight took longer than running it); the others are checked on the rows found.
PROBED_WORDS: Final = 3


def _postgres_matches(shape: Shape, limit: int) -> Select[int, int]:
    """`enterprise_words` (migration 0014): a B-tree on (word, rank key), so the rarest
    word's matches are read biggest first and the walk stops at `limit`; two more words (or
    the ward) are looked up on the same index for each rank key (or merged with it, in rank
    order), the rest checked on the row's tsvector. A GIN index returned a word's matches
    unordered: all of them were fetched and sorted. Common words are checked on the first
    DENSE_WINDOW matches, as on SQLite. A word's alternatives (a slip) are merged in rank
    order. With `gin`, the GIN index is asked first (see `_gin_first`)."""
    tier, gin, near, rest, checked, *many = shape
    first = _merged(f"g{tier}_0", many[0]).subquery()
    ident = first.c.rank_key.op("&", return_type=Integer)(4294967295)
    stmt = (
        select(ident.label("id"), first.c.rank_key)
        .where(*(_probe(first, f"g{tier}_{i}", alt) for i, alt in enumerate(many) if i))
        .order_by(first.c.rank_key)
        .limit(DENSE_WINDOW if checked else limit)
    )
    if rest:
        stmt = stmt.join(Enterprise, Enterprise.id == ident).where(_ts_check(f"r{tier}"))
    if checked:
        window = stmt.subquery()
        stmt = (
            select(window.c.id, window.c.rank_key)
            .join(Enterprise, Enterprise.id == window.c.id)
            .where(_ts_check(f"c{tier}"))
            .order_by(window.c.rank_key)
            .limit(limit)
        )
    if gin:
        stmt = _gin_first(stmt, tier, near, checked, limit)
    found = stmt.subquery()
    return select(found.c.id, literal(tier).label("tier"))


_ENTERPRISES: Final = table(
    "enterprises",
    column("id", Integer),
    column("employees", Integer),
    column("ward_unit_id", Integer),
    column("search_words", TSVECTOR),
)
# Migration 0014's rank key, of a row of the register.
_PG_RANK: Final = (
    "((1073741822 - CASE WHEN {r}.employees IS NULL THEN -1 "
    "ELSE least(greatest({r}.employees, 0), 1073741822) END)::bigint << 32) + {r}.id"
)


def _gin_rows() -> Any:
    rows = _ENTERPRISES.alias("gin_rows")
    words = func.to_tsquery(literal_column("'simple'"), bindparam("q"))
    return (
        select(
            rows.c.id,
            literal_column(_PG_RANK.format(r=rows.name), BigInteger).label("rank_key"),
            rows.c.ward_unit_id,
            rows.c.search_words,
        )
        .where(rows.c.search_words.op("@@")(words))
        .limit(bindparam("gin_rows", type_=Integer) + 1)
        .cte("gin")
    )


# The rarer words' matches, GIN_ROWS + 1 at most: one CTE, shared by the tiers.
_GIN_FOUND: Final = _gin_rows()


def _gin_first(walk: Select[Any], tier: int, near: int, checked: int, limit: int) -> Any:
    """The rarer words' matches from the GIN index (bitmap AND), GIN_ROWS + 1 at most, sorted
    by rank key when they are no more than GIN_ROWS; the walk otherwise (a one-time filter:
    it is not run at all when the GIN index answered)."""
    found = _GIN_FOUND
    count = select(func.count()).select_from(found).scalar_subquery()
    overflow = count > bindparam("gin_rows", type_=Integer)
    sorted_ = select(found.c.id, found.c.rank_key).where(~overflow)
    if near:
        sorted_ = sorted_.where(
            found.c.ward_unit_id == any_(bindparam(f"u{tier}", type_=ARRAY(Integer)))
        )
    if checked:
        common = func.to_tsquery(literal_column("'simple'"), bindparam(f"c{tier}"))
        sorted_ = sorted_.where(func.ts_match_vq(found.c.search_words, common))
    sorted_ = sorted_.order_by(found.c.rank_key).limit(limit)
    return union_all(select(sorted_.subquery()), select(walk.where(overflow).subquery()))


def _ts_check(name: str) -> Any:
    # ts_match_vq rather than @@: not indexable, so the GIN index is never read for it.
    words = func.to_tsquery(literal_column("'simple'"), bindparam(name))
    return func.ts_match_vq(literal_column("enterprises.search_words", TSVECTOR), words)


def _tsquery(groups: Sequence[Group]) -> str:
    return " & ".join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)


_WORDS: Final = table("enterprise_words", column("word", String), column("rank_key", BigInteger))


def _walk(name: str, many: int) -> Any:
    """The rank keys of a word, or of any of its alternatives (bound as an array)."""
    words = _WORDS.alias()
    if many:
        return select(words.c.rank_key).where(
            words.c.word == any_(bindparam(name, type_=ARRAY(String)))
        )
    return select(words.c.rank_key).where(words.c.word == bindparam(name, type_=String))


def _merged(name: str, many: int, distinct: bool = True) -> Any:
    """The rank keys of `many` alternatives, each bound on its own: a UNION ALL of scans in
    rank order that the planner merges (= ANY read every match of all of them and sorted
    them: 16,000 rows for a slip of "thiện", 9 ms). Without an ORDER BY in each branch it
    appended and sorted them too."""
    if not many:
        return _walk(name, 0)
    branches = (_walk(f"{name}_{j}", 0) for j in range(many))
    keys = union_all(*(branch.order_by(branch.selected_columns[0]) for branch in branches))
    if not distinct:  # a probe: EXISTS does not mind an enterprise with two alternatives
        return keys
    # DISTINCT ON is done on sorted input only: the merge stays a stream (DISTINCT was hashed,
    # as the planner takes a UNION's output for 200 distinct values).
    found = keys.subquery()
    return select(found.c.rank_key).ext(distinct_on(found.c.rank_key))


def _probe(found: Any, name: str, many: int) -> Any:
    """A word, or a word's alternatives, merged or looked up as the planner sees fit (with
    = ANY it took the alternatives' number for 200 and sorted 25,000 rows; their scans in
    rank order are merged: a merge semi-join read 2,300 entries where a look-up of each of
    the walked word's 2,246 entries took 8 ms)."""
    keys = _merged(name, many, distinct=False).subquery()
    probe = select(literal(1)).select_from(keys).where(keys.c.rank_key == found.c.rank_key)
    return exists(probe)


_PLANS: Final[dict[str, Plan]] = {"sqlite": _sqlite_plan, "postgresql": _postgres_plan}
_BUILDERS: Final[dict[str, Callable[[Shape, int], Select[int, int]]]] = {
    "sqlite": _sqlite_matches,
    "postgresql": _postgres_matches,
}
_STATEMENTS: dict[tuple[Any, ...], Select[Enterprise]] = {}

# Words in more than this share of the register ("công", "ty", "tnhh", "cổ phần") are not
# looked up first when a rarer word or the ward can be (see the matchers).
COMMON_SHARE: Final = 0.1
# The vocabulary is read at most this often per database; it only steers (a word added since
# is found by the look-up of corrections, which reads the table itself).
_VOCABULARY_SECONDS: Final = 600.0


@dataclass(frozen=True, slots=True)
class Vocabulary:
    words: dict[str, int]  # every word of the register's names, with about how many have it
    common: dict[str, int]  # those in more than COMMON_SHARE of it, with about how many have it
    size: int = 0  # enterprises in the register
    # PostgreSQL: word -> the names of a sample of the register (numbered) that have it, to
    # tell words that go together from independent ones; how many names the sample has.
    sample: dict[str, frozenset[int]] = field(default_factory=dict)
    sampled: int = 0


_vocabularies: WeakKeyDictionary[Engine, tuple[float, Vocabulary]] = WeakKeyDictionary()


async def cached_vocabulary(session: AsyncSession) -> Vocabulary:
    """The register's words and its most common ones (company forms, mostly)."""
    bind = session.bind
    assert bind is not None, "sessions are always bound to the engine"
    engine = bind.sync_engine
    cached = _vocabularies.get(engine)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    register = select(func.count()).select_from(Enterprise).scalar_subquery()
    rows = (await session.execute(select(EnterpriseTerm.term, EnterpriseTerm.docs, register))).all()
    size = rows[0][2] if rows else 0
    sample: dict[str, frozenset[int]] = {}
    sampled = 0
    if dialect_name(session) == "postgresql":
        sample, sampled = await _sample(session, size)
    vocabulary = Vocabulary(
        {term: docs for term, docs, _size in rows},
        {term: docs for term, docs, _size in rows if docs > size * COMMON_SHARE},
        size,
        sample,
        sampled,
    )
    _vocabularies[engine] = (now + _VOCABULARY_SECONDS, vocabulary)
    return vocabulary


async def _sample(session: AsyncSession, size: int) -> tuple[dict[str, frozenset[int]], int]:
    """The words of about SAMPLE_ROWS names, read from a few pages of the table chosen the
    same way each time (REPEATABLE): about 3 ms at 250,000 rows, where every 64th id took 40."""
    share = min(100.0, 100.0 * SAMPLE_ROWS / max(size, 1))
    pages = Enterprise.__table__.tablesample(func.system(share), seed=literal(0))
    names: dict[str, set[int]] = {}
    number = 0
    for number, key in enumerate(await session.scalars(select(pages.c.search_key)), start=1):
        for word in key.split():
            names.setdefault(word, set()).add(number)
    return {word: frozenset(found) for word, found in names.items()}, number


# ---- bulk loads -----------------------------------------------------------------------------

_TRIGGERS: Final = (
    "enterprises_search_insert",
    "enterprises_search_delete",
    "enterprises_search_update",
    "enterprises_terms_insert",
    "enterprises_terms_update",
)
_RANK: Final = "(((1073741823 - max(min(coalesce(employees, 0), 1073741823), 0)) << 32) + id)"
# (Nothing to merge while a bulk load has the index dropped, to build it at the end.)
SETTLE_POSTGRES: Final = (
    "SELECT gin_clean_pending_list(to_regclass('ix_enterprises_search_words')) "
    "WHERE to_regclass('ix_enterprises_search_words') IS NOT NULL"
)
# After a bulk load, outside its transaction: the visibility map set (until then every
# index-only scan of `enterprise_words` also read the table: searches of 8.5 and 3.5 ms took
# 10.9 and 9.5) and the statistics fresh, without waiting for autovacuum.
VACUUM_POSTGRES: Final = "VACUUM (ANALYZE) enterprises, enterprise_words, enterprise_terms"


@dataclass(slots=True)
class BulkLoad:
    """What a bulk load tells the index build at its end.

    ``plain_keys``: the writer saw every search key written and each was only lowercase ASCII
    letters, digits and spaces. The words FTS5 finds are then exactly those of
    ``str.split``, and the word counts are read from the index (fts5vocab) instead of
    counted in Python (250,000 rows: 0.16 s against 0.5).
    """

    plain_keys: bool = False


@contextlib.contextmanager
def bulk_load(conn: Connection) -> Iterator[BulkLoad]:
    """A first load into an empty register on SQLite: the search triggers are dropped and the
    index built once at the end, in rank order (250,000 rows: about 0.7 s with the word
    counts, against about 20 s row by row, as FTS5 flushes its buffer whenever a rowid is not
    larger than the last). On PostgreSQL the word triggers are disabled and the word list
    and counts filled at the end (``_bulk_load_postgres``).

    In the caller's transaction, like the import; elsewhere (a register that already has
    rows) the triggers do the work as rows are written. On PostgreSQL the GIN index's pending
    list (where bulk writes go first) is merged at the end: every search reads that list
    through, and 10,000 pending rows made a 1 ms search take 8.
    """
    load = BulkLoad()
    if conn.dialect.name == "postgresql":
        with _bulk_load_postgres(conn, load):
            yield load
        return
    # pysqlite opens the transaction before DML only: DROP TRIGGER alone would autocommit.
    # The DELETE also takes the write lock before the register is seen empty.
    conn.exec_driver_sql("DELETE FROM enterprises WHERE 0")
    if conn.exec_driver_sql("SELECT 1 FROM enterprises LIMIT 1").first() is not None:
        yield load
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?, ?, ?)",
        _TRIGGERS,
    ).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')

    def restore() -> None:
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
        rebuild(conn, plain_keys=load.plain_keys)

    with restored_after(conn, restore):
        yield load


async def vacuum_after_load(engine: AsyncEngine) -> None:
    """On PostgreSQL, once a bulk load has committed: VACUUM_POSTGRES (VACUUM cannot run in
    a transaction, so `bulk_load` cannot do it). 250,000 rows: about half a second."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql(VACUUM_POSTGRES)


_PG_TRIGGERS: Final = ("enterprises_terms_insert", "enterprises_words_insert")
# The rank key and the words of migration 0014, for every enterprise at once.
_PG_FILL_WORDS: Final = (
    "INSERT INTO enterprise_words (word, rank_key) SELECT DISTINCT w.word, "
    f"{_PG_RANK.format(r='e')} "
    "FROM enterprises AS e, unnest(string_to_array(e.search_key, ' ') || CASE WHEN "
    "e.ward_unit_id IS NULL THEN '{}' ELSE ARRAY['_w' || e.ward_unit_id] END) AS w(word) "
    "WHERE w.word <> '' ORDER BY 1, 2"
)
# Word counts from the search keys (as the triggers of migration 0013 count them), or, when
# every key is plain (``BulkLoad``), from the word list just filled: 2.4 s against 3.8 s.
_PG_FILL_TERMS: Final = (
    "INSERT INTO enterprise_terms (term, docs) SELECT w, count(*) FROM (SELECT DISTINCT e.id, w "
    "FROM enterprises AS e, unnest(string_to_array(e.search_key, ' ')) AS w WHERE w <> '') "
    "AS words GROUP BY w ORDER BY w"
)
_PG_FILL_TERMS_FROM_WORDS: Final = (
    "INSERT INTO enterprise_terms (term, docs) SELECT word, count(*) FROM enterprise_words "
    "WHERE word NOT LIKE '\\_w%' GROUP BY word ORDER BY word"
)


@contextlib.contextmanager
def restored_after(conn: Connection, restore: Callable[[], None]) -> Iterator[None]:
    """``restore`` run after the block: after success, and after an exception too (in case the
    caller commits anyway), but for a database error on PostgreSQL, where a failed statement
    aborts the transaction and nothing but the rollback may follow."""
    try:
        yield
    except DBAPIError:
        if conn.dialect.name != "postgresql":
            restore()
        raise
    except BaseException:
        restore()
        raise
    restore()


@contextlib.contextmanager
def _bulk_load_postgres(conn: Connection, load: BulkLoad) -> Iterator[None]:
    """PostgreSQL: a first load into an empty register fills the word list and the word counts
    in one statement each at the end, instead of the statement triggers of every batch
    merging into them (250,000 rows: about 60 s, most of the import, against about 10).
    Writers wait from the check to the commit (readers do not), so that the register stays
    empty but for the import's rows.
    """
    empty = conn.exec_driver_sql("SELECT 1 FROM enterprises LIMIT 1").first() is None
    if empty:
        conn.exec_driver_sql("LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE")
        empty = conn.exec_driver_sql("SELECT 1 FROM enterprises LIMIT 1").first() is None
    if not empty:
        yield
        conn.exec_driver_sql(SETTLE_POSTGRES)
        return
    for name in _PG_TRIGGERS:
        conn.exec_driver_sql(f"ALTER TABLE enterprises DISABLE TRIGGER {name}")

    def fill() -> None:
        for name in _PG_TRIGGERS:
            conn.exec_driver_sql(f"ALTER TABLE enterprises ENABLE TRIGGER {name}")
        conn.exec_driver_sql("DELETE FROM enterprise_words")
        conn.exec_driver_sql(_PG_FILL_WORDS)
        conn.exec_driver_sql("DELETE FROM enterprise_terms")
        conn.exec_driver_sql(_PG_FILL_TERMS_FROM_WORDS if load.plain_keys else _PG_FILL_TERMS)
        conn.exec_driver_sql(SETTLE_POSTGRES)

    with restored_after(conn, fill):
        yield


def rebuild(conn: Connection, *, plain_keys: bool = False) -> None:
    """The SQLite search index built again from the register (a repair, or after a bulk load).

    ``plain_keys``: every search key is known to hold only lowercase ASCII letters, digits
    and spaces (see ``BulkLoad``); the word counts are then read from the new index.
    """
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("INSERT INTO enterprise_search (enterprise_search) VALUES ('delete-all')")
    conn.exec_driver_sql(
        f"INSERT INTO enterprise_search (rowid, words) SELECT {_RANK}, "
        "search_key || ' _w' || coalesce(ward_unit_id, '') FROM enterprises ORDER BY 1"
    )
    conn.exec_driver_sql("DELETE FROM enterprise_terms")
    if plain_keys:
        # The index's own words and document counts, but the ward tokens (_w<id>): a plain
        # key has no "_", and FTS5 splits it where str.split does.
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.enterprise_vocab "
            "USING fts5vocab(main, enterprise_search, row)"
        )
        conn.exec_driver_sql(
            "INSERT INTO enterprise_terms (term, docs) SELECT term, doc "
            "FROM temp.enterprise_vocab WHERE substr(term, 1, 1) <> '_'"
        )
        conn.exec_driver_sql("DROP TABLE temp.enterprise_vocab")
        return
    # Counted here rather than with json_each in SQL: 0.4 s against 2.4 for 250,000 rows;
    # the counts go back as one JSON object (0.15 s, against 0.26 row by row).
    keys = map(itemgetter(0), conn.exec_driver_sql("SELECT search_key FROM enterprises"))
    docs = Counter(chain.from_iterable(map(set, map(str.split, keys))))
    if docs:
        conn.exec_driver_sql(
            "INSERT INTO enterprise_terms (term, docs) SELECT key, value FROM json_each(?) "
            "ORDER BY 1",
            (json.dumps(docs),),
        )
