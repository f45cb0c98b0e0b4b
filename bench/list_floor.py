"""The floor of the list benchmark: a bare Flask app serving the first page of ideas from
one indexed query on the stored tallies, LIMIT 50, over HTTP.

No login, no ORM, no policy, no hidden challenges, no per-caller `voted`: what any page
of 50 ideas must cost at least on this stack. Same query parameters as the board
(`sort`, `department`, `tag`, `q`); `/` renders the same 50 ideas as minimal HTML.

    gunicorn -w 1 --threads 8 "bench.list_floor:create_floor_app('sqlite:///…')"
"""

from __future__ import annotations

import sqlite3
import threading

from flask import Flask, jsonify, render_template_string, request

ORDER = {
    "top": "vote_count DESC, departments_supporting DESC, ideas.created_at DESC, ideas.id DESC",
    "hot": "hot_score DESC, ideas.id DESC",
    "new": "ideas.created_at DESC, ideas.id DESC",
}
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Board</title></head>
<body><main><ol>{% for idea in ideas %}<li><article><h3>{{ idea.title }}</h3>
<div>{{ idea.body_html|safe }}</div><p>{{ idea.author }} · {{ idea.department }} ·
{{ idea.votes }} votes · {{ idea.departments_supporting }} departments</p></article></li>
{% endfor %}</ol></main></body></html>"""


def create_floor_app(url: str) -> Flask:
    app = Flask(__name__)
    path = url.removeprefix("sqlite:///")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path, check_same_thread=False)
            local.db.row_factory = sqlite3.Row
        return local.db

    def first_page() -> list[dict]:
        sort = request.args.get("sort", "top")
        where, params = [], []
        if request.args.get("department"):
            where.append("users.department_id = ?")
            params.append(int(request.args["department"]))
        if request.args.get("tag"):
            where.append("ideas.id IN (SELECT idea_id FROM idea_tags WHERE tag = ?)")
            params.append(request.args["tag"])
        if request.args.get("q"):
            where.append("ideas.id IN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?)")
            # Every word anywhere, as the board asks (one quoted string would be a phrase:
            # "podcast tent" found 44 ideas of 1,000 where the board's page has 238 to rank).
            words = request.args["q"].replace('"', "").split()
            params.append(" ".join(f'"{word}"' for word in words))
        sql = (
            "SELECT ideas.id, ideas.title, ideas.body, ideas.body_html, ideas.vote_count,"
            " ideas.departments_supporting, ideas.created_at, ideas.prompt_id,"
            " users.id AS author_id, users.display_name, departments.id AS department_id,"
            " departments.name AS department"
            " FROM ideas JOIN users ON users.id = ideas.author_id"
            " JOIN departments ON departments.id = users.department_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {ORDER.get(sort, ORDER['top'])} LIMIT 50"
        )
        return [
            {
                "id": row["id"],
                "title": row["title"],
                "body": row["body"],
                "body_html": row["body_html"],
                "author": row["display_name"],
                "department": row["department"],
                "votes": row["vote_count"],
                "departments_supporting": row["departments_supporting"],
                "prompt_id": row["prompt_id"],
                "created_at": row["created_at"],
            }
            for row in connection().execute(sql, params)
        ]

    @app.get("/api/v1/ideas")
    def ideas():
        return jsonify({"items": first_page(), "next_cursor": None})

    @app.get("/")
    def board():
        return render_template_string(PAGE, ideas=first_page())

    return app
