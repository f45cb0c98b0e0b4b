"""Full-text search over ideas: SQLite FTS5, PostgreSQL tsvector (German and English).

The index is kept in sync by the database itself (SQLite: triggers on `ideas`;
PostgreSQL: an expression GIN index), so every write path is covered. The DDL lives in
the migration; the names and the document expression are here so that query and index
agree. No Flask here: the migration imports it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

SQLITE_TABLE = "ideas_fts"
# How SQLite's search index cuts text into words (lower-cased, diacritics removed).
_TOKENIZER = "tokenize='unicode61 remove_diacritics 2'"
# SQLite: each idea's words as the search index holds them, a row per word and idea, so that
# a page walking the rank index asks about one idea by a seek in a plain index (about 1 µs)
# instead of a question to FTS5 (7 µs: each question parses its query and opens the index
# anew). Kept by triggers on `ideas`, whatever writes the text: they cut it into words in
# SQLITE_WORDS_TEXT, an FTS5 table of one row with the index's tokenizer, and read them
# from SQLITE_WORDS_FOUND. Since 0018_filter_words.
SQLITE_WORDS = "idea_words"
SQLITE_WORDS_TEXT = "idea_words_text"
SQLITE_WORDS_FOUND = "idea_words_found"
# The words the SQLite index holds, each where it occurs (an fts5vocab table over the index,
# read a word at a time by seeks): a temporary table of each connection (board/db.py),
# nothing stored, not part of the schema.
SQLITE_TERMS = "ideas_fts_terms"
SQLITE_TERMS_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{SQLITE_TERMS}"
    f" USING fts5vocab(main, {SQLITE_TABLE}, 'instance')"
)
# A search whose last word is the start of at most this many indexed words is asked as
# those words (see `spelled_out`).
MAX_SPELLED_OUT = 8
# Names the models do not know about (tests/test_migrations.py leaves them out of the diff).
DATABASE_OBJECTS = {
    SQLITE_WORDS,
    SQLITE_WORDS_FOUND,
    *(f"{SQLITE_WORDS_TEXT}{part}" for part in ("", "_data", "_idx", "_docsize", "_config")),
    SQLITE_TABLE,
    f"{SQLITE_TABLE}_data",
    f"{SQLITE_TABLE}_idx",
    f"{SQLITE_TABLE}_docsize",
    f"{SQLITE_TABLE}_config",
    f"{SQLITE_TABLE}_content",
    "ix_ideas_search",
    "search_vector",
    "search_facets",
}
POSTGRES_DOCUMENT = (
    "(to_tsvector('german'::regconfig, coalesce(title, '') || ' ' || coalesce(body, ''))"
    " || to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(body, '')))"
)
MAX_WORDS = 16
_WORD = re.compile(r"[^\W_]+")


def like_escaped(text: str) -> str:
    """`text` as a literal inside a LIKE pattern with `escape="\\"` (people's names and
    handles are matched by prefix or substring, not by the full-text index)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words(query: str) -> list[str]:
    """The words of a search, lower-cased; punctuation and wildcards are not words."""
    return _WORD.findall(query.lower())[:MAX_WORDS]


def _fts(query: str) -> str:
    """An FTS5 query: every word quoted (no operators get through), the last one a prefix
    when the query ends in it. Asked of the text's columns only: a word may be spelled
    like a filter's token (`FACET_MARK`), which only the facets' column holds."""
    found = words(query)
    prefix = query[-1:].isalnum()
    quoted = [f'"{word}"' for word in found[:-1]] + [f'"{found[-1]}"' + "*" * prefix]
    return "{title body} : (" + " ".join(quoted) + ")"


def parameters(dialect: str, query: str) -> dict[str, str] | None:
    """The values `condition` takes for `query`; None when it has no words (nothing matches)."""
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        prefix = query[-1:].isalnum()
        return {"terms": " & ".join(found[:-1] + [found[-1] + (":*" if prefix else "")])}
    return {"fts_query": _fts(query)}


def condition(dialect: str, id_column) -> ColumnElement[bool]:
    """A condition: the idea contains every word of the query; the last one may be the start
    of a word when the query ends in it (searching while typing), "100%" is the word 100.
    The query comes as parameters (`parameters`), so the statement is built once."""
    if dialect == "postgresql":
        return text(f"{POSTGRES_VECTOR} @@ {_TSQUERY}")
    return id_column.in_(_sqlite_hits())


