"""Prompts and challenges as pages: the list, posting one (the facilitator), a challenge
with its ideas, votes, mentor notes and results, and turning a winner into tasks.
Server-rendered and usable without JavaScript: every action is a form posting to a route
here that calls the same services as the JSON API. Nudges: nudge_pages.py; where help is
needed: help_pages.py.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from board import ideas, prompts, tasks
from board.db import db_for_request
from board.errors import BoardError, Invalid, NotFound
from board.i18n import N_, _, ngettext, translate_field
from board.limits import TEXT_MAX, TITLE_MAX
from board.text import render_markdown
from board.web import web
from board.web.common import (
    FIELD_NAMES,
    flash_refusal,
    form_number,
    form_text,
    form_time,
    login_page,
)

# How the shared refusal messages name this module's form fields.
FIELD_NAMES.update(
    {
        "kind": "Kind",
        "message": "Message",
        "to_user_id": "Person",
        "task_id": "Task",
        "titles": "Tasks",
        "submissions_close_at": "Submissions close",
        "voting_close_at": "Voting closes",
        "votes_per_person": N_("Votes per person"),
        "hide_tallies": N_("Hide the tallies"),
    }
)


@web.app_template_filter("facil_markdown")
def facil_markdown(source: str | None) -> Markup:
    """Markdown to sanitized HTML (markdown-it, then nh3): user text never becomes markup."""
    return Markup(render_markdown(source or ""))


# ---- prompts and challenges ----------------------------------------------------------


@web.get("/prompts")
@login_page
def prompts_page():
    return _render_prompts()


def _render_prompts(errors: dict | None = None, status: int = 200):
    session = db_for_request()
    items, idea_counts = prompts.list_prompts_counted(session, current_user)
    return render_template(
        "prompts.html",
        prompts=items,
        idea_counts=idea_counts,
        errors=errors or {},
        form=request.form if errors else {},
    ), status


@web.post("/prompts")
@login_page
def post_prompt():
    session = db_for_request()
    try:
        kind = request.form.get("kind", "prompt")
        data = prompts.create_prompt(
            session,
            current_user,
            kind,
            form_text("title", TITLE_MAX),
            form_text("body", TEXT_MAX),
            submissions_close_at=form_time("submissions_close_at"),
            voting_close_at=form_time("voting_close_at"),
            hide_tallies=(request.form.get("hide_tallies") == "1") if kind == "challenge" else None,
            votes_per_person=form_number("votes_per_person") if kind == "challenge" else None,
        )
    except Invalid as error:
        session.rollback()
        fields = {k: translate_field(v) for k, v in (error.fields or {}).items()}
        return _render_prompts(fields or {"form": _(error.message)}, 400)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("web.prompts_page"))
    flash(_("Posted."), "success")
    return redirect(url_for("web.prompt_page", prompt_id=data["id"]))


@web.get("/prompts/<int:prompt_id>")
@login_page
def prompt_page(prompt_id: int):
    session = db_for_request()
    prompt = prompts.get_prompt(session, current_user, prompt_id)
    items = ideas.list_ideas(session, current_user, prompt_id=prompt_id, sort="top")
    results = linked_tasks = None
    if prompt["kind"] == "challenge" and prompt["phase"] == "closed":
        results = prompts.challenge_results(session, current_user, prompt_id)
        ranked = [row["idea_id"] for row in results["ranking"]]
        linked_tasks = tasks.tasks_of_ideas(session, current_user, ranked)
    # Each idea's newest mentor notes and its number of comments, all ideas at once; the
    # idea's page has the rest (every comment of every idea was read here).
    shown = [row["idea_id"] for row in results["ranking"]] if results else [i["id"] for i in items]
    return render_template(
        "prompts_detail.html",
        prompt=prompt,
        ideas=items,
        results=results,
        linked_tasks=linked_tasks or {},
        notes=ideas.newest_mentor_notes(session, current_user, shown),
        comment_counts={}
        if results
        else ideas.comment_counts(session, current_user, [i["id"] for i in items]),
        votes_used=sum(1 for i in items if i["voted"]),
    )


def _form_action(prompt_id: int, anchor: str, action) -> object:
    """Run a form's service call and come back to the prompt (Post/Redirect/Get); a refusal
    becomes a flash message, like on every page form."""
    session = db_for_request()
    try:
        action(session)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    return redirect(url_for("web.prompt_page", prompt_id=prompt_id) + anchor)


@web.post("/prompts/<int:prompt_id>/ideas")
@login_page
def post_prompt_idea(prompt_id: int):
    def action(session):
        prompts.get_prompt(session, current_user, prompt_id)
        ideas.create_idea(
            session,
            current_user,
            form_text("title", TITLE_MAX),
            form_text("body", TEXT_MAX),
            None,
            prompt_id,
        )
        flash(_("Your idea is in."), "success")

    return _form_action(prompt_id, "#ideas", action)


def _idea_of(session, prompt_id: int, idea_id: int) -> dict:
    idea = ideas.get_idea(session, current_user, idea_id)
    if idea["prompt_id"] != prompt_id:
        raise NotFound("No such idea.", code="idea_not_found")
    return idea


@web.post("/prompts/<int:prompt_id>/ideas/<int:idea_id>/vote")
@login_page
def vote_on_prompt_idea(prompt_id: int, idea_id: int):
    def action(session):
        _idea_of(session, prompt_id, idea_id)
        if request.form.get("vote") == "0":
            ideas.unvote(session, current_user, idea_id)
        else:
            ideas.vote(session, current_user, idea_id)

    return _form_action(prompt_id, f"#idea-{idea_id}", action)


@web.post("/prompts/<int:prompt_id>/ideas/<int:idea_id>/notes")
@login_page
def post_mentor_note(prompt_id: int, idea_id: int):
    def action(session):
        _idea_of(session, prompt_id, idea_id)
        ideas.add_comment(
            session, current_user, idea_id, form_text("body", TEXT_MAX), mentor_note=True
        )
        flash(_("Mentor note added."), "success")

    return _form_action(prompt_id, f"#idea-{idea_id}", action)


@web.post("/prompts/<int:prompt_id>/ideas/<int:idea_id>/tasks")
@login_page
def turn_into_tasks(prompt_id: int, idea_id: int):
    """From the results page: one unclaimed task per line, each linking back to the idea."""

    def action(session):
        _idea_of(session, prompt_id, idea_id)
        lines = form_text("titles", TEXT_MAX).splitlines()
        created = tasks.create_tasks_for_idea(session, current_user, idea_id, lines)
        flash(
            ngettext(
                "%(num)s task created. Anyone can claim it now.",
                "%(num)s tasks created. Anyone can claim them now.",
                len(created),
            ),
            "success",
        )

    return _form_action(prompt_id, f"#idea-{idea_id}", action)
