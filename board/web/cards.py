"""What an idea card on the board shows, worked out in Python once per card.

The board page shows 50 cards. Built from nested macros, filters and a `_()` for every word,
a card cost about 45 template calls and the cards most of the page's time. The card is now
one macro (`idea_card` in templates/partials/cards.html) that prints the strings prepared
here: the words of the page once per request, each card's sentences (with their numbers and
titles put in and escaped as a template's `_()` does) once per card. The markup stays in
the template, the same as before, byte for byte; static/js/render.js fills the same card.
Task cards (`task_card`) likewise: `task_card_facts` prepares their idea, plan and claim
lines and says which controls they show (the policy asked once per card).
"""

from __future__ import annotations

import orjson
from flask import g
from flask_login import current_user
from jinja2.utils import url_quote
from markupsafe import Markup, escape

from board import clock, moderation, policy
from board.i18n import _catalog, get_locale, gettext, pgettext
from board.kept import keep
from board.privacy import current_mask
from board.tasks import card_moment, channel_label, columns_of_rows
from board.web import web
from board.web.common import (
    ago_at,
    as_target,
    dept_class,
    excerpt,
    plan_day,
    when_formats,
    when_in,
)


@web.app_template_global("idea_card_words")
def idea_card_words() -> dict:
    """What every card of a page shares: its fixed words in the reader's language, the
    catalog, the moment and the formats its times are written with. Once per page (the
    page imports partials/cards.html twice: itself and through base.html)."""
    page_locale = get_locale()
    cached = g.get("board_card_words")
    if cached is not None and cached["page_locale"] is page_locale:
        return cached
    formats = when_formats()
    locale = formats[0]  # the process's Locale for the language: keys compare it at once
    catalog = _catalog()
    known = _WORDS.get(locale)
    if known is None or known[0] is not catalog:
        known = _WORDS[locale] = (catalog, _translated_words())
    words = dict(known[1])
    words["catalog"] = catalog
    words["page_locale"] = page_locale
    words["locale"] = locale
    words["now"] = clock.now()
    words["when_formats"] = formats
    g.board_card_words = words
    return words


# The cards' words by locale, with the catalog they were translated from: the same for
# every page in that language (about 30 sentences, a tenth of a page without cards).
_WORDS: dict = {}


def _translated_words() -> dict:
    """The cards' fixed words in the current locale (idea_card_words adds the page's own)."""
    words = {
        "vote": gettext("vote"),
        "votes": gettext("votes"),
        "vote_button": gettext("Vote"),
        "voted_button": gettext("Voted"),
        "hidden_idea": gettext("Hidden idea"),
        "you": gettext("You"),
        "tags": gettext("Tags"),
        "tallies_hidden": gettext("Tallies hidden until the challenge closes"),
        "no_votes": gettext("No votes yet"),
        "open": gettext("Open"),
        # patterns, filled per card as a template's _() fills them (the values escaped)
        "vote_for": gettext("Vote for: %(title)s"),
        "voted_for": gettext("Voted for: %(title)s (press to take it back)"),
        "tasks_done": gettext("Tasks done: %(done)s / %(total)s"),
        "answers": gettext("Answers: %(title)s"),
        "hidden_by_flags": gettext("Hidden after flags from several departments: %(reason)s"),
        "hidden_by_facilitator": gettext("Hidden by the facilitator: %(reason)s"),
        # the task cards' words (task_card, task_actions and task_claim_line)
        "claim": gettext("Claim"),
        "mark_done": gettext("Mark done"),
        "release": gettext("Release"),
        "reopen": gettext("Reopen"),
        "free_to_claim": gettext("Free to claim"),
        "claimed_by": gettext("Claimed by %(person)s"),
        "done_by": gettext("Done by %(person)s"),
        "you_after_by": pgettext("after by", "you"),
        "idea_number": gettext("Idea #%(id)s"),
        "help_wanted": gettext("Help wanted"),
    }
    words = {key: Markup(text) for key, text in words.items()}
    words["status"] = {
        "in_progress": Markup(gettext("In progress")),
        "done": Markup(gettext("Done")),
        "claimed": Markup(gettext("Claimed")),
    }
    words["flag_reasons"] = {
        code: gettext(label) for code, label in moderation.REASON_LABELS.items()
    }
    return words


