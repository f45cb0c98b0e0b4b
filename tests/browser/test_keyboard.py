"""Keyboard only: a member logs in, posts an idea, votes and claims a task without a mouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to, unique, wait_until_live

pytestmark = pytest.mark.browser


def log_in_by_keyboard(page, member):
    """Type into the login form once the page has put the focus in it (typing earlier is lost)."""
    page.goto("/login")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(member.password)
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-page", "board")
    wait_until_live(page)


def test_a_member_can_do_everything_with_the_keyboard(person, new_context, api_as):
    member = person("member", "Support")
    colleague = api_as(person("member", "IT"))
    page = new_context().new_page()
    keyboard = page.keyboard

    log_in_by_keyboard(page, member)

    title = unique("Weekly employee spotlight")
    tab_to(page, "#new-idea > summary")
    keyboard.press("Enter")
    expect(page.locator("#new-idea")).to_have_attribute("open", "")
    tab_to(page, '#new-idea input[name="title"]')
    keyboard.type(title)
    tab_to(page, '#new-idea textarea[name="body"]')
    keyboard.type("One colleague, one photo, one question. Every Friday.")
    tab_to(page, '#new-idea input[name="tags"]')
    keyboard.type("linkedin")
    tab_to(page, '#new-idea button[type="submit"]')
    keyboard.press("Enter")

    expect(page.locator("h1.idea-title")).to_have_text(title)
    idea_id = int(page.locator("[data-idea-page]").get_attribute("data-idea-page"))
    wait_until_live(page)
    tab_to(page, ".idea-aside button.vote-button")
    keyboard.press("Enter")
    expect(page.locator('.idea-aside [data-field="votes"]')).to_have_text("1")
    expect(page.locator(".idea-aside button.vote-button")).to_have_attribute("aria-pressed", "true")

    # A colleague turns the idea into a task; it arrives live and is claimed by keyboard.
    task = colleague.create_task(unique("Photograph the first colleague"), idea_id=idea_id)
    claim = f'.task-card[data-task-id="{task["id"]}"] button[data-action="claim"]'
    expect(page.locator(claim)).to_be_visible()
    tab_to(page, claim)
    keyboard.press("Enter")
    card = page.locator(f'.task-card[data-task-id="{task["id"]}"]')
    expect(card.locator('[data-field="claim"]')).to_contain_text("Claimed by you")
    assert colleague.call("GET", f"tasks/{task['id']}", expect=200)["claimed_by"]["id"] == member.id


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_voting_by_keyboard_keeps_the_focus_on_the_button(person, api_as, open_page, key):
    author = api_as(person("member", "PR"))
    idea = author.post_idea(unique("Focus stays where the hand is"))
    page = open_page(person("member", "IT"), "/?sort=new")
    wait_until_live(page)
    button = page.locator(f'.idea-card[data-idea-id="{idea["id"]}"] button.vote-button')
    button.focus()
    page.keyboard.press(key)
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    page.keyboard.press(key)  # and back again, still without the mouse
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()


def test_the_whole_loop_by_keyboard_with_skip_links_and_escape(person, new_context, api_as):
    """Log in, post an idea (after trying Escape on the form), vote, create a task, claim it
    through the skip link to the tasks, and complete it: never a mouse."""
    member = person("member", "Logistics")
    page = new_context().new_page()
    keyboard = page.keyboard
    log_in_by_keyboard(page, member)

    # Escape closes the compose form and gives the focus back to its button.
    tab_to(page, "#new-idea > summary")
    keyboard.press("Enter")
    expect(page.locator("#new-idea")).to_have_attribute("open", "")
    tab_to(page, '#new-idea input[name="title"]')
    keyboard.press("Escape")
    expect(page.locator("#new-idea")).not_to_have_attribute("open", "")
    expect(page.locator("#new-idea > summary")).to_be_focused()
    keyboard.press("Enter")
    title = unique("Warehouse tour in twelve stories")
    tab_to(page, '#new-idea input[name="title"]')
    keyboard.type(title)
    tab_to(page, '#new-idea button[type="submit"]')
    keyboard.press("Enter")
    expect(page.locator("h1.idea-title")).to_have_text(title)
    wait_until_live(page)
    tab_to(page, ".idea-aside button.vote-button")
    keyboard.press("Space")
    expect(page.locator(".idea-aside button.vote-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".idea-aside button.vote-button")).to_be_focused()

    # The idea becomes a task, typed into the form beside it.
    task_title = unique("Book the forklift driver for filming")
    tab_to(page, "#new-task > summary")
    keyboard.press("Enter")
    tab_to(page, '#new-task input[name="title"]')
    keyboard.type(task_title)
    tab_to(page, '#new-task button[type="submit"]')
    keyboard.press("Enter")
    card = page.locator(".task-card", has_text=task_title)
    expect(card).to_have_count(1)
    task_id = card.get_attribute("data-task-id")

    # On the board the skip link leads to the tasks: the claim is a few presses away.
    page.goto("/")
    wait_until_live(page)
    keyboard.press("Tab")
    expect(page.locator(".skip-link", has_text="Skip to content")).to_be_focused()
    tab_to(page, '.skip-link[href="#tasks"]', max_presses=3)
    keyboard.press("Enter")
    claim = page.locator("#tasks-open .task-card", has_text=task_title).locator(
        'button[data-action="claim"]'
    )
    tab_to(
        page, f'#tasks-open .task-card[data-task-id="{task_id}"] button[data-action="claim"]', 40
    )
    keyboard.press("Enter")
    board_card = page.locator("#tasks .task-card", has_text=task_title)
    expect(board_card.locator('[data-field="claim"]')).to_contain_text("Claimed by you")
    # The focus moved with the card to its next control: complete it right away.
    complete = board_card.locator('button[data-action="complete"]')
    expect(complete).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#tasks-done .task-card", has_text=task_title)).to_have_count(1)
    expect(claim).to_have_count(0)
    expect(complete).to_have_count(0)
    mine = api_as(member).call("GET", "tasks?mine=1&status=done", expect=200)["items"]
    assert [task["title"] for task in mine] == [task_title]


# The focused element and whether it shows a ring: an outline of at least 2 px (the board's
# :focus-visible), not only a colour change or a faint shadow a button already has.
FOCUS_RING_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return [ring, e.outerHTML.slice(0, 90)];
}"""


