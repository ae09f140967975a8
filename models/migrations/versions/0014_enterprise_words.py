"""workplace search: words in rank order on PostgreSQL

PostgreSQL's GIN index returns a word's matches in no useful order, so a word in a few per
cent of the register had all its rows fetched and sorted. ``enterprise_words`` holds one
row per word of every enterprise's search key (and its ward, as ``_w<id>``), keyed by the
same rank key as SQLite's FTS5 rowid (more workers first, then the id; the id is its low 32
bits): a B-tree walk of a word in rank order yields the biggest enterprises first and stops.
Statement-level triggers keep it in step (one statement per import batch or COPY).
SQLite does nothing here: its FTS5 table (migration 0013) is already read in rank order.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fewer workers = larger key; no figure sorts after zero workers, as NULLS LAST does.
RANK = (
    "((1073741822 - CASE WHEN {r}.employees IS NULL THEN -1 "
    "ELSE least(greatest({r}.employees, 0), 1073741822) END)::bigint << 32) + {r}.id"
)
WORDS = (
    "SELECT DISTINCT w.word, {rank} AS rank_key FROM {rows}, unnest("
    "string_to_array({r}.search_key, ' ') || CASE WHEN {r}.ward_unit_id IS NULL THEN '{{}}' "
    "ELSE ARRAY['_w' || {r}.ward_unit_id] END) AS w(word) WHERE w.word <> ''{where}"
)


def words_of(rows: str, r: str, where: str = "") -> str:
    return WORDS.format(rank=RANK.format(r=r), rows=rows, r=r, where=where)


_CHANGED = (
    " AND (o.search_key IS DISTINCT FROM n.search_key OR o.employees IS DISTINCT FROM "
    "n.employees OR o.ward_unit_id IS DISTINCT FROM n.ward_unit_id)"
)
_REMOVE = "DELETE FROM enterprise_words WHERE (word, rank_key) IN ({words})"
_ADD = "INSERT INTO enterprise_words (word, rank_key) {words} ORDER BY 1, 2"


def _function(name: str, body: Sequence[str]) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + "; ".join(body)
        + "; RETURN NULL; END $$"
    )


def _trigger(name: str, event: str, tables: str, function: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON enterprises REFERENCING {tables} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


_JOINED = "old_rows AS o JOIN new_rows AS n ON n.id = o.id"
POSTGRES_UP = (
    "CREATE TABLE enterprise_words (word VARCHAR(255) NOT NULL, rank_key BIGINT NOT NULL, "
    "PRIMARY KEY (word, rank_key))",
    _function("enterprise_words_inserted", [_ADD.format(words=words_of("new_rows AS n", "n"))]),
    _function("enterprise_words_deleted", [_REMOVE.format(words=words_of("old_rows AS o", "o"))]),
    _function(
        "enterprise_words_updated",
        [
            _REMOVE.format(words=words_of(_JOINED, "o", _CHANGED)),
            _ADD.format(words=words_of(_JOINED, "n", _CHANGED)),
        ],
    ),
    _trigger(
        "enterprises_words_insert", "INSERT", "NEW TABLE AS new_rows", "enterprise_words_inserted"
    ),
    _trigger(
        "enterprises_words_delete", "DELETE", "OLD TABLE AS old_rows", "enterprise_words_deleted"
    ),
    _trigger(
        "enterprises_words_update",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "enterprise_words_updated",
    ),
    _ADD.format(words=words_of("enterprises AS e", "e")),
    "ANALYZE enterprise_words",
)
POSTGRES_DOWN = (
    "DROP TRIGGER enterprises_words_update ON enterprises",
    "DROP TRIGGER enterprises_words_delete ON enterprises",
    "DROP TRIGGER enterprises_words_insert ON enterprises",
    "DROP FUNCTION enterprise_words_updated()",
    "DROP FUNCTION enterprise_words_deleted()",
    "DROP FUNCTION enterprise_words_inserted()",
    "DROP TABLE enterprise_words",
)


def _run(statements: Sequence[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in statements:
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    _run(POSTGRES_UP)


def downgrade() -> None:
    _run(POSTGRES_DOWN)
