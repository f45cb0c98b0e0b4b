"""A challenge's own page in the browser: where each idea's vote button sits, on a phone and
on a desktop, in German (the longer words); hidden tallies said once, also to a screen
reader; its number of ideas, live; an idea posted while it is open takes its place in the
reader's own order; Markdown lists look like lists."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from board.ideas import shuffle_rank
from tests.browser.helpers import unique, unique_name, wait_until_live
from tests.browser.test_challenge_ideas import post_challenge

pytestmark = pytest.mark.browser

# Each footer's vote button: its distance from the footer's right and bottom edges (inside
# the padding), and which of the footer's facts share its row.
VOTE_BUTTON_PLACES_JS = """footers => footers.map(footer => {
  const box = footer.getBoundingClientRect();
  const style = getComputedStyle(footer);
  const button = footer.querySelector("form button").getBoundingClientRect();
  const beside = [...footer.querySelectorAll("span, a")]
    .filter(fact => !fact.closest("form"))
    .filter(fact => {
      const r = fact.getBoundingClientRect();
      return r.width > 0 && r.top < button.bottom && r.bottom > button.top;
    })
    .map(fact => fact.textContent.trim());
  return {
    right: Math.round(box.right - parseFloat(style.paddingRight) - button.right),
    bottom: Math.round(box.bottom - parseFloat(style.paddingBottom) - button.bottom),
    beside,
  };
})"""


@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
def test_every_ideas_vote_button_sits_in_the_same_place(person, api_as, open_page, width):
    """On a phone the button sat beside "0 Kommentare" in one footer and alone under
    "1 Kommentar" in the next: it goes to the same edge of every footer now, on a row of
    its own on a phone."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    author = api_as(person("member", "Marketing"))
    entries = [author.post_idea(f"Trail idea {n}", prompt_id=challenge["id"]) for n in range(3)]
    author.comment(entries[0]["id"], "Love it")  # "1 Kommentar"; the others have none
    reader = person("member", "IT", name=unique_name("leser"))
    api_as(reader).call("PATCH", "me", {"language": "de"}, expect=200)
    api_as(reader).vote(entries[1]["id"])  # the wider "✓ Stimme zurücknehmen"

    page = open_page(
        reader, f"/prompts/{challenge['id']}", viewport={"width": width, "height": 900}
    )
    footers = page.locator("#ideas .idea-foot")
    expect(footers).to_have_count(3)
    expect(footers.filter(has_text="Kommentar")).to_have_count(3)
    places = footers.evaluate_all(VOTE_BUTTON_PLACES_JS)
    assert {(p["right"], p["bottom"]) for p in places} == {(0, 0)}, places
    for place in places:
        if width < 560:
            assert place["beside"] == [], places  # a row of its own
        else:
            assert place["beside"], places  # on the facts' row, at its right end
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert page.js_errors == []


NOTE = {
    "en": "The tallies stay hidden until the challenge closes; ideas appear in an order "
    "shuffled for you.",
    "de": "Die Stimmenzahlen bleiben bis zum Ende der Challenge verborgen; die Ideen "
    "erscheinen in einer für dich gemischten Reihenfolge.",
}