_TSQUERY = "(to_tsquery('german'::regconfig, :terms) || to_tsquery('english'::regconfig, :terms))"


def probe(id_column, words: int) -> ColumnElement[bool]:
    """SQLite: the idea `id_column` holds each of `words` words, bound as `search_words_0`, …
    (the `words` of `spelled_out`: each a JSON list of the indexed words it may be), asked of
    SQLITE_WORDS, a seek per word and idea (the first word it lacks ends it), for walking the
    rank index through a broad search. A question to FTS5 about one idea cost 7 µs (two words
    at 100,000 ideas: 2.4 ms a page); a seek in SQLITE_WORDS about 1 µs (0.3 ms)."""
    found = table(SQLITE_WORDS, column("word"), column("idea_id"))
    return and_(
        *(
            exists().where(
                found.c.idea_id == id_column,
                found.c.word.in_(
                    select(literal_column("value")).select_from(
                        text(f"json_each(:search_words_{number})")
                    )
                ),
            )
            for number in range(words)
        )
    )


@dataclass(frozen=True)
class Spelled:
    """A search as `spelled_out` found it."""

    query: str  # the FTS5 query, "" when nothing can match
    words: list[str]  # for `probe`: each word as a JSON list of the indexed words it may be
    matches: int  # an estimate of how many ideas match
    board: int  # the board's size (its highest idea id)
    # With a tag or a department (`spelled_out`'s `tag`, `department`): an estimate of how
    # many of the matches pass them (a lower bound once a walk is the cheaper), and of how
    # many ideas the tag holds (the board's size without a tag). Without: the matches and
    # the board.
    together: int = 0
    filtered: int = 0


def spelled_out(
    session: Session,
    query: str,
    tag: str | None = None,
    department: int | None = None,
    walk_cost: int = 1,
) -> Spelled | None:
    """SQLite: the FTS5 query with the last word spelled out as the indexed words it stands
    for (the word itself, or every indexed word it starts when it is a prefix: "podcast" →
    "podcast" OR "podcasts"; the same matches), so that SQLITE_WORDS can be asked about one
    idea by seeks (`probe`); an estimate of how many ideas match (counted among the newest
    SAMPLE ideas, scaled to the board: a fixed cost at any size); and the board's size. One
    statement. A query "" when no idea holds such a last word.

    With a tag (its key) or a department's id: also how many of the sampled ideas the tag
    holds (a count in the tag's `new` index from the sample's first moment), and how many of
    the sampled matches pass the filters (a seek each), counted until there are enough for
    a walk of the rank index to cost less than listing the matches: it passes `walk_cost` /
    together × filtered ideas (filtered: the tag's, or the board), each as dear as a listed
    match. Below that number the count is exact. Scaled to the board alike.

    None when this does not apply: a word outside ASCII (the index holds words folded, "café"
    as "cafe"), or a prefix of more than MAX_SPELLED_OUT indexed words."""
    found = words(query)
    if not found or not all(word.isascii() for word in found):
        return None
    word = found[-1]
    # The indexed words from `low` up to `high`: those starting with the word, or the word.
    high = word[:-1] + chr(ord(word[-1]) + 1) if query[-1:].isalnum() else word + "\x01"
    exact = [f'"{earlier}"' for earlier in found[:-1]]
    values = {
        "low": word,
        "high": high,
        "most": MAX_SPELLED_OUT,
        "before": "".join(f"{earlier} AND " for earlier in exact) + "(" * bool(exact),
        "after": ")" * bool(exact),
        "sample": SAMPLE,
        "tag": tag,
        "department_id": department,
        "walk_cost": walk_cost,
        "examined": EXAMINED,
    }
    statement = _spell_out(tag is not None, department is not None)
    row = session.connection().execute(statement, values).one()
    spelled, last, count, board, sampled, together, tagged = row
    if count > MAX_SPELLED_OUT:
        return None
    if not spelled:
        return Spelled("", [], 0, board)

    def scaled(number: float | None) -> int:
        return round((number or 0) * board / max(1, min(SAMPLE, board)))

    matches = scaled(sampled)
    if together is not None:  # of the newest EXAMINED matches: as a share of them all
        together = scaled(together * (sampled or 0) / max(1, min(EXAMINED, sampled or 0)))
    return Spelled(
        spelled,
        [json.dumps([earlier]) for earlier in found[:-1]] + [last],
        matches,
        board,
        together=matches if together is None else together,
        filtered=board if tagged is None else scaled(tagged),
    )


