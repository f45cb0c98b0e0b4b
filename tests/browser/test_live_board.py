"""The board is live: what one person does shows on everyone's open page without a reload,
races are settled by the server with a friendly word to the loser, and a page that lost
its connection catches up to exactly what everyone else sees."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    board_differences,
    board_snapshot,
    idea_card,
    last_seq,
    mark_page,
    poll_until,
    record_toasts,
    still_same_document,
    task_card,
    toasts,
    unique,
    wait_until_applied,
    wait_until_live,
)

pytestmark = pytest.mark.browser

CARD = '.task-card[data-task-id="{}"]'


def test_posted_idea_and_votes_reach_every_open_board_live(person, open_page, api_as):
    author = person("member", "Marketing")
    voter = person("member", "IT")
    observer = person("observer", "Sales")
    third = person("member", "PR")
    watching = {who: open_page(who, "/") for who in (voter, observer)}
    page = open_page(author, "/")
    for board in (*watching.values(), page):
        wait_until_live(board)
        mark_page(board)

    title = unique("Behind the scenes at the trade fair")
    page.get_by_role("button", name="Post an idea").click()
    form = page.locator("#new-idea form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Details").fill("Short **reels** from our booth, one per day.")
    form.get_by_label("Tags").fill("instagram, events")
    form.get_by_role("button", name="Post idea").click()

    # The author lands on the new idea's page; the others' boards show it without a reload.
    expect(page.locator("h1.idea-title")).to_have_text(title)
    idea_id = int(page.locator("[data-idea-page]").get_attribute("data-idea-page"))
    for board in watching.values():
        card = idea_card(board, idea_id)
        expect(card.locator('[data-field="title"]')).to_have_text(title)
        expect(card.locator('[data-field="votes"]')).to_have_text("0")
        assert still_same_document(board), "the board reloaded instead of updating live"
    expect(idea_card(watching[observer], idea_id).locator("button")).to_have_count(0)

    wait_until_live(page)
    mark_page(page)
    support = page.locator('.idea-aside [data-field="departments"]')
    expect(support).to_have_text("No votes yet")

    idea_card(watching[voter], idea_id).get_by_role("button", name=f"Vote for: {title}").click()
    expect(idea_card(watching[voter], idea_id).locator('[data-field="votes"]')).to_have_text("1")
    expect(page.locator('.idea-aside [data-field="votes"]')).to_have_text("1")
    expect(support).to_have_text("backed by 1 department")

    # A vote from a third department: the department count moves on every open page.
    api_as(third).vote(idea_id)
    expect(page.locator('.idea-aside [data-field="votes"]')).to_have_text("2")
    expect(support).to_have_text("backed by 2 departments")
    for board in watching.values():
        card = idea_card(board, idea_id)
        expect(card.locator('[data-field="votes"]')).to_have_text("2")
        expect(card.locator('[data-field="departments"]')).to_have_text("backed by 2 departments")
        assert still_same_document(board)
    assert still_same_document(page)


def test_two_members_claim_the_same_task_at_once_and_one_gets_it(person, open_page, api_as):
    first = person("member", "Marketing")
    second = person("member", "HR")
    task = api_as(person("member", "PR")).create_task(unique("Reply to the launch comments"))
    pages = {who.name: open_page(who, "/") for who in (first, second)}
    buttons = {}
    for name, page in pages.items():
        wait_until_live(page)
        record_toasts(page)
        buttons[name] = task_card(page, task["id"]).get_by_role("button", name="Claim")
        expect(buttons[name]).to_be_enabled()

    # Hold both claim requests in the browsers until both are sent: they reach the server
    # together, as two clicks in the same moment would.
    held = []
    for page in pages.values():
        page.route("**/api/v1/tasks/*/claim", lambda route: held.append(route))
    for button in buttons.values():
        button.click()
    poll_until(pages[first.name], lambda: len(held) == 2, "both claim requests leave the browsers")
    for route in held:
        route.continue_()

    # Exactly one wins; the other reads a friendly sentence, and both boards agree.
    for page in pages.values():
        card = task_card(page, task["id"])
        expect(card).to_have_attribute("data-status", "claimed")
        expect(page.locator(f"#tasks-claimed {CARD.format(task['id'])}")).to_have_count(1)
        expect(page.locator(CARD.format(task["id"]))).to_have_count(1)
    holders = {
        task_card(page, task["id"]).get_attribute("data-claimed-by") for page in pages.values()
    }
    assert len(holders) == 1, f"the boards disagree on who holds the task: {holders}"
    winner = first if int(holders.pop()) == first.id else second
    loser = second if winner is first else first

    poll_until(pages[loser.name], lambda: toasts(pages[loser.name]), "the loser sees a message")
    assert [t["text"] for t in toasts(pages[loser.name])] == [
        "Someone else has already claimed this task."
    ]
    assert "error" in toasts(pages[loser.name])[0]["kind"]
    assert not any("error" in t["kind"] for t in toasts(pages[winner.name]))
    claim_lines = {
        name: task_card(page, task["id"]).locator('[data-field="claim"]')
        for name, page in pages.items()
    }
    expect(claim_lines[winner.name]).to_contain_text("Claimed by you")
    expect(claim_lines[loser.name]).to_contain_text(f"Claimed by {winner.name}")
    loser_card = task_card(pages[loser.name], task["id"])
    expect(loser_card.get_by_role("button", name="Claim")).to_have_count(0)

    answer = api_as(loser).call("GET", f"tasks/{task['id']}", expect=200)
    assert answer["claimed_by"]["id"] == winner.id


def test_a_board_that_lost_its_connection_catches_up_without_duplicates(
    person, open_page, api_as, new_context
):
    away = person("member", "Marketing")
    busy = person("member", "IT")
    other = person("member", "PR")
    busy_api, other_api = api_as(busy), api_as(other)
    known = busy_api.post_idea(unique("Employee advocacy week"))
    open_task = busy_api.create_task(unique("Draft the advocacy posts"), idea_id=known["id"])
    done_task = other_api.create_task(unique("Collect staff photos"))
    other_api.claim(done_task["id"])

    page = open_page(away, "/")
    reference = open_page(busy, "/")
    for board in (page, reference):
        wait_until_live(board)
    mark_page(page)

    # The connection drops: the browser goes offline and its socket breaks.
    page.context.set_offline(True)
    page.evaluate("() => window.taskForceLive.socket.io.engine.close()")
    expect(page.locator("body")).to_have_attribute("data-live", "0")

    # Meanwhile the others carry on.
    fresh = busy_api.post_idea(unique("Live Q&A with the CEO"))
    other_api.vote(known["id"])
    other_api.vote(fresh["id"])
    busy_api.vote(fresh["id"])
    other_api.comment(known["id"], "Count me in for the photos.")
    busy_api.claim(open_task["id"])
    other_api.call("POST", f"tasks/{done_task['id']}/complete", expect=200)
    newest_task = other_api.create_task(unique("Book the studio"), idea_id=fresh["id"])
    newest = last_seq(busy_api)

    page.context.set_offline(False)
    wait_until_applied(page, newest, timeout=20_000)
    wait_until_applied(reference, newest)

    expect(idea_card(page, fresh["id"]).locator('[data-field="votes"]')).to_have_text("2")
    expect(idea_card(page, known["id"]).locator('[data-field="comments"]')).to_have_attribute(
        "data-count", "1"
    )
    expect(
        page.locator(f'#tasks-claimed .task-card[data-task-id="{open_task["id"]}"]')
    ).to_have_count(1)
    expect(page.locator(f'#tasks-done .task-card[data-task-id="{done_task["id"]}"]')).to_have_count(
        1
    )
    expect(
        page.locator(f'#tasks-open .task-card[data-task-id="{newest_task["id"]}"]')
    ).to_have_count(1)
    assert still_same_document(page), "the board reloaded instead of catching up"

    caught_up = board_snapshot(page)
    for kind in ("ideas", "tasks"):
        ids = [card["id"] for card in caught_up[kind]]
        assert len(ids) == len(set(ids)), f"duplicate {kind} cards: {sorted(ids)}"
    differences = board_differences(caught_up, board_snapshot(reference))
    assert not differences, "the caught-up board differs from the others':\n" + "\n".join(
        differences
    )
    reloaded = open_page(away, "/")
    wait_until_live(reloaded)
    differences = board_differences(caught_up, board_snapshot(reloaded))
    assert not differences, "the caught-up board differs from a reload:\n" + "\n".join(differences)


def test_a_busy_column_follows_tasks_it_does_not_show(person, open_page, api_as):
    """A column shows its newest 20 tasks and counts all of them. A task claimed and
    completed from further down still moves the counts once each, joins the column it now
    belongs in, and steps its idea's progress and status on the board."""
    author, worker = person("member", "Marketing"), person("member", "IT")
    idea = api_as(author).post_idea(unique("Customer stories on the blog"))
    old = api_as(author).create_task(unique("Draft the first story"), idea_id=idea["id"])
    for n in range(20):
        api_as(author).create_task(unique(f"Newer task {n}"))
    page = open_page(author, "/?sort=new")
    wait_until_live(page)
    counts = {
        status: page.locator(f"#tasks-{status} [data-field=count]")
        for status in ("open", "claimed")
    }
    before = {status: int(count.inner_text()) for status, count in counts.items()}
    expect(page.locator("#tasks-open .task-card")).to_have_count(20)
    expect(page.locator(CARD.format(old["id"]))).to_have_count(0)
    expect(page.get_by_role("link", name="All open tasks")).to_be_visible()
    progress = idea_card(page, idea["id"]).locator("[data-field=progress]")
    expect(progress).to_have_text("Tasks done: 0 / 1")

    api = api_as(worker)
    api.claim(old["id"])
    card = page.locator(f"#tasks-claimed {CARD.format(old['id'])}")
    expect(card).to_have_count(1)
    expect(counts["open"]).to_have_text(str(before["open"] - 1))
    expect(counts["claimed"]).to_have_text(str(before["claimed"] + 1))
    status = idea_card(page, idea["id"]).locator("[data-field=status]")
    expect(status).to_have_text("In progress")

    api.call("POST", f"tasks/{old['id']}/complete", expect=200)
    expect(page.locator(f"#tasks-done {CARD.format(old['id'])}")).to_have_count(1)
    expect(progress).to_have_text("Tasks done: 1 / 1")
    expect(counts["claimed"]).to_have_text(str(before["claimed"]))
    expect(counts["open"]).to_have_text(str(before["open"] - 1))
    assert page.js_errors == []