def _plural(catalog, singular: str, plural: str, num: int) -> Markup:
    """A template's `ngettext`: the form for `num`, with `num` put in."""
    return Markup(catalog.ungettext(singular, plural, num)) % {"num": num}


def _h(value) -> str:
    """What `{{ value }}` prints in an autoescaped template: a plain string with & < > ' "
    replaced as MarkupSafe replaces them (without a Markup made for each), anything else
    (Markup, numbers, None) through MarkupSafe itself. The cards print ~30 values each."""
    if type(value) is str:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return str(escape(value))


class IdeaCard:
    """The strings one idea card prints (templates/partials/cards.html, `idea_card`)."""

    __slots__ = (
        "id", "status", "hidden", "hidden_line", "finished", "votes_data", "created",
        "department_id", "tags_data", "votes_hidden", "votes_text", "votes_label", "voted",
        "vote_aria", "vote_button", "voted_button", "title", "is_you", "dept_class", "name",
        "handle_hidden", "handle", "department", "when", "ago", "thumb", "excerpt", "tags_label",
        "tags", "support", "comment_count", "comments", "status_label", "progress",
        "progress_hidden", "tasks_done", "tasks_total", "prompt_id", "prompt_line",
    )  # fmt: skip


def finished(idea: dict) -> bool:
    """It went live (a publication is recorded) or its author says it is done."""
    return bool(idea.get("publications") or idea.get("marked_done"))


def shown_status(idea: dict) -> str:
    """The badge a card and the idea page show: Done only once the idea is finished; until
    then In progress as soon as work started, even when every task written down so far is
    done (the progress says 3 / 3). The API's `status` follows the tasks alone (done with
    the last one); the badge does not say Done before the work went out.
    static/js/render.js `shownStatus` is the same rule."""
    if finished(idea):
        return "done"
    return "open" if idea["status"] == "open" else "in_progress"


@web.app_template_global("idea_card_facts")
def idea_card_facts(
    idea: dict, comment_count: int, prompt_titles: dict, reader_id: int | None, words: dict
) -> IdeaCard:
    """One card's strings, from an idea as the list serializes it (or the page's blank one);
    `words` from `idea_card_words`."""
    card = IdeaCard()
    get = idea.get
    card.id = idea["id"]
    card.status = status = shown_status(idea)
    hidden = get("hidden")
    card.hidden = bool(hidden)
    card.hidden_line = ""
    if hidden:
        if hidden["by"] == "flags":
            reason = words["flag_reasons"].get(hidden["reason"], hidden["reason"])
            card.hidden_line = words["hidden_by_flags"] % {"reason": reason}
        else:
            card.hidden_line = words["hidden_by_facilitator"] % {"reason": hidden["reason"]}
    card.finished = "1" if finished(idea) else "0"
    votes = idea["votes"]
    card.votes_data = votes if votes is not None else 0
    card.created = created = idea["created_at"]
    author = idea["author"]
    department = author["department"]
    card.department_id = department["id"]
    tags = idea["tags"]
    card.tags_data = " ".join(tags)
    # the vote box: no number while the tallies are hidden (the support line says why,
    # once; a "? hidden" above it said it a second time)
    card.votes_hidden = votes is None
    card.votes_text = "" if votes is None else votes
    card.votes_label = "" if votes is None else words["vote"] if votes == 1 else words["votes"]
    card.voted = voted = bool(get("voted"))
    title = idea["title"]
    card.vote_aria = (words["voted_for"] if voted else words["vote_for"]) % {"title": title}
    card.vote_button, card.voted_button = words["vote_button"], words["voted_button"]
    card.title = title or words["hidden_idea"]
    # the author, as the `person` macro shows them ("You" for the reader)
    card.is_you = is_you = reader_id == author["id"]
    card.dept_class = dept_class(department)
    card.name = words["you"] if is_you else author["display_name"]
    card.handle_hidden = is_you or not author.get("name_shared")
    card.handle = author.get("handle") or ""
    card.department = department["name"] if author["id"] is not None else ""  # see _person
    card.when = when_in(created, words["when_formats"])
    card.ago = ago_at(created, words["now"], words["locale"])
    images = get("images")
    card.thumb = images[0]["url"] if images else None
    card.excerpt = excerpt(idea["body"])
    card.tags_label = words["tags"]
    card.tags = Markup(
        "".join(
            f'<li><a class="tag" href="/?tag={_h(url_quote(tag))}">#{_h(tag)}</a></li>'
            for tag in tags
        )
    )
    supporting = idea["departments_supporting"]
    if supporting is None:
        card.support = words["tallies_hidden"]
    elif supporting == 0:
        card.support = words["no_votes"]
    else:
        card.support = _plural(
            words["catalog"],
            "backed by %(num)s department",
            "backed by %(num)s departments",
            supporting,
        )
    card.comment_count = comment_count
    card.comments = _plural(words["catalog"], "%(num)s comment", "%(num)s comments", comment_count)
    card.status_label = words["status"].get(status, words["open"])
    card.tasks_total = total = get("tasks_total") or 0
    card.tasks_done = done = get("tasks_done") or 0
    card.progress_hidden = not total
    card.progress = words["tasks_done"] % {"done": done, "total": total}
    card.prompt_id = prompt_id = idea["prompt_id"]
    card.prompt_line = ""
    if prompt_id:
        prompt_title = prompt_titles.get(prompt_id, "#" + str(prompt_id))
        card.prompt_line = words["answers"] % {"title": prompt_title}
    return card


