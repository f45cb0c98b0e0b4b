"""The publishing calendar and recording a publication, in Chromium: live updates, the
free posts anyone can pick up, navigation without JavaScript, and phones at 360 px."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import mark_page, still_same_document, unique, wait_until_live

pytestmark = pytest.mark.browser


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def item(page, task_id: int):
    return page.locator(f'#calendar .cal-item[data-task-id="{task_id}"]')


def test_a_planned_post_appears_live_and_can_be_picked_up(person, open_page, api_as):
    planner = person("member", "Marketing")
    picker = person("member", "IT")
    page = open_page(picker, f"/calendar?date={today()}")
    wait_until_live(page)
    mark_page(page)

    title = unique("Reel from the repair bench")
    task = api_as(planner).create_task(title, channels=["instagram", "tiktok"], publish_on=today())
    post = item(page, task["id"])
    expect(post).to_contain_text(title)
    expect(post).to_contain_text("Free: pick it up")
    expect(post.locator(".channel")).to_have_text(["Instagram", "TikTok"])
    assert still_same_document(page), "the calendar reloaded instead of updating live"

    post.get_by_role("button", name="Claim").click()
    expect(item(page, task["id"])).not_to_contain_text("Free: pick it up")
    expect(item(page, task["id"]).locator(".person")).to_contain_text("You")
    expect(page.locator(".flash-success")).to_be_visible()

    # The claimant moves the day: the post moves on everyone's calendar.
    moved = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    week = open_page(planner, f"/calendar?view=week&date={today()}")
    wait_until_live(week)
    expect(item(week, task["id"])).to_be_visible()
    api_as(picker).call("PATCH", f"tasks/{task['id']}", {"publish_on": moved}, expect=200)
    expect(item(week, task["id"])).to_have_count(0)
    assert page.js_errors == [] and week.js_errors == []


@pytest.mark.parametrize("width", [360, 1280])
def test_a_post_picked_up_by_keyboard_says_so_where_it_was(person, open_page, api_as, width):
    """The claim came back to "/calendar#task-N", but no post had that id: the page stood at
    its top, the message there, and the focus on nothing, so the next Tab started again
    at the skip link. The message now stands in the post and the keyboard goes on from it."""
    planner = person("member", "Marketing")
    picker = person("member", "IT")
    task = api_as(planner).create_task(unique("Story from the warehouse"), publish_on=today())
    page = open_page(picker, f"/calendar?date={today()}", viewport={"width": width, "height": 780})
    item(page, task["id"]).get_by_role("button", name="Claim").focus()
    page.keyboard.press("Enter")
    message = item(page, task["id"]).locator(".flash-success")
    expect(message).to_have_text("The task is yours. Good luck!")
    expect(message).to_be_focused()
    expect(message).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.js_errors == []


def test_the_calendar_is_navigated_without_javascript(person, new_context, api_as):
    member = person("member", "Sales")
    title = unique("Newsletter teaser")
    api_as(member).create_task(title, channels=["newsletter"], publish_on=today())
    page = new_context(member, java_script_enabled=False).new_page()
    page.goto(f"/calendar?date={today()}")
    expect(page.locator("#calendar")).to_contain_text(title)
    page.locator('[data-view="week"]').click()
    expect(page).to_have_url(re.compile(rf"/calendar\?view=week&date={today()}$"))
    expect(page.locator("#calendar")).to_contain_text(title)
    page.locator('[data-nav="next"]').click()
    expect(page.locator("#calendar")).not_to_contain_text(title)
    page.locator('[data-nav="today"]').click()
    expect(page.locator("#calendar")).to_contain_text(title)
    page.get_by_label("Channel").select_option("blog")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#calendar")).not_to_contain_text(title)


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
@pytest.mark.parametrize("view", ["month", "week"])
def test_a_phone_never_scrolls_sideways(person, open_page, api_as, locale, view):
    member = person("member", "Customer Support")
    api_as(member).create_task(
        unique("A rather long title for a post about trail-running shoes and their soles"),
        channels=list(("instagram", "tiktok", "linkedin", "youtube", "newsletter")),
        publish_on=today(),
    )
    page = open_page(
        member, f"/calendar?view={view}", viewport={"width": 360, "height": 780}, locale=locale
    )
    wait_until_live(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    expect(page.locator(".cal-day.is-today")).to_be_visible()


def test_recording_a_publication_makes_the_idea_done_everywhere(person, open_page, api_as):
    author = person("member", "Marketing")
    helper = person("member", "PR")
    api = api_as(author)
    idea = api.post_idea(unique("Repair reels"))
    task = api.create_task(unique("Cut the reel"), idea_id=idea["id"])
    api.claim(task["id"])
    api.call("POST", f"tasks/{task['id']}/complete", expect=200)

    watching = open_page(author, f"/ideas/{idea['id']}")
    wait_until_live(watching)
    mark_page(watching)
    head = watching.locator(".idea-head [data-field=status]")
    expect(head).to_have_text("In progress")  # every task done, but it has not gone out
    expect(watching.locator("#publications [data-field=progress]")).to_have_text(
        "Tasks done: 1 / 1"
    )

    page = open_page(helper, f"/ideas/{idea['id']}")
    page.get_by_role("button", name="Record a publication").click()
    form = page.locator("#new-publication form")
    form.get_by_label("Link to the post").fill("https://www.instagram.com/p/repair-1/")
    form.get_by_label("Channel").select_option("instagram")
    form.get_by_role("button", name="Record it").click()
    expect(page.locator("#publication-list a")).to_have_attribute(
        "href", "https://www.instagram.com/p/repair-1/"
    )
    expect(page.locator(".idea-head [data-field=status]")).to_have_text("Done")

    # The author's open page follows without a reload.
    expect(head).to_have_text("Done")
    expect(watching.locator("#publication-list a")).to_have_text(
        "https://www.instagram.com/p/repair-1/"
    )
    # with when and by whom, as the page shows it once loaded (the live list dropped both)
    meta = watching.locator("#publication-list .publication-meta")
    expect(meta).to_contain_text("just now")
    live = meta.inner_text()
    assert still_same_document(watching)
    watching.reload()
    assert meta.inner_text() == live
    assert watching.js_errors == [] and page.js_errors == []


def test_the_task_page_shows_its_plan_once_and_keeps_it_live(person, open_page, api_as):
    """The task page's facts hold the publishing day and the channels; a plan line under
    them repeated both. What the claimant plans, or takes back, reaches a reader's open
    page in those facts, and "Help wanted" appears and goes with it."""
    planner = person("member", "Marketing")
    reader = person("member", "Support")
    task = api_as(planner).create_task(unique("Behind the scenes: the support desk"))
    api_as(planner).call("POST", f"tasks/{task['id']}/claim", expect=200)
    page = open_page(reader, f"/tasks/{task['id']}")
    wait_until_live(page)
    mark_page(page)
    day, channels = (
        page.locator("dd[data-field=publish-on]"),
        page.locator("dd[data-field=channel-facts]"),
    )
    help_wanted = page.locator("[data-field=help-wanted]")
    expect(day).to_have_text("not planned yet")
    expect(channels).to_have_text("none yet")
    expect(help_wanted).to_be_hidden()

    planned = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    plan = {"channels": ["linkedin", "instagram"], "publish_on": planned, "help_wanted": True}
    api_as(planner).call("PATCH", f"tasks/{task['id']}", plan, expect=200)
    expect(channels.locator(".channel")).to_have_text(["Instagram", "LinkedIn"])
    expect(page.locator("article.task-detail .channel")).to_have_count(2)  # shown once
    expect(day.locator("time")).to_have_attribute("datetime", planned)
    expect(day.get_by_role("link", name="on the calendar")).to_have_attribute(
        "href", f"/calendar?date={planned}"
    )
    expect(help_wanted).to_be_visible()
    served = open_page(reader, f"/tasks/{task['id']}")  # as the server writes it
    assert day.inner_text() == served.locator("dd[data-field=publish-on]").inner_text()

    api_as(planner).call(
        "PATCH",
        f"tasks/{task['id']}",
        {"channels": [], "publish_on": None, "help_wanted": False},
        expect=200,
    )
    expect(channels).to_have_text("none yet")
    expect(day).to_have_text("not planned yet")
    expect(help_wanted).to_be_hidden()
    assert still_same_document(page), "the task page reloaded instead of updating live"
    assert page.js_errors == [] and served.js_errors == []


def test_a_reopened_post_is_in_progress_again_live(person, open_page, api_as):
    claimant = person("member", "Marketing")
    watcher = person("member", "IT")
    api = api_as(claimant)
    task = api.create_task(unique("Repair reel"), channels=["instagram"], publish_on=today())
    api.claim(task["id"])
    api.call("POST", f"tasks/{task['id']}/complete", expect=200)
    page = open_page(watcher, f"/calendar?date={today()}")
    wait_until_live(page)
    mark_page(page)
    expect(item(page, task["id"])).to_have_attribute("data-status", "done")

    api.call("POST", f"tasks/{task['id']}/reopen", expect=200)
    expect(item(page, task["id"])).to_have_attribute("data-status", "claimed")
    expect(item(page, task["id"]).locator(".pill-done")).to_have_count(0)
    assert still_same_document(page), "the calendar reloaded instead of updating live"
    assert page.js_errors == []