# How many of the newest ideas the estimate of a search's matches counts in (about 0.1 ms).
SAMPLE = 2000
# How many of the sample's newest matches are asked whether they pass a tag or a department
# (a seek each, ~0.4 µs), at most: the estimate's cost is bounded at any size, and a share
# of 2 % is seen in 99 % of samples.
EXAMINED = 256


def _sampled(query: str, size: str) -> str:
    """The FROM and WHERE of the sampled matches: the FTS5 `query` among the newest
    SAMPLE ideas of a board whose highest id is `size` (SQL expressions both)."""
    return f"FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH {query} AND rowid > {size} - :sample"


# The sampled matches, counted.
_SAMPLED = _sampled(":before || last || :after", "size")
# The newest EXAMINED of them again, for the count of those that pass the filters.
_NEWEST = (
    f"(SELECT rowid AS id {_sampled('(SELECT query FROM counted)', '(SELECT size FROM board)')}"
    " ORDER BY rowid DESC LIMIT :examined) AS newest"
)
# Whether a sampled match passes the filters: the tag's entry (with its copy of the author
# when a department comes too), or the idea's author.
_IN_TAG = (
    "EXISTS (SELECT 1 FROM idea_tags WHERE idea_tags.idea_id = newest.id"
    " AND idea_tags.tag = :tag{author})"
)
_OF_DEPARTMENT = "IN (SELECT users.id FROM users WHERE users.department_id = :department_id)"
_BY_DEPARTMENT = f"(SELECT ideas.author_id FROM ideas WHERE ideas.id = newest.id) {_OF_DEPARTMENT}"
# The sample's first moment: the tag's entries since then, in its `new` index.
_TAGGED = (
    "(SELECT count(*) FROM idea_tags WHERE idea_tags.tag = :tag AND idea_tags.created_at >="
    " (SELECT ideas.created_at FROM ideas WHERE ideas.id > size - :sample ORDER BY ideas.id"
    " LIMIT 1))"
)


@functools.lru_cache(maxsize=4)
def _spell_out(tag: bool, department: bool):
    """The statement of `spelled_out`, with the counts a tag or a department asks for."""
    passes = (
        _IN_TAG.format(author=f" AND idea_tags.author_id {_OF_DEPARTMENT}" if department else "")
        if tag
        else _BY_DEPARTMENT
    )
    # Counted up to the first number that makes a walk cheaper than the list (`cap`): a
    # common word in a tag stops after a few, one the tag seldom holds counts them all.
    together = (
        f"CASE WHEN matches > 0 THEN (SELECT count(*) FROM (SELECT 1 FROM {_NEWEST}"
        f" WHERE {passes} LIMIT (SELECT cap FROM counted))) END"
        if tag or department
        else "NULL"
    )
    return text(
        f"""WITH RECURSIVE found(term, step) AS (
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= :low AND term < :high LIMIT 1), 1
  UNION ALL
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= found.term || char(1) AND term < :high LIMIT 1), step + 1
  FROM found WHERE found.term IS NOT NULL AND step <= :most
), spelled(last, terms, words) AS (
  SELECT group_concat('"' || term || '"', ' OR '), json_group_array(term), count(term)
  FROM found WHERE term IS NOT NULL
), board(size) AS (
  SELECT coalesce((SELECT max(id) FROM ideas), 0)
), sampled(last, size, matches, tagged) AS MATERIALIZED (
  SELECT last, size, CASE WHEN words BETWEEN 1 AND :most THEN (
      SELECT count(*) {_SAMPLED}
    ) END, {_TAGGED if tag else "NULL"}
  FROM spelled, board
), counted(query, matches, tagged, cap) AS (
  SELECT :before || last || :after, matches, tagged,
    min(:examined, CAST(:walk_cost * 1.0 * coalesce(tagged, min(:sample, size))
         * min(:sample, size) * min(:examined, max(1, matches))
         / (max(1, matches) * max(1, matches) * max(1, size)) AS INTEGER)) + 1
  FROM sampled
)
SELECT query, terms, words, size, matches, {together}, tagged
FROM spelled, board, counted"""
    ).columns(*_SPELLED_COLUMNS)