@web.app_template_global("vote_box_html")
def vote_box_html(c: IdeaCard, big: bool, may_vote: bool, form_fields: str) -> Markup:
    """The vote box of an idea's card facts (the `vote_box` macro, which the idea page
    calls, prints this; the board's cards print it inside `idea_card_html`)."""
    voted = c.voted
    form = ""
    if may_vote:
        form = (
            f'\n  <form method="post" action="/ideas/{c.id}/vote" class="vote-form"'
            f' data-api="vote" data-vote-idea="{c.id}">\n    {form_fields}\n'
            f'    <input type="hidden" name="vote" value="{"0" if voted else "1"}">\n'
            f'    <button type="submit" class="vote-button" data-action="'
            f'{"unvote" if voted else "vote"}" aria-pressed="{"true" if voted else "false"}"\n'
            f'            aria-label="{_h(c.vote_aria)}">\n'
            f'      <span class="when-off">{_h(c.vote_button)}</span><span class="when-on">'
            f"{_h(c.voted_button)}</span>\n    </button>\n  </form>\n  "
        )
    hidden = " hidden" if c.votes_hidden else ""
    return Markup(
        f'\n\n<div class="vote-box{" vote-box-big" if big else ""}{" is-voted" if voted else ""}"'
        f' data-hidden="{"1" if c.votes_hidden else "0"}">\n'
        f'  <span class="votes" data-field="votes" aria-describedby="votes-label-{c.id}"'
        f"{hidden}>{_h(c.votes_text)}</span>\n"
        f'  <span class="votes-label" id="votes-label-{c.id}" data-field="votes-label"'
        f"{hidden}>{_h(c.votes_label)}</span>\n  {form}\n</div>\n"
    )