def test_every_stop_of_the_tab_key_shows_a_focus_ring(person, api_as, open_page):
    """On the board and on an idea page (one's own, with a colleague's comment): Pico takes
    the outline off <summary>, so "Post an idea", the account menu, "Flag" and "Withdraw my
    idea" once showed no focus at all."""
    member = person("member", "Marketing")
    idea = api_as(member).post_idea(unique("Rings around every control"))
    api_as(person("member", "IT")).comment(idea["id"], "A comment to flag.")
    for path in ["/", f"/ideas/{idea['id']}"]:
        page = open_page(member, path)
        wait_until_live(page)
        without_ring = []
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_RING_JS)
            if focused is not None and not focused[0]:
                without_ring.append(focused[1])
        assert without_ring == [], path


def test_the_facilitator_posts_a_prompt_and_a_challenge_by_keyboard(person, open_page):
    """An open question has no time box: its form skips the challenge's fields, which took a
    dozen presses of Tab and, once filled in, were refused."""
    page = open_page(person("facilitator", "Communications"), "/prompts")
    keyboard = page.keyboard
    tab_to(page, 'input[name="kind"][value="prompt"]')
    expect(page.locator('input[name="submissions_close_at"]')).to_be_hidden()
    title = unique("Which colleague should we portray next?")
    tab_to(page, 'input[name="title"]', max_presses=3)
    keyboard.type(title)
    keyboard.press("Tab")
    keyboard.type("Name someone whose work nobody sees.")
    keyboard.press("Tab")
    expect(page.locator(".prompt-form button[type=submit]")).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(title)

    page.goto("/prompts")
    tab_to(page, 'input[name="kind"][value="prompt"]')
    keyboard.press("ArrowDown")  # the radio group: the challenge, and its fields appear
    expect(page.locator('input[name="kind"][value="challenge"]')).to_be_checked()
    expect(page.locator('input[name="submissions_close_at"]')).to_be_visible()
    tab_to(page, 'input[name="submissions_close_at"]', max_presses=3)