# The columns of `_spell_out`'s row, typed: a textual statement's result is then described
# once, when it is compiled, instead of from the cursor on every execution.
_SPELLED_COLUMNS = (
    column("query", String),
    column("terms", String),
    column("words", Integer),
    column("size", Integer),
    column("matches", Integer),
    column("together", Integer),
    column("tagged", Integer),
)


# FTS5 adds a small segment to the index with each write and merges them in steps, so a
# large board's index is a dozen segments, and a question about one idea (a broad search
# walking the rank index) seeks in each: 9 segments cost 30 µs a question, 1 segment 5 µs.
# Housekeeping merges them, this many pages (4 KiB each) of work per transaction, so that
# writers never wait long for it.
MERGE_PAGES = 500
MERGE_STATEMENT = (
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rank) VALUES ('merge', -{MERGE_PAGES})"
)


def merge_segments(session: Session, rounds: int = 50) -> int:
    """SQLite: merge the search index's segments into one, in short transactions of at most
    MERGE_PAGES pages each, up to `rounds` of them (a board of 100,000 ideas: 7 MiB of
    index, 4 rounds). Returns the rounds that did work; PostgreSQL's index needs none."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    for done in range(rounds):
        connection = session.connection()
        before = connection.exec_driver_sql("SELECT total_changes()").scalar()
        connection.exec_driver_sql(MERGE_STATEMENT)
        # The command itself counts as one change; the pages it wrote as the others.
        worked = connection.exec_driver_sql("SELECT total_changes()").scalar() - before > 1
        session.commit()
        if not worked:
            return done
    return rounds


def _sqlite_hits():
    return (
        select(literal_column("rowid"))
        .select_from(text(SQLITE_TABLE))
        .where(text(f"{SQLITE_TABLE} MATCH :fts_query"))
    )


def count_matches(session: Session, query: str, at_most: int) -> int:
    """How many ideas match on SQLite, counting no further than `at_most`."""
    found = words(query)
    if not found:
        return 0
    return session.scalar(_count_statement(at_most), {"fts_query": _fts(query)})


@functools.lru_cache(maxsize=8)
def _count_statement(at_most: int):
    return select(func.count()).select_from(_sqlite_hits().limit(at_most).subquery())


SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(title, body, content='ideas', "
    f"content_rowid='id', {_TOKENIZER})",
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_update AFTER UPDATE OF title, body ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_update",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
]


def _tokenized(row: str) -> str:
    """Trigger steps: SQLITE_WORDS_TEXT holds the words of `row`'s text, and only those (one
    writer at a time, under SQLite's write lock: nobody else's meanwhile)."""
    return (
        f"INSERT INTO {SQLITE_WORDS_TEXT}({SQLITE_WORDS_TEXT}) VALUES ('delete-all'); "
        f"INSERT INTO {SQLITE_WORDS_TEXT}(rowid, title, body) VALUES (1, {row}.title, {row}.body); "
    )


_ADD_WORDS = (
    f"INSERT OR IGNORE INTO {SQLITE_WORDS}(idea_id, word) "
    f"SELECT new.id, term FROM {SQLITE_WORDS_FOUND}; "
)
_REMOVE_WORDS = f"DELETE FROM {SQLITE_WORDS} WHERE idea_id = old.id; "
# Since 0018_filter_words (SQLite): SQLITE_WORDS and the triggers that keep it.
SQLITE_WORDS_CREATE = [
    # An idea's words side by side, so a new idea's are written to a page or two (keyed by
    # the word first, each went to a page of its own: 0.37 instead of 0.09 ms per new idea).
    f"CREATE TABLE {SQLITE_WORDS} (idea_id INTEGER NOT NULL, word TEXT NOT NULL, "
    "PRIMARY KEY (idea_id, word)) WITHOUT ROWID",
    f"CREATE VIRTUAL TABLE {SQLITE_WORDS_TEXT} USING fts5(title, body, content='', "
    f"detail=none, columnsize=0, {_TOKENIZER})",
    f"CREATE VIRTUAL TABLE {SQLITE_WORDS_FOUND} USING fts5vocab({SQLITE_WORDS_TEXT}, 'row')",
    f"CREATE TRIGGER {SQLITE_WORDS}_insert AFTER INSERT ON ideas BEGIN "
    + _tokenized("new")
    + _ADD_WORDS
    + "END",
    f"CREATE TRIGGER {SQLITE_WORDS}_delete AFTER DELETE ON ideas BEGIN " + _REMOVE_WORDS + "END",
    f"CREATE TRIGGER {SQLITE_WORDS}_update AFTER UPDATE OF title, body ON ideas BEGIN "
    + _REMOVE_WORDS
    + _tokenized("new")
    + _ADD_WORDS
    + "END",
    # The words of the ideas already there, from the search index (which holds the same).
    f"CREATE VIRTUAL TABLE temp.{SQLITE_WORDS}_fill USING fts5vocab(main, {SQLITE_TABLE}, 'instance')",
    f"INSERT OR IGNORE INTO {SQLITE_WORDS}(idea_id, word) SELECT doc, term FROM temp.{SQLITE_WORDS}_fill",
    f"DROP TABLE temp.{SQLITE_WORDS}_fill",
]
SQLITE_WORDS_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_insert",
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_update",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS_FOUND}",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS_TEXT}",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS}",
]
# Since 0021_search_facets (SQLite) the search index holds each idea's filters beside its
# words: a token per tag and one for its author's department, in a third column fed by
# `ideas.search_facets` (a column the models do not know, written only by the triggers
# below, whatever writes a tag, an idea or a person's department). A page with a tag or a
# department and a word those seldom meet asks the index for both (`faceted`): one merge of
# two doclists inside FTS5 (a word on 4,500 of 100,000 ideas and a tag: ~0.5 ms), instead of
# listing the word's matches and testing each (a seek per match, growing with the board).
FACETS = "search_facets"
# A filter's token starts with a letter outside ASCII, so a search's last word, spelled out
# from the index's ASCII words (`spelled_out`: the words from the typed ones up to the next
# ASCII letter), never stands for one; people's words are asked of the text's columns
# when they may be spelled like one (`_fts`), the filters' tokens of the facets' column only.
FACET_MARK = "þ"
# PostgreSQL (since 0022_search_facets_postgres) holds the same tokens as lexemes of the
# stored search vector, written as they are (no parser, no stemmer), behind "_": no word
# of a text or of a search (`words`) holds one, nor does a word a search's last word starts.
_MARKS = {"sqlite": FACET_MARK, "postgresql": "_"}


def tag_token(tag: str, dialect: str = "sqlite") -> str:
    """A tag (its key, free text) as one token of the index: its UTF-8 bytes in hex."""
    return f"{_MARKS[dialect]}t{tag.encode().hex()}"


def department_token(department_id: int, dialect: str = "sqlite") -> str:
    return f"{_MARKS[dialect]}d{int(department_id)}"


def _tokens(dialect: str, tag: str | None, department_id: int | None) -> list[str]:
    return ([tag_token(tag, dialect)] if tag is not None else []) + (
        [department_token(department_id, dialect)] if department_id is not None else []
    )


def faceted(query: str, tag: str | None, department_id: int | None) -> str:
    """The FTS5 `query` of people's words, narrowed to the ideas with the tag (its key) and
    by a person of the department, as the facets' column holds them."""
    tokens = _tokens("sqlite", tag, department_id)
    if not tokens:
        return query
    return f"({query}) AND {FACETS} : (" + " AND ".join(f'"{token}"' for token in tokens) + ")"