@web.app_template_global("idea_card_html")
def idea_card_html(c: IdeaCard, may_vote: bool, form_fields: str) -> Markup:
    """What the `idea_card` macro prints: one idea card from its facts, as one string (a
    Jinja macro of the same markup cost about a fifth of the board page: a call, an
    attribute look-up and an escape for each of its ~45 fields). The markup is what person,
    time_ago, hidden_line, idea_thumb, tag_list, support_line, status_label and progress
    give on the idea's page; keep them in step (and with static/js/render.js)."""
    cid, status = c.id, c.status
    thumb = f' src="{_h(c.thumb)}"' if c.thumb else " hidden"
    prompt = f'<a href="/prompts/{_h(c.prompt_id)}">{_h(c.prompt_line)}</a>' if c.prompt_id else ""
    return Markup(
        f'\n<article class="idea-card status-{_h(status)}{" is-hidden" if c.hidden else ""}"'
        f' id="idea-{cid}" data-idea-id="{cid}" data-finished="{c.finished}"\n'
        f'         data-votes="{_h(c.votes_data)}" data-created="{_h(c.created)}"\n'
        f'         data-department-id="{_h(c.department_id)}"'
        f' data-tags="{_h(c.tags_data)}">\n'
        f"  {vote_box_html(c, False, may_vote, form_fields)}\n"
        f'  <div class="idea-main">\n'
        f'    <h3 class="idea-title"><a href="/ideas/{cid}" data-field="title">'
        f"{_h(c.title)}</a></h3>\n"
        f'    <p class="idea-meta"><span class="person{" is-you" if c.is_you else ""}">'
        f'<span class="dept-dot {_h(c.dept_class)}" aria-hidden="true"></span>'
        f'<bdi data-field="name">{_h(c.name)}</bdi> <span class="person-handle"'
        f' data-field="handle"{" hidden" if c.handle_hidden else ""}>@{_h(c.handle)}</span>'
        f' <bdi class="person-dept" data-field="department">{_h(c.department)}</bdi></span>'
        f' · <time datetime="{_h(c.created)}" title="{_h(c.when)}" data-field="time">'
        f"{_h(c.ago)}</time></p>\n"
        f'    <p class="hidden-reason" data-field="hidden"{"" if c.hidden else " hidden"}>'
        f"{_h(c.hidden_line)}</p>\n"
        f'    <img class="idea-thumb" data-field="thumb" alt="" loading="lazy"{thumb}>\n'
        f'    <p class="idea-excerpt" data-field="excerpt">{_h(c.excerpt)}</p>\n'
        f'    <div class="idea-footer">\n      \n'
        f'<ul class="tags" data-field="tags" aria-label="{_h(c.tags_label)}">'
        f"{_h(c.tags)}</ul>\n\n"
        f'      <span class="idea-facts">\n'
        f'        <span class="departments" data-field="departments">{_h(c.support)}</span>\n'
        f'        <a class="comment-count" href="/ideas/{cid}#comments" data-field="comments"'
        f' data-count="{_h(c.comment_count)}">{_h(c.comments)}</a>\n'
        f'        <span class="status-badge status-{_h(status)}" data-field="status">'
        f"{_h(c.status_label)}</span>\n        \n"
        f'<span class="idea-progress" data-field="progress" data-done="{_h(c.tasks_done)}"'
        f' data-total="{_h(c.tasks_total)}"{" hidden" if c.progress_hidden else ""}>'
        f"{_h(c.progress)}</span>\n"
        f"      </span>\n    </div>\n"
        f'    <p class="idea-prompt" data-field="prompt"{"" if c.prompt_id else " hidden"}>'
        f"{prompt}</p>\n  </div>\n</article>\n"
    )


# Rendered idea cards, by everything a card is made from (`idea_card`): up to CARDS_KEPT,
# then started afresh. The forms' CSRF token and the page's path are never kept in them.
CARDS_KEPT = 2048
_CARDS: dict = {}
# Where a kept card's vote form takes the page's own hidden fields. No card text can hold
# it: every value a card prints has its "<" escaped.
FORM_FIELDS = "<!--card-form-fields-->"
_PLAIN = orjson.OPT_NON_STR_KEYS  # {2: "title"}: a prompt's or an idea's title by its id


@web.app_template_global("idea_card_kept")
def idea_card_kept(
    idea: dict,
    comment_count: int,
    prompt_titles: dict,
    reader_id: int | None,
    words: dict,
    may_vote: bool,
    form_fields: str,
) -> Markup:
    """An idea card (`idea_card_html` of `idea_card_facts`), made once for all that it is
    made from and kept: the idea as the list serialized it for this reader (whether they
    voted included), its comment count and prompt's title, whether the reader wrote it, the
    language, time zone and "… ago" text, whether the reader may vote. Equal inputs give
    equal cards, so a change to any of them (a vote, an edit, a hiding, a new name, …) is a
    new key, and one reader's vote, name or rights are never another's. The page's own
    CSRF and path fields go in each time. An idea that is not plain data is made afresh."""
    prompt_id = idea.get("prompt_id")
    prompt_title = {prompt_id: prompt_titles[prompt_id]} if prompt_id in prompt_titles else {}
    content = _plain(idea)
    key = (
        content,
        comment_count,
        _plain(prompt_title),
        reader_id == idea["author"]["id"],
        may_vote,
        words["locale"],
        words["when_formats"][1],  # the zone
        ago_at(idea["created_at"], words["now"], words["locale"]),
    )
    return _kept(
        key if content is not None else None,
        lambda: idea_card_html(
            idea_card_facts(idea, comment_count, prompt_title, reader_id, words),
            may_vote,
            FORM_FIELDS,
        ),
        form_fields if may_vote else None,
    )