# The board's own ring (3 px, the accent colour), not Pico's faint 2 px one that Pico gives a
# plain <summary> ("details summary:focus-visible:not([role])" outranked the board's rule).
BOARD_RING_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 3;
  return [ring, e.outerHTML.slice(0, 90)];
}"""


def test_the_facilitators_pages_show_the_boards_focus_ring(person, api_as, open_page):
    """A challenge's page ("Add a mentor note" under each idea) and the help page ("The
    numbers behind the charts"), every stop of the Tab key, as the facilitator."""
    lead = person("facilitator", "Communications")
    now = datetime.now(UTC)
    challenge = api_as(lead).call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Rings on the challenge page"),
            "submissions_close_at": (now + timedelta(days=3)).isoformat(),
            "voting_close_at": (now + timedelta(days=6)).isoformat(),
        },
        expect=201,
    )
    api_as(person("member", "IT")).post_idea(unique("A ringed idea"), prompt_id=challenge["id"])
    for path in [f"/prompts/{challenge['id']}", "/help"]:
        page = open_page(lead, path)
        without_ring, stops = [], []
        for _ in range(80):
            page.keyboard.press("Tab")
            focused = page.evaluate(BOARD_RING_JS)
            if focused is None:
                break
            stops.append(focused[1])
            if not focused[0]:
                without_ring.append(focused[1])
        assert any("<summary" in stop for stop in stops), path
        assert without_ring == [], path


@pytest.mark.parametrize("width", [1280, 360])
def test_a_task_claimed_off_the_open_list_hands_the_focus_to_the_next_one(
    person, api_as, open_page, width
):
    """On /tasks (the open ones) a claimed task leaves the list. Its button went with it and
    the focus with the button: the next Tab started over at the top of the page. Now the
    focus lands on the next task's button, and the last one left hands it to the heading."""
    member = person("member", "Logistics")
    creator = api_as(person("member", "PR"))
    older = creator.create_task(unique("Count the pallets for the reel"))
    newer = creator.create_task(unique("Ask the night shift for a quote"))
    page = open_page(member, "/tasks?status=open", viewport={"width": width, "height": 800})
    wait_until_live(page)

    claim = f'.task-card[data-task-id="{newer["id"]}"] .task-actions button'
    tab_to(page, claim)
    page.keyboard.press("Enter")
    expect(page.locator(f'.task-card[data-task-id="{newer["id"]}"]')).to_have_count(0)
    expect(
        page.locator(f'.task-card[data-task-id="{older["id"]}"] .task-actions button')
    ).to_be_focused()
    page.keyboard.press("Enter")  # and the next one, still without leaving the keys
    expect(page.locator(f'.task-card[data-task-id="{older["id"]}"]')).to_have_count(0)
    # The card may leave with the live event before the answer comes and moves the focus:
    # wait for the focus, as a person pressing Tab next would.
    page.wait_for_function("document.activeElement.closest('.task-list, #tasks-open') !== null")

    # Given back from the list of claimed tasks, the last card there leaves it too.
    page.goto("/tasks?status=claimed&mine=1")
    wait_until_live(page)
    for task in (older, newer):
        tab_to(page, f'.task-card[data-task-id="{task["id"]}"] form[data-api=release] button')
        page.keyboard.press("Enter")
        expect(page.locator(f'.task-card[data-task-id="{task["id"]}"]')).to_have_count(0)
    expect(page.locator("#tasks-claimed-heading")).to_be_focused()


