"""A person's page follows them while it is open: a task they claim comes in under
"Working on" and leaves when they complete it, an idea they post comes in on top, is
renamed by their edit and leaves when they withdraw it, each as a reload lists it; someone
else's work stays off it, the keyboard stays on the page and the status line says it."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import unique, unique_name, wait_until_live, watched_page

pytestmark = pytest.mark.browser


def titles(page, list_id: str) -> list[str]:
    return page.locator(f"#{list_id} > li").all_inner_texts()


def test_a_person_page_follows_their_tasks_and_ideas(person, api_as, open_page):
    mara, neighbour = api_as(person("member", "Sales")), api_as(person("member", "IT"))
    older = mara.post_idea(unique("Booth map"))
    page = open_page(person("facilitator", "Communications"), f"/people/{mara.user['handle']}")
    wait_until_live(page)
    expect(page.locator("#person-tasks-section")).to_be_hidden()
    status = page.locator("#person-status")

    task = mara.create_task(unique("Film the booth"))
    mara.claim(task["id"])
    neighbour.claim(neighbour.create_task(unique("Not Mara's"))["id"])
    expect(page.locator("#person-tasks-section")).to_be_visible()
    expect(page.locator("#person-tasks > li")).to_have_text([task["title"]])
    expect(status).to_have_text(f"Now working on “{task['title']}”.")

    idea = mara.post_idea(unique("Warehouse photos"))
    neighbour.post_idea(unique("Not Mara's idea"))
    expect(page.locator("#person-ideas > li")).to_have_text([idea["title"], older["title"]])
    expect(status).to_have_text(f"New idea: “{idea['title']}”.")
    renamed = unique("Warehouse photos at dawn")
    mara.call("PATCH", f"ideas/{idea['id']}", {"title": renamed}, expect=200)
    expect(page.locator("#person-ideas > li").first).to_have_text(renamed)
    live = {name: titles(page, name) for name in ("person-tasks", "person-ideas")}
    page.reload()
    assert {name: titles(page, name) for name in live} == live
    wait_until_live(page)

    page.locator(f'#person-tasks a[href="/tasks/{task["id"]}"]').focus()
    mara.call("POST", f"tasks/{task['id']}/complete", expect=200)
    expect(page.locator("#person-tasks-section")).to_be_hidden()
    expect(page.locator("#person-ideas-heading")).to_be_focused()  # not the page's top
    expect(status).to_have_text(f"No longer working on “{task['title']}”.")

    page.locator(f'#person-ideas a[href="/ideas/{idea["id"]}"]').focus()
    mara.call("POST", f"ideas/{idea['id']}/withdraw", expect=200)
    expect(page.locator("#person-ideas > li")).to_have_text([older["title"]])
    expect(page.locator(f'#person-ideas a[href="/ideas/{older["id"]}"]')).to_be_focused()
    assert page.js_errors == []


def test_the_people_page_follows_what_the_listed_people_do(person, api_as, open_page):
    mara = api_as(person("member", "Sales"))
    handle = mara.user["handle"]
    page = open_page(person("member", "IT"), f"/people?q=%40{handle}")
    wait_until_live(page)
    row = page.locator(f"#person-{mara.user['id']}")
    expect(row.locator(".people-work")).to_have_text(["No tasks or ideas yet."])
    row.locator(".people-name a").focus()

    task = mara.create_task(unique("Film the booth"))
    mara.claim(task["id"])
    idea = mara.post_idea(unique("Warehouse photos"))
    expect(row.locator(".people-work")).to_have_text(
        [f"Working on: {task['title']}", f"1 idea: {idea['title']}"]
    )
    expect(page.locator("#people-status")).to_have_text(f"Updated: {mara.user['display_name']}.")
    expect(row.locator(".people-name a")).to_be_focused()
    live = row.inner_text()
    page.reload()
    assert row.inner_text() == live

    wait_until_live(page)
    row.locator(f'a[href="/tasks/{task["id"]}"]').focus()
    mara.call("POST", f"tasks/{task['id']}/complete", expect=200)
    expect(row.locator(".people-work")).to_have_text([f"1 idea: {idea['title']}"])
    expect(row.locator(".people-name a")).to_be_focused()  # its link left: on the name
    assert page.js_errors == []


def rows(page) -> list[list[str]]:
    """Each listed person's row as the page holds it: id and markup."""
    return page.locator(".people-row").evaluate_all("rows => rows.map(r => [r.id, r.innerHTML])")


@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_the_people_page_takes_in_who_joins_and_lets_go_who_leaves(
    role, person, api_as, open_page, new_context, board_server
):
    family = unique_name("quill")  # the search keeps the list to this test's people
    berta = person("member", "Sales", name=f"{family}berta")
    page = open_page(person(role, "IT"), f"/people?q={family}")
    wait_until_live(page)
    expect(page.locator(".people-row")).to_have_count(1)
    status = page.locator("#people-status")

    # Someone registers in another browser: in before Berta, as the order of names has it.
    joining = watched_page(new_context())
    joining.goto("/register")
    joining.locator("#display_name").fill(f"{family} Anton")
    joining.locator("#email").fill(f"{family}anton@example.com")
    joining.locator("#password").fill("a-long-enough-secret")
    joining.locator("#department_id").select_option(label="Marketing")
    joining.locator("main form button[type=submit]").click()
    expect(joining).not_to_have_url(re.compile(r"/register"))
    names = page.locator(".people-row .people-name [data-field=name]")
    expect(names).to_have_text([f"{family} Anton", berta.name])
    expect(status).to_have_text(f"New on the board: {family} Anton.")
    # And one through the API, after her.
    answer = requests.post(
        board_server.url + "/api/v1/auth/register",
        json={
            "email": f"{family}cleo@example.com",
            "password": "a-long-enough-secret",
            "display_name": f"{family}Zora",
            "department_id": api_as(berta).user["department"]["id"],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    expect(names).to_have_text([f"{family} Anton", berta.name, f"{family}Zora"])
    live = rows(page)

    # Berta erases her account while the keyboard is on her name: it goes on to the next.
    page.locator(f"#person-{berta.id} .people-name a").focus()
    api_as(berta).call("DELETE", "me", {"password": berta.password}, expect=204)
    expect(names).to_have_text([f"{family} Anton", f"{family}Zora"])
    expect(status).to_have_text(f"No longer on the board: {berta.name}.")
    expect(page.locator(".people-row .people-name a").last).to_be_focused()

    # Each newcomer's row is the server's own, as a reload shows it.
    page.reload()
    assert rows(page) == [row for row in live if row[0] != f"person-{berta.id}"]
    assert page.js_errors == []