def test_a_task_given_back_from_further_down_reopens_its_idea(person, open_page, api_as):
    """The claimed column shows its newest 20 of more; a task given back from below them,
    the only one its idea had taken up, turns the idea open again on the board (the board
    cannot see the idea's other tasks, so it asks the server once)."""
    author = person("member", "Marketing")
    idea = api_as(author).post_idea(unique("A podcast with the apprentices"))
    old = api_as(author).create_task(unique("Book the studio"), idea_id=idea["id"])
    holder = api_as(person("member", "IT"))
    holder.claim(old["id"])
    for n in range(5):  # 20 newer claimed tasks (the claim limit is 5 per person)
        worker = api_as(person("member", "HR")) if n else None
        for m in range(5 if n else 4):
            task = api_as(author).create_task(unique(f"Newer claimed task {n}.{m}"))
            (worker or holder).claim(task["id"])
    page = open_page(author, "/?sort=new")
    wait_until_live(page)
    expect(page.locator("#tasks-claimed .task-card")).to_have_count(20)
    expect(page.locator(CARD.format(old["id"]))).to_have_count(0)
    status = idea_card(page, idea["id"]).locator("[data-field=status]")
    expect(status).to_have_text("In progress")
    claimed = page.locator("#tasks-claimed [data-field=count]")
    before = int(claimed.inner_text())

    holder.call("POST", f"tasks/{old['id']}/release", expect=200)
    expect(claimed).to_have_text(str(before - 1))
    expect(status).to_have_text("Open")
    expect(idea_card(page, idea["id"]).locator("[data-field=progress]")).to_have_text(
        "Tasks done: 0 / 1"
    )
    assert page.js_errors == []


