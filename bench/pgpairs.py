"""A filter and a word on PostgreSQL: each page's statements as `page_ideas` asks them,
main's (the walk of the rank index without a bound) against the bounded walk and, when it
falls short, the GIN index's list. Each page 15 times on one psycopg connection (prepared
from the sixth run, as the app's statements are), under `plan_cache_mode` auto (the
server's default, what the app gets) and force_custom_plan (the first five runs); prints
the median ms of the last 7 runs (docs/performance.md, helper `pgpair`).

    python -m bench.pgpairs postgresql://postgres@127.0.0.1:5432/pgpair100k

The database: a board of `bench/lists.py`'s builders (`build`, then `build_postgres`) with
a small tag added by plain SQL:
    INSERT INTO idea_tags (idea_id, tag) SELECT id, 'smalltag' FROM ideas WHERE id % 500 = 7
"""

from __future__ import annotations

import statistics
import sys
import time

PAIRS = [
    ("tag7 + lantern (rare)", "tag7", None, "lantern"),
    ("department 3 + compass (rare)", None, 3, "compass"),
    ("tag7 + podcast (common)", "tag7", None, "podcast"),
    ("department 3 + podcast (common)", None, 3, "podcast"),
    ("smalltag + lantern (small tag)", "smalltag", None, "lantern"),
]
RUNS = 15


def main() -> None:
    import psycopg
    from sqlalchemy.dialects import postgresql

    from board import ideas, search

    url = sys.argv[1]
    dialect = postgresql.psycopg.dialect()

    def prepared(statement, values):
        sql = str(statement.compile(dialect=dialect))
        return sql, {key: value for key, value in values.items() if f"%({key})s" in sql}

    for label, tag, department, q in PAIRS:
        values = {
            "tag": tag,
            "department_id": department,
            "limit": 51,
            **search.parameters("postgresql", q),
            "facets": search.postgres_facets(tag, department),
        }
        narrow = ("postgresql", department is not None, tag is not None, "narrow", False)
        faceted = (*narrow[:3], "faceted", False)
        before = prepared(ideas._page_statement(narrow, "top", False, False, False), values)
        walk = prepared(
            ideas._walk_statement(faceted, "top", False, False, ideas.WALK_BUDGET), values
        )
        listed = prepared(ideas._page_statement(faceted, "top", False, False, False), values)

        def ask_before(connection, before=before):
            connection.execute(*before, prepare=True).fetchall()

        def ask_after(connection, walk=walk, listed=listed):
            rows = connection.execute(*walk, prepare=True).fetchall()
            found = [row for row in rows if row[0] is not None]
            if len(found) <= 50 and len(found) < len(rows):  # stopped at its bound
                connection.execute(*listed, prepare=True).fetchall()

        out = []
        for mode in ("auto", "force_custom_plan"):
            for name, ask in (("main", ask_before), ("bounded walk", ask_after)):
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(f"SET plan_cache_mode = {mode}")
                    times = []
                    for _run in range(RUNS):
                        started = time.perf_counter()
                        ask(connection)
                        times.append((time.perf_counter() - started) * 1000)
                out.append(f"{mode[:6]} {name} {statistics.median(times[-7:]):6.2f}")
        print(f"{label:34} " + "  ".join(out), flush=True)


if __name__ == "__main__":
    main()
