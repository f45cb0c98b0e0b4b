"""The idea page and the idea forms (post, edit, vote, comment). Without JavaScript every
form posts here and comes back (Post/Redirect/Get); refusals become flash messages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from board import ideas, prompts, publications, tasks
from board.db import db_for_request
from board.errors import BoardError, NotFound
from board.i18n import _
from board.limits import TEXT_MAX, TITLE_MAX
from board.web import web
from board.web.common import (
    as_target,
    back,
    flash_refusal,
    form_date,
    form_id,
    form_image_markdown,
    form_tags,
    form_text,
    login_page,
    refused_form,
    with_image,
)


@web.get("/ideas/<int:idea_id>")
@login_page
def idea_page(idea_id: int):
    session = db_for_request()
    idea = ideas.get_idea(session, current_user, idea_id)
    prompt = (
        prompts.get_prompt(session, current_user, idea["prompt_id"]) if idea["prompt_id"] else None
    )
    comments = ideas.page_of_comments(
        session, current_user, idea_id, request.args.get("comments_before") or None
    )
    return render_template(
        "idea.html",
        idea=idea,
        comments=comments.items,
        earlier_comments=comments.earlier,
        newest_comments="comments_before" in request.args,
        tasks=tasks.list_tasks(session, current_user, idea_id=idea_id),
        prompt=prompt,
        comment_counts=ideas.comment_counts(session, current_user, [idea_id]),
    )


@web.post("/ideas")
@login_page
def post_idea():
    session = db_for_request()
    try:
        title = form_text("title", TITLE_MAX, required=True)
        body = form_text("body", TEXT_MAX)
        idea = ideas.create_idea(
            session,
            current_user,
            title=title,
            body=with_image(body, form_image_markdown(session)),
            tags=form_tags(),
            prompt_id=form_id("prompt_id"),
        )
    except BoardError as refusal:
        session.rollback()
        return refused_form(refusal, "idea", action="idea.create")
    flash(_("Your idea is on the board."), "success")
    return redirect(url_for("web.idea_page", idea_id=idea["id"]))


@web.post("/ideas/<int:idea_id>/edit")
@login_page
def edit_idea(idea_id: int):
    session = db_for_request()
    try:
        changes = {
            "title": form_text("title", TITLE_MAX, required=True),
            "body": form_text("body", TEXT_MAX),
            "tags": form_tags(),
        }
        changes["body"] = with_image(changes["body"], form_image_markdown(session))
        ideas.update_idea(session, current_user, idea_id, changes)
    except BoardError as refusal:
        session.rollback()
        if isinstance(refusal, NotFound):
            flash_refusal(refusal)
            return redirect("/")
        idea = ideas.get_idea(session, current_user, idea_id)
        return refused_form(refusal, "idea-edit", f"/ideas/{idea_id}", "idea.edit", as_target(idea))
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("web.idea_page", idea_id=idea_id))


@web.post("/ideas/<int:idea_id>/vote")
@login_page
def vote_idea(idea_id: int):
    """One form for both: `vote=1` gives the vote, `vote=0` takes it back."""
    session = db_for_request()
    giving = request.form.get("vote", "1") != "0"
    try:
        if giving:
            ideas.vote(session, current_user, idea_id)
        else:
            ideas.unvote(session, current_user, idea_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        flash(_("Your vote is in.") if giving else _("Your vote is taken back."), "success")
    return back(url_for("web.idea_page", idea_id=idea_id), anchor=f"idea-{idea_id}")


@web.post("/ideas/<int:idea_id>/comments")
@login_page
def comment_idea(idea_id: int):
    session = db_for_request()
    try:
        body = form_text("body", TEXT_MAX)
        picture = form_image_markdown(session)
        comment = ideas.add_comment(
            session,
            current_user,
            idea_id,
            with_image(body, picture),
            mentor_note=request.form.get("mentor_note") == "1",
        )
    except BoardError as refusal:
        session.rollback()
        return refused_form(refusal, "comment", f"/ideas/{idea_id}", "comment.create")
    flash(_("Your comment is posted."), "success")
    return redirect(url_for("web.idea_page", idea_id=idea_id, _anchor=f"comment-{comment['id']}"))


@web.post("/ideas/<int:idea_id>/publications")
@login_page
def publish_idea(idea_id: int):
    """Record where the idea went live; the day (optional) is taken as noon UTC, or now
    when that is still to come today."""
    session = db_for_request()
    try:
        day = form_date("published_on")
        publications.record_publication(
            session,
            current_user,
            idea_id,
            form_text("url", 2000, required=True),
            form_text("channel", 40, required=True),
            publications.day_published(day) if day else None,
        )
    except BoardError as refusal:
        session.rollback()
        if refusal.fields and "published_at" in refusal.fields:
            # the form asks for the day, `published_on`: its error goes beside that field
            refusal.fields["published_on"] = refusal.fields.pop("published_at")
        return refused_form(refusal, "publication", f"/ideas/{idea_id}", "idea.publish")
    flash(_("The publication is recorded. Well done!"), "success")
    return redirect(url_for("web.idea_page", idea_id=idea_id, _anchor="publications"))


@web.post("/ideas/<int:idea_id>/done")
@login_page
def mark_idea_done(idea_id: int):
    session = db_for_request()
    done = request.form.get("done") != "0"
    try:
        publications.mark_done(session, current_user, idea_id, done)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        # said where the button was (nav.js): its new label alone went unnoticed
        flash(_("Your idea is done.") if done else _("Your idea is open again."), "success")
    return redirect(url_for("web.idea_page", idea_id=idea_id, _anchor="publications"))