def test_an_idea_whose_tasks_are_all_done_says_in_progress_until_it_goes_out(
    person, open_page, api_as
):
    """The API's status is done with the last task; the board's badge says Done only once
    the idea went live or its author says so. A card refreshed by `idea.updated` (which
    carries the API's status) and a card loaded with the page keep In progress, 1 / 1."""
    author = api_as(person("member", "Marketing"))
    idea = author.post_idea(unique("Behind the seams"))
    task = author.create_task(unique("Film the sewing room"), idea_id=idea["id"])
    author.claim(task["id"])
    author.call("POST", f"tasks/{task['id']}/complete", expect=200)
    assert author.call("GET", f"ideas/{idea['id']}", expect=200)["status"] == "done"
    page = open_page(person("member", "PR"), "/?sort=new")
    wait_until_live(page)
    card = idea_card(page, idea["id"])
    status = card.locator("[data-field=status]")
    expect(status).to_have_text("In progress")

    author.call("PATCH", f"ideas/{idea['id']}", {"title": "Behind the seams, part one"}, expect=200)
    expect(card.locator("[data-field=title]")).to_have_text("Behind the seams, part one")
    expect(status).to_have_text("In progress")
    expect(card.locator("[data-field=progress]")).to_have_text("Tasks done: 1 / 1")

    author.call("PUT", f"ideas/{idea['id']}/done", expect=200)
    expect(status).to_have_text("Done")
    assert page.js_errors == []