@web.app_template_global("idea_cards_kept")
def idea_cards_kept(
    ideas: list[dict],
    comment_counts: dict,
    prompt_titles: dict,
    reader_id: int | None,
    words: dict,
    may_vote: bool,
    form_fields: str,
) -> Markup:
    """A list's idea cards (`idea_card_kept` each), one after the other, the list kept as
    a whole for everything its cards are made from (the keys of its cards, in one)."""
    counts = [comment_counts.get(idea["id"], 0) for idea in ideas]
    titles = {
        prompt_id: prompt_titles[prompt_id]
        for idea in ideas
        if (prompt_id := idea.get("prompt_id")) in prompt_titles
    }
    content = _plain((ideas, counts, titles))
    now, locale = words["now"], words["locale"]
    key = content and (
        "ideas",
        content,
        tuple(reader_id == idea["author"]["id"] for idea in ideas),
        may_vote,
        locale,
        words["when_formats"][1],  # the zone
        tuple(ago_at(idea["created_at"], now, locale) for idea in ideas),
    )
    cards = _list_cards(
        key,
        lambda: [
            idea_card_kept(idea, count, titles, reader_id, words, may_vote, FORM_FIELDS)
            for idea, count in zip(ideas, counts, strict=True)
        ],
    )
    return _joined(cards, form_fields if may_vote else None)


def _kept(key: tuple | None, make, form_fields: str | None) -> Markup:
    """The card kept for `key`, else `make()` kept (no key: made, not kept); the page's
    `form_fields` put in where it has forms."""
    html = _CARDS.get(key) if key is not None else None
    if html is None:
        html = str(make())
        if key is not None:
            keep(_CARDS, key, html, CARDS_KEPT)
    return Markup(html.replace(FORM_FIELDS, form_fields) if form_fields is not None else html)


# Lists of cards (a page's ideas, a task column), each by the keys of all its cards in one:
# a page whose cards were all kept asked ~80 keys (and 64 policy questions) one by one,
# a third of the board page's view. A list holds its cards' kept texts, not copies; its key
# holds what its cards are made of (a page of 50 ideas ~40 KB): up to ~10 MB per process.
LISTS_KEPT = 256
_LISTS: dict = {}


def _list_cards(key: tuple | None, make) -> tuple[str, ...]:
    """The list of cards kept for `key`, else `make()` (its cards, each with FORM_FIELDS
    where the page's own fields go) kept (no key: made, not kept)."""
    cards = _LISTS.get(key) if key else None
    if cards is None:
        cards = tuple(str(card) for card in make())
        if key:
            keep(_LISTS, key, cards, LISTS_KEPT)
    return cards


def _joined(cards: tuple[str, ...], form_fields: str | None) -> Markup:
    """Cards one after the other, `form_fields` put in where they have forms."""
    html = "".join(cards)
    return Markup(html.replace(FORM_FIELDS, form_fields) if form_fields is not None else html)


def forget_kept_cards() -> None:
    """Every kept card, list of cards and set of task columns (tests: cards made afresh)."""
    _CARDS.clear()
    _LISTS.clear()
    _COLUMNS.clear()


def _plain(value) -> bytes | None:
    """`value` as JSON, the key of what a card is made from; None when it is not plain data
    (then the card is made afresh)."""
    try:
        return orjson.dumps(value, option=_PLAIN)
    except TypeError:  # orjson.JSONEncodeError is one
        return None


@web.app_template_global("card_time")
def card_time(value, words: dict) -> Markup:
    """What the `time_ago` macro prints, with the reader's locale, zone and patterns found
    once per page (`idea_card_words`), not once per card: task cards show one each."""
    return Markup(
        f'<time datetime="{_h(value)}" title="{_h(when_in(value, words["when_formats"]))}"'
        f' data-field="time">{_h(ago_at(value, words["now"], words["locale"]))}</time>'
    )


