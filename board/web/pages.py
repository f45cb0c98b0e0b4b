"""The board (ideas + task columns + current prompts) and "my tasks"."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from board import ideas, people, policy, prompts, tasks
from board.db import db_for_request
from board.errors import Denied, Invalid
from board.i18n import N_
from board.ideas import SORTS
from board.inputs import tag_key
from board.limits import SEARCH_MAX
from board.security import person_as_reader
from board.web import web
from board.web.cards import idea_card_words, idea_cards_kept, task_columns_kept, task_controls
from board.web.common import ago_at, login_page, query_int
from board.web.frames import kept_page, page_form_fields

TASK_COLUMNS = tasks.STATUSES
BOARD_PAGE = 50  # ideas on the first screen; the rest come on scroll (static/js/more.js)
CHALLENGE_GROUP = 50  # ideas shown with a running challenge; its page has them all
BOARD_TASKS = 20  # tasks per column on the board; each column's page has them all
COLUMN_PAGE = 50  # tasks per page of a column's own page
PROMPT_STRIP = 4  # prompts and challenges in the strip at the top ("Now on the board")
# Every `can(current_user, …)` the board page's frame asks (base.html, board.html and the
# top of partials/cards.html): their answers are part of the kept frame's key.
FRAME_ASKS = (
    "help.view",
    "profile.settings",
    "invite.list",
    "webhooks.manage",
    "idea.create",
    "task.create",
    "idea.vote",
    "task.claim",
    "nudge.receive",
)


@web.get("/")
@login_page
@person_as_reader
def board():
    session = db_for_request()
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "top"
    filters = {
        "department": query_int("department"),
        "tag": tag_key(request.args.get("tag") or "")[:40] or None,
        "q": (request.args.get("q") or "").strip()[:SEARCH_MAX] or None,
    }
    try:
        idea_list, next_cursor = ideas.page_ideas(
            session,
            current_user,
            sort=sort,
            department_id=filters["department"],
            tag=filters["tag"],
            q=filters["q"],
            limit=BOARD_PAGE,
            cursor=request.args.get("cursor") or None,
            apart_from_challenges=True,
        )
    except Invalid:  # a stale or edited "more" link: start from the top again
        idea_list, next_cursor = ideas.page_ideas(
            session,
            current_user,
            sort=sort,
            department_id=filters["department"],
            tag=filters["tag"],
            q=filters["q"],
            limit=BOARD_PAGE,
            apart_from_challenges=True,
        )
    column_rows = tasks.board_column_rows(session, current_user, BOARD_TASKS)
    all_prompts = prompts.board_prompts(session, current_user)
    # Ideas of a running challenge whose tallies are hidden are shown with their challenge,
    # in the order of its own each person gets (not last under "Top", as if unvoted).
    grouping = [
        prompt
        for prompt in all_prompts
        if prompt["kind"] == "challenge" and prompt["hide_tallies"] and prompt["phase"] != "closed"
    ]
    challenge_groups = [
        (
            prompt,
            ideas.page_ideas(
                session,
                current_user,
                department_id=filters["department"],
                tag=filters["tag"],
                q=filters["q"],
                prompt_id=prompt["id"],
                limit=CHALLENGE_GROUP,
            ),
        )
        for prompt in grouping
    ]
    grouped = [idea for _prompt, (items, _more) in challenge_groups for idea in items]
    comment_counts = ideas.comment_counts(
        session, current_user, [i["id"] for i in idea_list + grouped]
    )
    prompt_titles = {p["id"]: p["title"] for p in all_prompts}
    current_prompts = [p for p in all_prompts if p["phase"] != "closed"]
    # The cards, kept each (board/web/cards.py); the page around them, kept too (frames.py).
    user = current_user._get_current_object()
    words = idea_card_words()
    may_vote, may_claim = policy.can(user, "idea.vote"), policy.can(user, "task.claim")
    fields = page_form_fields()

    def idea_cards(items: list[dict]) -> Markup:
        return idea_cards_kept(
            items, comment_counts, prompt_titles, user.id, words, may_vote, fields
        )

    cards = {
        "ideas": idea_cards(idea_list),
        **{f"challenge-{p['id']}": idea_cards(group) for p, (group, _) in challenge_groups},
        **task_columns_kept(session, column_rows, may_claim, words, fields),
    }
    page = {
        "sort": sort,
        "filters": filters,
        "filtered": any(filters.values()),
        "idea_count": len(idea_list),
        "next_cursor": next_cursor,
        "continued": bool(request.args.get("cursor")),
        "challenge_groups": [
            (prompt, len(group), bool(more)) for prompt, (group, more) in challenge_groups if group
        ],
        # every challenge whose ideas have a group, also while it has none to show: the
        # group of its first idea that arrives live is made in the browser (static/js/apply.js)
        "grouping_challenges": [{"id": p["id"], "title": p["title"]} for p in grouping],
        "column_sizes": tasks.column_sizes(column_rows),
        "task_totals": tasks.column_totals(column_rows),
        "strip_prompts": current_prompts[:PROMPT_STRIP],
        "open_prompts": [p for p in all_prompts if p["phase"] == "collecting"],
        "departments": people.department_choices(session),
        "tags": ideas.tags_in_use(session, current_user),
    }
    # What else the frame prints: the strip's "closes in 3 days", the days the new-task
    # form's date input offers, and which controls the <template> for live task cards
    # carries for this reader.
    plan_days = [day.isoformat() for day in tasks.publish_on_bounds(words["now"])]
    closing = [
        ago_at(p[field], words["now"], words["locale"])
        for p in page["strip_prompts"]
        for field in ("submissions_close_at", "voting_close_at")
        if p.get(field)
    ]
    template_controls = task_controls({"status": "open"}, True, may_claim, user)
    return kept_page("board.html", page, cards, FRAME_ASKS, (closing, plan_days, template_controls))


@web.get("/tasks")
@login_page
def task_column():
    """One column of the board's tasks, all of them, a page at a time (newest first): where
    a column's "All … tasks" link leads, and the same without JavaScript."""
    session = db_for_request()
    status = request.args.get("status")
    status = status if status in TASK_COLUMNS else "open"
    mine = request.args.get("mine") == "1" and status != "open"  # "my tasks": held or done
    if mine:
        refuse_if_holding_no_tasks()
    cursor = request.args.get("cursor") or None
    try:
        shown, next_cursor = tasks.page_tasks(
            session, current_user, status=status, mine=mine, limit=COLUMN_PAGE, cursor=cursor
        )
    except Invalid:  # a stale or edited "more" link: start from the newest again
        cursor = None
        shown, next_cursor = tasks.page_tasks(
            session, current_user, status=status, mine=mine, limit=COLUMN_PAGE
        )
    return render_template(
        "tasks.html",
        status=status,
        mine=mine,
        tasks=shown,
        total=tasks.count_tasks(session, current_user, status, mine=mine),
        next_cursor=next_cursor,
        continued=cursor is not None,
        idea_titles=ideas.idea_titles(
            session, current_user, {t["idea_id"] for t in shown if t["idea_id"]}
        ),
    )


def refuse_if_holding_no_tasks() -> None:
    """The tasks one holds and completed: observers claim none (board/policy.py), so these
    pages are not theirs; they are told where to follow the work instead of shown empty
    columns."""
    if not policy.can(current_user, "task.claim"):
        raise Denied(
            N_(
                "Observers hold no tasks. The board's task columns show who is working on "
                "what, and the feed what has happened."
            ),
            code="read_only",
        )


@web.get("/my-tasks")
@login_page
def my_tasks():
    refuse_if_holding_no_tasks()
    session = db_for_request()
    # What the person holds is bounded by the claim limit; what they completed and what is
    # open grow with the board: the newest few of each, counted, with a link to all.
    held, completed, open_tasks = tasks.my_tasks(session, current_user, limit=BOARD_TASKS)
    every = held + completed + open_tasks
    return render_template(
        "my_tasks.html",
        held=held,
        completed=completed,
        completed_total=tasks.count_tasks(session, current_user, "done", mine=True),
        open_tasks=open_tasks,
        open_total=tasks.count_tasks(session, current_user, "open"),
        idea_titles=ideas.idea_titles(
            session, current_user, {t["idea_id"] for t in every if t["idea_id"]}
        ),
    )