def test_the_phone_jump_links_count_what_the_sections_count_live(person, open_page, api_as):
    """On a phone the board opens with two jump links, "Ideas 19" and "Tasks 5 open". They
    stood still while the sections below counted a new idea and a new task live, so the
    two numbers on one screen disagreed until a reload."""
    author = person("member", "Marketing")
    page = open_page(person("member", "IT"), "/", viewport={"width": 360, "height": 800})
    wait_until_live(page)
    jump_ideas = page.locator('.jump-links a[href="#ideas"] .count')
    jump_tasks = page.locator('.jump-links a[href="#tasks"] .count')
    expect(jump_ideas).to_be_visible()
    ideas_before = int(page.locator("#idea-count").inner_text())
    open_before = int(page.locator("#tasks-open [data-field=count]").inner_text())

    api_as(author).post_idea(unique("Ask our drivers for their best view"))
    api_as(author).create_task(unique("Collect the drivers' photos"))
    expect(page.locator("#idea-count")).to_have_text(str(ideas_before + 1))
    expect(jump_ideas).to_have_text(str(ideas_before + 1))
    expect(page.locator("#tasks-open [data-field=count]")).to_have_text(str(open_before + 1))
    expect(jump_tasks).to_have_text(f"{open_before + 1} open")

    page.reload()
    expect(jump_ideas).to_have_text(str(ideas_before + 1))
    expect(jump_tasks).to_have_text(f"{open_before + 1} open")


def test_a_searched_board_shows_the_new_ideas_its_reload_would_show(person, open_page, api_as):
    """The board searched for words took a new idea live when the search stood in its text
    letter for letter: "lager fotos" missed "Fotos aus dem Lager", "kuche" missed "Küche",
    and "age" took "Vorlage". The search matches words (the last one may be the start of
    one), without accents; the live board now shows what a reload shows."""
    word = "w" + uuid.uuid4().hex[:10]
    author = api_as(person("member", "Logistics"))
    page = open_page(person("member", "Marketing"), f"/?sort=new&q={word}+kuche")
    wait_until_live(page)

    letters_only = author.post_idea(f"Notes from x{word} kuche")  # the words are not there
    words_apart = author.post_idea(f"Ein Blick in die Küche, {word} und Lager")
    expect(idea_card(page, words_apart["id"])).to_have_count(1)
    expect(idea_card(page, letters_only["id"])).to_have_count(0)
    expect(page.locator("#idea-count")).to_have_text("1")

    page.reload()
    expect(idea_card(page, words_apart["id"])).to_have_count(1)
    expect(idea_card(page, letters_only["id"])).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_open_idea_page_follows_an_edit_and_a_withdrawal_as_its_reload_shows_them(
    person, open_page, api_as, language
):
    """A reader's open idea page took an edit without its "edited" mark, and a withdrawal
    with a shorter sentence than the reload says, at the top of the page, while the comment
    form stayed (the server refuses a comment on a withdrawn idea) and the empty list still
    asked "What do you think?"."""
    author = api_as(person("member", "PR"))
    reader = person("member", "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    idea = author.post_idea(unique("Our trade fair in pictures"))
    page = open_page(reader, f"/ideas/{idea['id']}")
    wait_until_live(page)
    head = page.locator(".idea-head")

    author.call("PATCH", f"ideas/{idea['id']}", {"body": "Now with a plan."}, expect=200)
    expect(page.locator(".idea-detail [data-field=body]")).to_have_text("Now with a plan.")
    expect(head.locator(".idea-meta .edited")).to_be_visible()

    author.call("POST", f"ideas/{idea['id']}/withdraw", expect=200)
    notice = page.locator("#withdrawn-notice")
    expect(notice).to_be_visible()
    expect(page.locator("#comment-form")).to_have_count(0)
    live = {
        "head": head.inner_text(),
        "notice": notice.inner_text(),
        "empty": page.locator("#comments-empty").inner_text(),
    }

    page.reload()
    expect(notice).to_be_visible()
    assert {
        "head": head.inner_text(),
        "notice": notice.inner_text(),
        "empty": page.locator("#comments-empty").inner_text(),
    } == live
    expect(page.locator("#comment-form")).to_have_count(0)


def test_a_live_task_card_names_its_idea_as_the_reload_does(person, open_page, api_as):
    """A task claimed while the list of claimed tasks was open arrived as "↳ Idea #12": the
    page showed neither that idea nor another of its tasks, so it did not know the title the
    reload shows. It asks the server now (which still withholds a hidden idea's title)."""
    author = api_as(person("member", "PR"))
    worker = api_as(person("member", "Sales"))
    idea = author.post_idea(unique("Portraits of our product designers"))
    page = open_page(person("member", "IT"), "/tasks?status=claimed")
    wait_until_live(page)

    task = author.create_task(unique("Book the photographer"), idea_id=idea["id"])
    worker.claim(task["id"])
    link = page.locator(f'.task-card[data-task-id="{task["id"]}"] [data-field=idea] a')
    expect(link).to_have_text(idea["title"])
    page.reload()
    expect(link).to_have_text(idea["title"])