def _person(user: dict, reader_id, you: str) -> Markup:
    """What the `person` macro prints for `user` (`you` for the reader)."""
    is_you = reader_id == user["id"]
    department = user["department"]
    # someone shown as their department has it in the name: "someone from Marketing"
    department_name = department["name"] if user["id"] is not None else ""
    return Markup(
        f'<span class="person{" is-you" if is_you else ""}"><span class="dept-dot'
        f' {_h(dept_class(department))}" aria-hidden="true"></span><bdi data-field="name">'
        f'{_h(you if is_you else user["display_name"])}</bdi> <span class="person-handle"'
        f' data-field="handle"{" hidden" if is_you or not user.get("name_shared") else ""}>'
        f'@{_h(user.get("handle") or "")}</span> <bdi class="person-dept"'
        f' data-field="department">{_h(department_name)}</bdi></span>'
    )


class TaskCard:
    """The strings one task card prints (templates/partials/cards.html, `task_card`)."""

    __slots__ = (
        "id", "status", "mine", "created", "claimed_by", "idea_ref", "title", "show_idea",
        "idea_line", "plan_hidden", "plan", "claim", "may_claim", "may_complete", "may_reopen",
    )  # fmt: skip


@web.app_template_global("task_card_facts")
def task_card_facts(
    task: dict,
    idea_titles: dict,
    template: bool,
    show_idea: bool,
    may_claim: bool,
    words: dict,
    controls: tuple[bool, bool, bool] | None = None,
) -> TaskCard:
    """One task card's strings, from a task as the API serializes it (or the page's blank
    one); `words` from `idea_card_words`. `template`: the <template> for live cards, with
    every control the reader's role allows (render.js keeps the ones that fit). `controls`:
    task_controls, when the caller asked them already."""
    card = TaskCard()
    get = task.get
    card.id = task["id"]
    card.status = status = task["status"]
    user = current_user._get_current_object()
    reader_id = getattr(user, "id", None)
    claimant = task["claimed_by"]
    card.mine = bool(claimant) and claimant["id"] == reader_id
    card.created = task["created_at"]
    card.claimed_by = claimant["id"] if claimant else ""
    idea_id = task["idea_id"]
    card.idea_ref = idea_id or ""
    card.title = task["title"]
    card.show_idea = show_idea
    card.idea_line = ""
    if show_idea and idea_id:
        title = (
            idea_titles[idea_id]
            if idea_id in idea_titles
            else words["idea_number"] % {"id": idea_id}
        )
        card.idea_line = Markup('<span aria-hidden="true">↳ </span><a href="/ideas/%s">%s</a>') % (
            idea_id,
            title,
        )
    # the plan line (static/js/render.js planLine builds the same)
    publish_on, channels, help_wanted = get("publish_on"), get("channels"), get("help_wanted")
    card.plan_hidden = not (publish_on or channels or help_wanted)
    plan = Markup("")
    if help_wanted:
        plan += Markup('<span class="pill pill-help">%s</span> ') % words["help_wanted"]
    if publish_on:
        plan += Markup('<time class="plan-day" datetime="%s">%s</time> ') % (
            publish_on,
            plan_day(publish_on, "MMMEd"),
        )
    plan += Markup('<span class="channels" data-field="channels">%s</span>') % Markup("").join(
        Markup('<span class="channel channel-%s">%s</span>') % (name, channel_label(name))
        for name in channels or ()
    )
    card.plan = plan
    # the claim line (task_claim_line)
    if status == "claimed":
        card.claim = (
            words["claimed_by"] % {"person": _person(claimant, reader_id, words["you_after_by"])}
            + Markup(" · ")
            + card_time(task["claimed_at"], words)
        )
    elif status == "done":
        card.claim = (
            words["done_by"] % {"person": _person(claimant, reader_id, words["you_after_by"])}
            + Markup(" · ")
            + card_time(task["completed_at"], words)
        )
    else:
        card.claim = words["free_to_claim"]
    # the controls (task_actions): the policy decides, per card
    card.may_claim, card.may_complete, card.may_reopen = controls or task_controls(
        task, template, may_claim, user
    )
    return card