def postgres_facets(tag: str | None, department_id: int | None) -> str:
    """PostgreSQL: the filters as a tsquery's text (`faceted_condition`), each lexeme quoted
    (taken as it is written)."""
    return " & ".join(f"'{token}'" for token in _tokens("postgresql", tag, department_id))


def tested_condition() -> ColumnElement[bool]:
    """PostgreSQL: `condition`'s question of each row as it is read, never of the GIN index:
    `@@` spelled as its function, which no index answers. For a page that walks a bounded
    stretch of a rank index (`ideas._walk_statement`): with the words a parameter, the
    generic plan of a prepared statement guesses 0.5 % of the board match, however common
    the word, and took the index's list of the word's matches (48,229 for "podcast" at
    100,000 ideas, 95 ms) to join with the 1,000 rows walked. The query is a subquery of
    its own, made once: in a generic plan its words are no constant, and both stemmers ran
    again for each row walked (2.5 µs a row, as long as the rest of the row's test)."""
    return text(f"ts_match_vq({POSTGRES_VECTOR}, (SELECT {_TSQUERY}))")


def faceted_condition() -> ColumnElement[bool]:
    """PostgreSQL: the idea holds the words (`parameters`' terms) and the filters
    (`postgres_facets`, bound as :facets) in its stored search vector: one question the GIN
    index answers by intersecting the words' and the filters' entries."""
    return text(f"{POSTGRES_VECTOR} @@ ({_TSQUERY} && CAST(:facets AS tsquery))")