@pytest.mark.parametrize("role", ["member", "observer"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_hidden_tallies_are_said_once_and_describe_the_ideas(
    person, api_as, open_page, language, role
):
    """Every idea's footer said "votes: hidden" under the page's sentence that says so: the
    sentence alone says it now, and describes the ideas' region for a screen reader (with
    a vote button to press, or without)."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    author = api_as(person("member", "Marketing"))
    for n in range(3):
        author.post_idea(f"Trail idea {n}", prompt_id=challenge["id"])
    reader = person(role, "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, f"/prompts/{challenge['id']}")
    region = page.get_by_role("region", name="Ideas" if language == "en" else "Ideen")
    expect(region).to_have_accessible_description(NOTE[language])
    expect(page.get_by_text(NOTE[language])).to_be_visible()
    hidden = "hidden" if language == "en" else "verborgen"
    text = page.locator("main").inner_text().lower()
    assert text.count(hidden) == 1, text
    assert page.js_errors == []


def test_a_challenge_pages_idea_count_follows_its_ideas_live(person, api_as, open_page):
    """The count beside "Ideas" stood still while ideas came and went: it follows them, each
    idea once, however often its envelope is applied; a withdrawn idea leaves the list."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    author = api_as(person("member", "Marketing"))
    first = author.post_idea(unique("Trail idea"), prompt_id=challenge["id"])
    page = open_page(person("member", "IT"), f"/prompts/{challenge['id']}")
    page.evaluate("""() => {
      window.seen = [];
      document.addEventListener("board:activity", (e) => window.seen.push(e.detail));
    }""")
    wait_until_live(page)
    count = page.locator('#ideas-title [data-field="count"]')
    expect(count).to_have_text("1")

    second = author.post_idea(unique("Trail idea"), prompt_id=challenge["id"])
    expect(count).to_have_text("2")
    author.post_idea(unique("A free idea"))  # answers no challenge: nothing changes
    author.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
    expect(count).to_have_text("1")
    expect(page.locator(f"#idea-{first['id']}")).to_have_count(0)
    # every envelope seen applied once more, as a catch-up after a reconnect might
    page.wait_for_function("() => window.seen.length >= 3")
    page.evaluate("() => window.seen.forEach((e) => window.taskForceLive.apply(e, {replay: true}))")
    expect(count).to_have_text("1")

    page.reload()  # the server counts the same
    expect(count).to_have_text("1")
    expect(page.locator(f"#idea-{second['id']}")).to_have_count(1)
    assert page.js_errors == []


# An item's markup with what a live one and a loaded one may differ in left out: the
# highlight's class, whitespace between tags and the CSRF token (signed anew per page).
ITEM_HTML_JS = """item => item.outerHTML
  .replace(/ ?just-changed/g, "").replace(/ class=""/g, "").replace(/>\\s+</g, "><")
  .replace(/name="csrf_token" value="[^"]*"/g, 'name="csrf_token" value="…"').trim()"""
EMPTY = {"en": "No ideas yet", "de": "Noch keine Ideen"}


@pytest.mark.parametrize(
    ("language", "role", "hide_tallies"),
    [("en", "member", True), ("de", "member", False), ("en", "observer", False)],
    ids=["en-member-hidden-tallies", "de-member-tallies", "en-observer-tallies"],
)
def test_an_idea_posted_elsewhere_joins_the_challenge_page_live(
    person, api_as, open_page, language, role, hide_tallies
):
    """The count said "Ideas 1" beside "No ideas yet" until a reload: the idea arrives in
    the list as the server renders it (its words as text, its Markdown as the server made
    it, the vote button for those who may vote, the votes line the tallies call for), once
    however often its envelope is applied, and "No ideas yet" goes."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")),
        title="Trail launch",
        hide_tallies=hide_tallies,
    )
    reader = person(role, "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, f"/prompts/{challenge['id']}")
    page.evaluate("""() => {
      window.seen = [];
      document.addEventListener("board:activity", (e) => window.seen.push(e.detail));
    }""")
    wait_until_live(page)
    empty = page.locator("#ideas p", has_text=EMPTY[language])
    expect(empty).to_be_visible()

    title = unique("<i>Trail</i> & map")
    idea = api_as(person("member", "Marketing")).post_idea(
        title, body="A **map** at every <b>trailhead</b>.", prompt_id=challenge["id"]
    )
    item = page.locator(f"#ideas > ul.idea-list > li#idea-{idea['id']}")
    expect(item).to_be_visible()
    expect(item.get_by_role("link", name=title)).to_have_attribute("href", f"/ideas/{idea['id']}")
    expect(item.locator(".text strong")).to_have_text("map")
    expect(empty).to_be_hidden()
    expect(page.locator('#ideas-title [data-field="count"]')).to_have_text("1")
    expect(item.locator("form.vote-form")).to_have_count(1 if role == "member" else 0)
    live = item.evaluate(ITEM_HTML_JS)

    page.wait_for_function("() => window.seen.length >= 1")
    page.evaluate("() => window.seen.forEach((e) => window.taskForceLive.apply(e, {replay: true}))")
    expect(page.locator("#ideas > ul.idea-list > li")).to_have_count(1)

    page.reload()
    loaded = page.locator(f"#idea-{idea['id']}")
    expect(loaded).to_be_visible()
    assert live == loaded.evaluate(ITEM_HTML_JS)
    expect(page.locator("#ideas p", has_text=EMPTY[language])).to_have_count(0)
    assert page.js_errors == []


def test_a_live_ideas_vote_button_votes(person, api_as, open_page):
    """The live idea's form carries the page's CSRF token and its own idea's vote URL."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=False
    )
    page = open_page(person("member", "IT"), f"/prompts/{challenge['id']}")
    wait_until_live(page)
    idea = api_as(person("member", "Marketing")).post_idea(
        unique("Trail map"), prompt_id=challenge["id"]
    )
    item = page.locator(f"#idea-{idea['id']}")
    item.get_by_role("button", name="Vote").click()
    expect(page.locator(f"#idea-{idea['id']}")).to_contain_text("1 vote · 1 department")
    expect(page.locator(f"#idea-{idea['id']}").get_by_role("button")).to_have_text(
        "✓ Take back my vote"
    )
    assert page.js_errors == []


def test_the_browser_knows_each_persons_order_as_the_server_does(person, open_page):
    """static/js/shuffle.js ranks an idea of a hidden-tally challenge in one person's order
    as board/ideas.py does (BLAKE2b, the first 4 bytes read big-endian)."""
    picks = random.Random(7)
    triples = [(1, 1, 1), (0, 0, 0), (2**31 - 1, 2**31 - 1, 2**31 - 1)] + [
        (picks.randrange(1, 10**6), picks.randrange(1, 10**4), picks.randrange(1, 10**7))
        for _ in range(200)
    ]
    page = open_page(person("member", "IT"), "/prompts")
    ranks = page.evaluate(
        """async (triples) => {
          const { shuffleRank } = await import("/static/js/shuffle.js");
          return triples.map(([viewer, prompt, idea]) => shuffleRank(viewer, prompt, idea));
        }""",
        triples,
    )
    assert ranks == [shuffle_rank(*triple) for triple in triples]


ORDER_JS = "items => items.map(item => Number(item.id.replace('idea-', '')))"


def test_an_idea_posted_live_takes_its_place_in_the_readers_shuffled_order(
    person, api_as, new_context
):
    """While the tallies are hidden a reload shows the ideas in the reader's own order, but
    an idea arriving live was put last: the newest idea stood out. It goes where a reload
    puts it now, for a reader watching while another person posts through the page."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    earlier = api_as(person("member", "Marketing"))
    for n in range(6):
        earlier.post_idea(f"Trail idea {n}", prompt_id=challenge["id"])
    path = f"/prompts/{challenge['id']}"
    reader = person("member", "IT")
    watching = new_context(reader).new_page()
    watching.js_errors = []
    watching.on("pageerror", lambda error: watching.js_errors.append(str(error)))
    watching.goto(path)
    wait_until_live(watching)
    acting = new_context(person("member", "Sales")).new_page()
    acting.goto(path)

    items = watching.locator("#ideas > ul.idea-list > li")
    for n in range(3):
        acting.get_by_label("Title").fill(unique(f"Late trail idea {n}"))
        acting.get_by_label("Text").fill("Posted while others watch.")
        with acting.expect_navigation():
            acting.get_by_role("button", name="Submit idea").click()
        expect(acting.locator(".flash-success")).to_have_text("Your idea is in.")
        expect(items).to_have_count(7 + n)
    live = items.evaluate_all(ORDER_JS)
    ranks = [(shuffle_rank(reader.id, challenge["id"], idea), idea) for idea in live]
    assert ranks == sorted(ranks, reverse=True), "the reader's own order"
    answer = api_as(reader).call("GET", f"ideas?prompt_id={challenge['id']}", expect=200)
    assert live == [idea["id"] for idea in answer["items"]]

    watching.reload()
    assert watching.locator("#ideas > ul.idea-list > li").evaluate_all(ORDER_JS) == live
    assert watching.js_errors == []


LISTS = "Pack:\n\n- water\n- a map\n  - paper, not a phone\n\nThen:\n\n1. film\n2. cut"
# Each list item of rendered Markdown: where it is, its list and its marker; and the
# markers of the lists around it that are no Markdown (the cards, the navigation, tags).
LIST_STYLES_JS = """() => {
  const marker = (li) => getComputedStyle(li).listStyleType;
  const where = (li) => li.closest(".prompt-head") ? "challenge"
    : li.closest(".mentor-note") ? "note" : "idea";
  return {
    markdown: [...document.querySelectorAll(".prose li")].map(li => [
      where(li), li.parentElement.parentElement.closest(".prose li") ? "nested" : "top",
      li.parentElement.tagName.toLowerCase(), marker(li),
      parseFloat(getComputedStyle(li.parentElement).paddingLeft) > 0]),
    others: [...document.querySelectorAll(
      "#ideas > ul.idea-list > li, .site-nav li, .tags li, #comment-list > li")].map(marker),
  };
}"""


def marked(places: list[str]) -> list[list]:
    """The markers LISTS should show in each place, in the page's order."""
    one = [
        ["top", "ul", "disc", True],
        ["top", "ul", "disc", True],
        ["nested", "ul", "circle", True],
        ["top", "ol", "decimal", True],
        ["top", "ol", "decimal", True],
    ]
    return [[place, *item] for place in places for item in one]


def test_markdown_lists_show_as_lists_wherever_they_are_rendered(person, api_as, open_page):
    """A challenge's text, its ideas' texts and their mentor notes showed "- item" lines
    without bullets (the list of ideas takes the markers off its items, and its Markdown's
    with them): they show bullets and numbers, as on an idea's page, also for an idea
    arriving live; the lists that are no Markdown keep none."""
    facilitator = api_as(person("facilitator", "Communications"))
    challenge = post_challenge(facilitator, title="Trail launch", body=LISTS, hide_tallies=True)
    author = api_as(person("member", "Marketing"))
    idea = author.post_idea(unique("Trail reel"), body=LISTS, prompt_id=challenge["id"])
    facilitator.call(
        "POST", f"ideas/{idea['id']}/comments", {"body": LISTS, "mentor_note": True}, expect=201
    )
    reader = person("member", "IT")
    page = open_page(reader, f"/prompts/{challenge['id']}")
    wait_until_live(page)
    author.post_idea(unique("Trail map"), body=LISTS, prompt_id=challenge["id"])
    expect(page.locator("#ideas > ul.idea-list > li")).to_have_count(2)
    styles = page.evaluate(LIST_STYLES_JS)
    found = sorted(styles["markdown"])
    assert found == sorted(marked(["challenge", "idea", "note", "idea"])), styles
    assert set(styles["others"]) == {"none"}, styles

    page.goto(f"/ideas/{idea['id']}")  # where lists always looked like lists: still so
    styles = page.evaluate(LIST_STYLES_JS)
    assert sorted(styles["markdown"]) == sorted(marked(["idea", "note"])), styles
    assert set(styles["others"]) == {"none"}, styles
    assert page.js_errors == []