def task_controls(task: dict, template: bool, may_claim: bool, user) -> tuple[bool, bool, bool]:
    """Whether a task card shows Claim, Mark done (and Release) and Reopen to `user`: the
    policy decides each (task_actions on the task's page asks the same)."""
    status = task["status"]
    target = as_target({"claimed_by": {"id": getattr(user, "id", None)}} if template else task)
    return (
        bool((template or status == "open") and may_claim),
        bool((template or status == "claimed") and policy.can(user, "task.complete", target)),
        bool((template or status == "done") and policy.can(user, "task.reopen", target)),
    )


def _task_form(c: TaskCard, action: str, show_when: str, button_class: str, label, fields) -> str:
    return (
        f'\n  <form method="post" action="/tasks/{c.id}/{action}" data-api="{action}"'
        f' data-act-on="{c.id}" data-show-when="{show_when}">\n    {fields}\n'
        f'    <button type="submit" data-action="{action}" class="{button_class}">'
        f"{_h(label)}</button>\n  </form>"
    )


@web.app_template_global("task_card_html")
def task_card_html(c: TaskCard, words: dict, form_fields: str) -> Markup:
    """What the `task_card` macro prints: one task card from its facts, as one string (as
    `idea_card_html`). The markup is what task_claim_line and task_actions give on the
    task's page; keep them in step (and with static/js/render.js)."""
    claim = complete = reopen = ""
    if c.may_claim:
        claim = _task_form(c, "claim", "open", "small", words["claim"], form_fields) + "\n  "
    if c.may_complete:
        complete = (
            _task_form(c, "complete", "mine", "small", words["mark_done"], form_fields)
            + _task_form(
                c, "release", "mine", "small secondary outline", words["release"], form_fields
            )
            + "\n  "
        )
    if c.may_reopen:
        reopen = (
            _task_form(
                c, "reopen", "mine-done", "small secondary outline", words["reopen"], form_fields
            )
            + "\n  "
        )
    status = _h(c.status)
    return Markup(
        f'\n<article class="task-card status-{status}{" is-mine" if c.mine else ""}"\n'
        f'         id="task-{c.id}" data-task-id="{c.id}" data-status="{status}"'
        f' data-created="{_h(c.created)}"\n'
        f'         data-claimed-by="{_h(c.claimed_by)}"'
        f' data-idea-id-ref="{_h(c.idea_ref)}">\n'
        f'  <h4 class="task-title"><a href="/tasks/{c.id}" data-field="title">'
        f"{_h(c.title)}</a></h4>\n"
        f'  <p class="task-idea" data-field="idea" data-show-idea="{"1" if c.show_idea else "0"}"'
        f"{'' if c.idea_line else ' hidden'}>{_h(c.idea_line)}</p>\n  \n"
        f'<p class="task-plan" data-field="plan"{" hidden" if c.plan_hidden else ""}>'
        f"{_h(c.plan)}\n</p>\n"
        f'  <p class="task-claim" data-field="claim">{_h(c.claim)}</p>\n  \n\n\n'
        f'<div class="task-actions">\n  {claim}\n  {complete}\n  {reopen}\n</div>\n\n</article>\n'
    )


@web.app_template_global("task_card_kept")
def task_card_kept(
    task: dict,
    idea_titles: dict,
    template: bool,
    show_idea: bool,
    may_claim: bool,
    words: dict,
    form_fields: str,
    user=None,
) -> Markup:
    """A task card (`task_card_html` of `task_card_facts`), kept as `idea_card_kept` keeps
    idea cards: by the task as serialized, its idea's title, the controls the policy gives
    the reader, whether the reader holds it, the language, zone and "… ago" text. `user`:
    the reader (current_user), when the caller has them at hand."""
    user = user or current_user._get_current_object()
    controls = task_controls(task, template, may_claim, user)
    idea_id = task.get("idea_id")
    idea_title = {idea_id: idea_titles[idea_id]} if idea_id in idea_titles else {}
    claimant = task["claimed_by"]
    moment = _moment(task)
    content = _plain(task)
    key = (
        "task",
        content,
        _plain(idea_title),
        template,
        show_idea,
        controls,
        bool(claimant) and claimant["id"] == getattr(user, "id", None),
        words["locale"],
        words["when_formats"][1],  # the zone
        ago_at(moment, words["now"], words["locale"]) if moment else None,
    )
    return _kept(
        key if content is not None else None,
        lambda: task_card_html(
            task_card_facts(task, idea_title, template, show_idea, may_claim, words, controls),
            words,
            FORM_FIELDS,
        ),
        form_fields if any(controls) else None,
    )


