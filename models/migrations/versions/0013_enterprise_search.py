"""workplace search index

SQLite: a contentless FTS5 table over the enterprises' search keys whose rowids are a rank
key (fewer workers = larger rowid, then the id), so that ``ORDER BY rowid LIMIT 5`` reads the
biggest matching enterprises first and stops; the ward is a token of its own (``_w<id>``,
which no typed query can produce) for "in my ward first". PostgreSQL: a generated tsvector
with a GIN index, and an index on the number of workers for the planner to walk.

On both, ``enterprise_terms`` lists every word of the register (for one-letter typos).
Triggers keep everything in step with every writer (import, lead form, demo, SQL by hand);
services/search.py rebuilds the SQLite index in one pass after a first bulk load instead.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rank key: 2**30 - 1 - workers in the high bits, the id in the low 32 bits.
_RANK = (
    '(((1073741823 - max(min(coalesce({r}.employees, 0), 1073741823), 0)) << 32) + {r}.id)'
)
_DOC = "{r}.search_key || ' _w' || coalesce({r}.ward_unit_id, '')"
# search_key holds words of letters and digits separated by single spaces: a JSON array once
# quoted. Anything else is skipped rather than failing the write.
_ARRAY = "'[\"' || replace({r}.search_key, ' ', '\",\"') || '\"]'"
_WORDS_OF = "json_each(CASE WHEN json_valid({a}) THEN {a} ELSE '[]' END)".format(a=_ARRAY)
# Counts of documents per word (how rare a word is), exact after a bulk load and raised, never
# lowered, by later writes: they only steer the search. Not an upsert or INSERT OR IGNORE: a
# trigger takes the conflict policy of the statement that fired it (the import's upsert).
_COUNT_WORDS = (
    "UPDATE enterprise_terms SET docs = docs + 1 "
    f"WHERE term IN (SELECT value FROM {_WORDS_OF}); "
    f"INSERT INTO enterprise_terms (term, docs) SELECT DISTINCT value, 1 FROM {_WORDS_OF} "
    "WHERE value <> '' AND value NOT IN (SELECT term FROM enterprise_terms);"
)


def _fts(r: str, action: str) -> str:
    if action == 'add':
        return (
            f"INSERT INTO enterprise_search (rowid, words) "
            f"VALUES ({_RANK.format(r=r)}, {_DOC.format(r=r)});"
        )
    return (
        f"INSERT INTO enterprise_search (enterprise_search, rowid, words) "
        f"VALUES ('delete', {_RANK.format(r=r)}, {_DOC.format(r=r)});"
    )


SQLITE_TERMS_FILL = (
    "INSERT INTO enterprise_terms (term, docs) SELECT value, count(*) FROM "
    "(SELECT DISTINCT e.id, w.value FROM enterprises e, "
    + _WORDS_OF.format(r='e')
    + " w WHERE w.value <> '') GROUP BY value"
)
SQLITE_UP = (
    'CREATE TABLE enterprise_terms (term VARCHAR(255) NOT NULL PRIMARY KEY, '
    'docs INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID',
    "CREATE VIRTUAL TABLE enterprise_search USING fts5(words, content='', detail='none', "
    "columnsize=0, tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
    'CREATE TRIGGER enterprises_search_insert AFTER INSERT ON enterprises BEGIN '
    f"{_fts('new', 'add')} END",
    'CREATE TRIGGER enterprises_search_delete AFTER DELETE ON enterprises BEGIN '
    f"{_fts('old', 'remove')} END",
    'CREATE TRIGGER enterprises_search_update '
    'AFTER UPDATE OF search_key, employees, ward_unit_id ON enterprises BEGIN '
    f"{_fts('old', 'remove')} {_fts('new', 'add')} END",
    'CREATE TRIGGER enterprises_terms_insert AFTER INSERT ON enterprises BEGIN '
    f"{_COUNT_WORDS.format(r='new')} END",
    'CREATE TRIGGER enterprises_terms_update AFTER UPDATE OF search_key ON enterprises '
    f"WHEN old.search_key IS NOT new.search_key BEGIN {_COUNT_WORDS.format(r='new')} END",
    # What was there before the index: in rank order, as FTS5 writes ascending rowids fastest.
    f"INSERT INTO enterprise_search (rowid, words) SELECT {_RANK.format(r='enterprises')}, "
    f"{_DOC.format(r='enterprises')} FROM enterprises ORDER BY 1",
    SQLITE_TERMS_FILL,
)
SQLITE_DOWN = (
    'DROP TRIGGER enterprises_terms_update',
    'DROP TRIGGER enterprises_terms_insert',
    'DROP TRIGGER enterprises_search_update',
    'DROP TRIGGER enterprises_search_delete',
    'DROP TRIGGER enterprises_search_insert',
    'DROP TABLE enterprise_search',
    'DROP TABLE enterprise_terms',
)

# Statement-level triggers: one statement per batch of an import, not one per row.
_PG_COUNT = (
    "INSERT INTO enterprise_terms AS t (term, docs) SELECT w, count(*) FROM "
    "(SELECT DISTINCT c.id, w FROM {rows}, regexp_split_to_table(c.search_key, ' ') AS w "
    "WHERE w <> ''{changed}) AS words GROUP BY w ORDER BY w "
    "ON CONFLICT (term) DO UPDATE SET docs = t.docs + excluded.docs"
)
POSTGRES_UP = (
    'CREATE TABLE enterprise_terms (term VARCHAR(255) NOT NULL PRIMARY KEY, '
    'docs INTEGER NOT NULL DEFAULT 0)',
    "ALTER TABLE enterprises ADD COLUMN search_words tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_key)) STORED",
    'CREATE INDEX ix_enterprises_search_words ON enterprises USING gin (search_words)',
    'CREATE INDEX ix_enterprises_by_workers ON enterprises (employees DESC NULLS LAST, id)',
    # "In my ward first": the ward's enterprises in order, not a walk of the whole register.
    'CREATE INDEX ix_enterprises_ward_by_workers ON enterprises '
    '(ward_unit_id, employees DESC NULLS LAST, id)',
    'CREATE FUNCTION enterprise_terms_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    + _PG_COUNT.format(rows='new_rows AS c', changed='')
    + '; RETURN NULL; END $$',
    'CREATE FUNCTION enterprise_terms_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    + _PG_COUNT.format(
        rows='new_rows AS c JOIN old_rows AS o ON o.id = c.id',
        changed=' AND o.search_key IS DISTINCT FROM c.search_key',
    )
    + '; RETURN NULL; END $$',
    'CREATE TRIGGER enterprises_terms_insert AFTER INSERT ON enterprises '
    'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
    'EXECUTE FUNCTION enterprise_terms_inserted()',
    'CREATE TRIGGER enterprises_terms_update AFTER UPDATE ON enterprises '
    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
    'EXECUTE FUNCTION enterprise_terms_updated()',
    _PG_COUNT.format(rows='enterprises AS c', changed=''),
    'ANALYZE enterprises',
)
POSTGRES_DOWN = (
    'DROP TRIGGER enterprises_terms_update ON enterprises',
    'DROP TRIGGER enterprises_terms_insert ON enterprises',
    'DROP FUNCTION enterprise_terms_updated()',
    'DROP FUNCTION enterprise_terms_inserted()',
    'DROP INDEX ix_enterprises_ward_by_workers',
    'DROP INDEX ix_enterprises_by_workers',
    'DROP INDEX ix_enterprises_search_words',
    'ALTER TABLE enterprises DROP COLUMN search_words',
    'DROP TABLE enterprise_terms',
)


def _run(statements: Sequence[str]) -> None:
    bind = op.get_bind()
    for statement in statements:
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == 'sqlite' else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == 'sqlite' else POSTGRES_DOWN)