def _sqlite_facets(idea: str, author: str) -> str:
    """The facets of the idea `idea` by `author` (SQL expressions) as SQLite stores them."""
    return (
        f"coalesce((SELECT group_concat('{FACET_MARK}t' || lower(hex(tag)), ' ')"
        f" FROM idea_tags WHERE idea_tags.idea_id = {idea}), '')"
        f" || coalesce(' {FACET_MARK}d' || (SELECT department_id FROM users"
        f" WHERE users.id = {author}), '')"
    )


def _set_facets(where: str) -> str:
    """A trigger step: the ideas `where` selects take their facets again."""
    return (
        f"UPDATE ideas SET {FACETS} = {_sqlite_facets('ideas.id', 'ideas.author_id')}"
        f" WHERE {where}; "
    )


_INDEXED = f"title, body, {FACETS}"
SQLITE_FACETS_CREATE = [
    f"ALTER TABLE ideas ADD COLUMN {FACETS} TEXT",
    # Filled before the triggers that index it exist; indexed once, by the rebuild.
    f"UPDATE ideas SET {FACETS} = {_sqlite_facets('ideas.id', 'ideas.author_id')}",
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5({_INDEXED}, content='ideas', "
    f"content_rowid='id', {_TOKENIZER})",
    # A new idea's facets (its author's department: its tags come after it) are written
    # before it is indexed; the update that writes them is not indexed (its old facets are
    # null: nothing was indexed yet).
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON ideas BEGIN "
    + _set_facets("ideas.id = new.id")
    + f"INSERT INTO {SQLITE_TABLE}(rowid, {_INDEXED}) "
    f"SELECT id, {_INDEXED} FROM ideas WHERE id = new.id; END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {_INDEXED}) "
    f"VALUES ('delete', old.id, old.title, old.body, old.{FACETS}); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_update AFTER UPDATE OF {_INDEXED} ON ideas "
    f"WHEN old.{FACETS} IS NOT NULL BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {_INDEXED}) "
    f"VALUES ('delete', old.id, old.title, old.body, old.{FACETS}); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, {_INDEXED}) "
    f"VALUES (new.id, new.title, new.body, new.{FACETS}); END",
    "CREATE TRIGGER idea_tags_facets_insert AFTER INSERT ON idea_tags BEGIN "
    + _set_facets("ideas.id = new.idea_id")
    + "END",
    "CREATE TRIGGER idea_tags_facets_delete AFTER DELETE ON idea_tags BEGIN "
    + _set_facets("ideas.id = old.idea_id")
    + "END",
    "CREATE TRIGGER idea_tags_facets_update AFTER UPDATE OF idea_id, tag ON idea_tags BEGIN "
    + _set_facets("ideas.id IN (old.idea_id, new.idea_id)")
    + "END",
    # A person's ideas move with them to their new department; an idea's author is never
    # changed by the board, but whoever changes it (plain SQL) moves its facets too.
    "CREATE TRIGGER users_facets_department AFTER UPDATE OF department_id ON users "
    "WHEN old.department_id IS NOT new.department_id BEGIN "
    + _set_facets("ideas.author_id = new.id")
    + "END",
    "CREATE TRIGGER ideas_facets_author AFTER UPDATE OF author_id ON ideas "
    "WHEN old.author_id IS NOT new.author_id BEGIN " + _set_facets("ideas.id = new.id") + "END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
]
SQLITE_FACETS_DROP = [
    "DROP TRIGGER IF EXISTS ideas_facets_author",
    "DROP TRIGGER IF EXISTS users_facets_department",
    "DROP TRIGGER IF EXISTS idea_tags_facets_update",
    "DROP TRIGGER IF EXISTS idea_tags_facets_delete",
    "DROP TRIGGER IF EXISTS idea_tags_facets_insert",
    *SQLITE_DROP,
    f"ALTER TABLE ideas DROP COLUMN {FACETS}",
]
POSTGRES_CREATE = [f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_DOCUMENT})"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_ideas_search"]
# Since 0016_filter_ranks PostgreSQL stores each idea's document, computed by the database
# when the text is written (a generated column), and indexes that: a page that walks the
# rank index through a broad search tests each idea's stored vector (about 1 µs) instead
# of computing it from the text again (about 50 µs: two languages' stemmers).
POSTGRES_VECTOR = "search_vector"
POSTGRES_STORED_CREATE = [
    f"ALTER TABLE ideas ADD COLUMN {POSTGRES_VECTOR} tsvector"
    f" GENERATED ALWAYS AS ({POSTGRES_DOCUMENT}) STORED",
    f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_VECTOR})",
]
POSTGRES_STORED_DROP = [
    "DROP INDEX IF EXISTS ix_ideas_search",
    f"ALTER TABLE ideas DROP COLUMN IF EXISTS {POSTGRES_VECTOR}",
]