@pytest.mark.parametrize("language", ["en", "de"])
def test_following_an_idea_by_keyboard_keeps_the_focus_on_the_button(
    person, api_as, open_page, language
):
    """Follow posted the page and reloaded it: the focus went back to the top of the page,
    thirty Tab presses away from where the reader was. Now it toggles in place."""
    member = person("member", "Support")
    api_as(member).call("PATCH", "me", {"language": language}, expect=200)
    idea = api_as(person("member", "IT")).post_idea(unique("A day with the support team"))
    page = open_page(member, f"/ideas/{idea['id']}")
    wait_until_live(page)
    mark = page.evaluate("() => (window.__stay = Math.random())")
    button = page.locator(".follow-form button")
    words = {
        "en": ("Follow", "Following · unfollow"),
        "de": ("Folgen", "Du folgst · nicht mehr folgen"),
    }
    expect(button).to_have_text(words[language][0])

    tab_to(page, ".follow-form button")
    page.keyboard.press("Enter")
    expect(button).to_have_text(words[language][1])
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    assert page.evaluate("() => window.__stay") == mark, "the page reloaded"
    assert api_as(member).call("GET", f"ideas/{idea['id']}", expect=200)["following"] is True

    page.keyboard.press("Space")
    expect(button).to_have_text(words[language][0])
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()
    page.reload()
    expect(button).to_have_text(words[language][0])


@pytest.mark.parametrize("width", [1280, 360])
def test_the_account_menu_closes_like_a_menu(person, open_page, width):
    """The account menu stayed open over the page after the focus had left it (on a phone
    over the open main menu too), and Escape did nothing: it closed only by its own
    summary. Now Escape closes it and puts the focus back, and so does tabbing on."""
    member = person("member", "Support")
    page = open_page(member, "/people", viewport={"width": width, "height": 800})
    wait_until_live(page)
    menu = page.locator("details.user-menu")
    summary = menu.locator("summary")

    tab_to(page, "details.user-menu > summary")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    tab_to(page, "details.user-menu a[href='/profile']")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    tab_to(page, "details.user-menu .logout-button")
    page.keyboard.press("Tab")  # on into the page
    expect(menu).not_to_have_attribute("open", "")
    assert page.evaluate("!document.activeElement.closest('details.user-menu')")

    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.mouse.click(10, 700)  # somewhere on the page, away from the menu
    expect(menu).not_to_have_attribute("open", "")


def test_space_works_the_links_that_look_like_buttons(person, open_page):
    """ "Download my data" and the calendar's arrows are links dressed as buttons (and read
    out as buttons): Space, which works every button, only scrolled the page."""
    observer = person("observer", "Sales")
    page = open_page(observer, "/profile", locale="de-DE")
    download = page.get_by_role("button", name="Meine Daten herunterladen")
    download.focus()
    with page.expect_download() as started:
        page.keyboard.press("Space")
    assert started.value.suggested_filename == "meine-board-daten.json"  # the page is German
    page.goto("/calendar")
    before = page.url
    following = page.locator("a[data-nav=next]")
    following.focus()
    page.keyboard.press("Space")
    expect(page).not_to_have_url(before)
    expect(page.locator("a[data-nav=next]")).to_be_visible()
    assert page.js_errors == []


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 360, "height": 740}]
)
def test_escape_closes_the_account_menu(person, open_page, viewport):
    """The account menu opens with Enter and, like the compose forms, closes with Escape,
    the focus back on its button; Escape left it open over the page."""
    page = open_page(person("observer", "Sales"), "/settings", viewport=viewport)
    menu = page.locator("details.user-menu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(summary).not_to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")  # and open again, still on the keyboard
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    assert page.js_errors == []