@web.app_template_global("task_cards_kept")
def task_cards_kept(
    tasks: list[dict], idea_titles: dict, may_claim: bool, words: dict, form_fields: str
) -> Markup:
    """A column's task cards (`task_card_kept` each), one after the other, the column kept
    as a whole (as `idea_cards_kept`)."""
    user = current_user._get_current_object()
    return _joined(_task_list(tasks, idea_titles, may_claim, words, user), form_fields)


def _reader_for_policy(user) -> tuple:
    """All that the policy reads of a reader to answer for a task card (`task_controls`):
    who they are, their role, whether they are logged in and active."""
    return (
        getattr(user, "id", None),
        getattr(user, "role", None),
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
    )


def _task_list(tasks: list[dict], idea_titles: dict, may_claim: bool, words: dict, user):
    """A column's cards, kept by the tasks, their ideas' titles, the reader as the policy
    sees them, the language, zone and each card's "… ago"."""
    titles = {
        idea_id: idea_titles[idea_id]
        for task in tasks
        if (idea_id := task.get("idea_id")) in idea_titles
    }
    content = _plain((tasks, titles))
    now, locale = words["now"], words["locale"]
    key = content and (
        "tasks",
        content,
        may_claim,
        _reader_for_policy(user),
        locale,
        words["when_formats"][1],  # the zone
        tuple(ago_at(moment, now, locale) if (moment := _moment(task)) else None for task in tasks),
    )
    return _list_cards(
        key,
        lambda: [
            task_card_kept(task, titles, False, True, may_claim, words, FORM_FIELDS, user)
            for task in tasks
        ],
    )


# The board's task columns, by the statement's rows they are made from (tasks.
# board_column_rows): a kept set skips shaping the rows into the API's dicts as well as
# the cards' keys (at 4,000 tasks, 60 cards, about 1 ms). Each set holds its columns' kept
# card lists, not copies; its key holds the rows (60 tasks, ~70 KB as Python objects): up
# to ~9 MB per process.
COLUMNS_KEPT = 128
_COLUMNS: dict = {}


def task_columns_kept(
    session, rows: list, may_claim: bool, words: dict, form_fields: str
) -> dict[str, Markup]:
    """The board's task columns (`task_cards_kept` each, by the name the page prints them
    under) from the rows of `tasks.board_column_rows`, kept by those rows: they are all a
    column's tasks are made of but the reader, whom the key holds as the cards' keys do
    (the policy's part, the language, zone and "… ago" texts). Made afresh for a reader
    who sees people as their departments (works-council mode): that mask is not in it."""
    user = current_user._get_current_object()
    key = None
    if current_mask() is None:
        now, locale = words["now"], words["locale"]
        key = (
            tuple(map(tuple, rows)),
            may_claim,
            _reader_for_policy(user),
            locale,
            words["when_formats"][1],  # the zone
            tuple(
                ago_at(moment, now, locale)
                if (moment := card_moment(row.status, row.claimed_at, row.completed_at))
                else None
                for row in rows
            ),
        )
    kept = _COLUMNS.get(key) if key is not None else None
    if kept is None:
        columns, _totals, titles = columns_of_rows(session, rows)
        kept = {
            status: _task_list(column, titles, may_claim, words, user)
            for status, column in columns.items()
        }
        if key is not None:
            keep(_COLUMNS, key, kept, COLUMNS_KEPT)
    return {f"tasks-{status}": _joined(cards, form_fields) for status, cards in kept.items()}


def _moment(task: dict) -> str | None:
    """The time a task card shows "… ago" (`tasks.card_moment`) of a task as the API shows it."""
    return card_moment(task["status"], task.get("claimed_at"), task.get("completed_at"))