# PostgreSQL since 0022_search_facets_postgres: `ideas.search_facets`, the filters' lexemes
# (`tag_token`, `department_token`), written by triggers whatever writes a tag, an idea's
# author or a person's department, never by the app, and the stored search vector is the
# text's document and these together, so that the one GIN index holds both.
_POSTGRES_FACETS_OF = (
    "CREATE FUNCTION ideas_search_facets(idea integer, author integer) RETURNS tsvector"
    " LANGUAGE sql STABLE AS $$ SELECT array_to_tsvector(ARRAY("
    "SELECT '_t' || encode(convert_to(tag, 'UTF8'), 'hex') FROM idea_tags"
    " WHERE idea_tags.idea_id = idea) || ARRAY("
    "SELECT '_d' || department_id FROM users WHERE users.id = author)) $$"
)
POSTGRES_FACETS_CREATE = [
    *POSTGRES_STORED_DROP,
    _POSTGRES_FACETS_OF,
    f"ALTER TABLE ideas ADD COLUMN {FACETS} tsvector NOT NULL DEFAULT ''",
    f"UPDATE ideas SET {FACETS} = ideas_search_facets(id, author_id)",
    f"ALTER TABLE ideas ADD COLUMN {POSTGRES_VECTOR} tsvector"
    f" GENERATED ALWAYS AS ({POSTGRES_DOCUMENT} || {FACETS}) STORED",
    f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_VECTOR})",
    # A new idea (its tags come after it) and an idea given another author: set before
    # the row is written, so its search vector is computed once.
    "CREATE FUNCTION ideas_facets_own() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"new.{FACETS} := ideas_search_facets(new.id, new.author_id); RETURN new; END $$",
    "CREATE TRIGGER ideas_facets_own BEFORE INSERT OR UPDATE OF author_id ON ideas"
    " FOR EACH ROW EXECUTE FUNCTION ideas_facets_own()",
    "CREATE FUNCTION idea_tags_facets() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"UPDATE ideas SET {FACETS} = ideas_search_facets(id, author_id) WHERE id IN ("
    "SELECT idea_id FROM (SELECT new.idea_id AS idea_id WHERE TG_OP <> 'DELETE'"
    " UNION SELECT old.idea_id WHERE TG_OP <> 'INSERT') AS changed); RETURN NULL; END $$",
    "CREATE TRIGGER idea_tags_facets AFTER INSERT OR DELETE OR UPDATE OF idea_id, tag"
    " ON idea_tags FOR EACH ROW EXECUTE FUNCTION idea_tags_facets()",
    "CREATE FUNCTION users_facets_department() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"UPDATE ideas SET {FACETS} = ideas_search_facets(id, author_id)"
    " WHERE author_id = new.id; RETURN NULL; END $$",
    "CREATE TRIGGER users_facets_department AFTER UPDATE OF department_id ON users"
    " FOR EACH ROW WHEN (old.department_id IS DISTINCT FROM new.department_id)"
    " EXECUTE FUNCTION users_facets_department()",
]
POSTGRES_FACETS_DROP = [
    "DROP TRIGGER IF EXISTS users_facets_department ON users",
    "DROP TRIGGER IF EXISTS idea_tags_facets ON idea_tags",
    "DROP TRIGGER IF EXISTS ideas_facets_own ON ideas",
    "DROP FUNCTION IF EXISTS users_facets_department()",
    "DROP FUNCTION IF EXISTS idea_tags_facets()",
    "DROP FUNCTION IF EXISTS ideas_facets_own()",
    *POSTGRES_STORED_DROP,
    f"ALTER TABLE ideas DROP COLUMN IF EXISTS {FACETS}",
    "DROP FUNCTION IF EXISTS ideas_search_facets(integer, integer)",
    *POSTGRES_STORED_CREATE,
]
