"""Long unbroken strings a person can put on a page (an e-mail address, the facilitator's
reason for hiding something) wrap inside the page at every width: nothing scrolls sideways
on a 360 px phone, a tablet or a 1280 px desktop."""

from __future__ import annotations

import pytest

from tests.browser.helpers import create_person, unique, unique_name

pytestmark = pytest.mark.browser

WIDTHS = [360, 768, 1280]

SIDEWAYS_JS = """() => ({ page: document.documentElement.scrollWidth,
                         screen: document.documentElement.clientWidth })"""


def assert_fits(page, what):
    width = page.evaluate(SIDEWAYS_JS)
    assert width["page"] <= width["screen"], (what, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_hiding_reason_without_a_space_keeps_the_idea_page_on_the_screen(
    person, api_as, open_page, width
):
    """A reason of 300 characters without a space (a pasted link, an address) under a
    hidden comment widened the idea page to 2300 px on a desktop and a tablet."""
    author, facilitator = person("member", "Marketing"), person("facilitator", "Communications")
    idea = api_as(author).post_idea(unique("Store visit"))
    comment = api_as(person("member", "Sales")).comment(idea["id"], "Her address is …")
    reason = ("Kundendatenschutzgrundverordnungsverstoss" * 8)[:300]
    api_as(facilitator).call(
        "PUT", f"comments/{comment['id']}/hidden", {"reason": reason}, expect=200
    )
    for reader in (facilitator, author):
        page = open_page(reader, f"/ideas/{idea['id']}", viewport={"width": width, "height": 800})
        assert reason[:40] in page.locator(f"#comment-{comment['id']}").inner_text()
        assert_fits(page, reader.role)
        page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_email_address_wraps_wherever_it_is_shown(board_server, open_page, width):
    """An address without a break point (64 characters before the @, a long company
    domain) is shown on the settings page ("Mail goes to …") and on My account: on a
    tablet the settings page scrolled sideways by up to 180 px."""
    name = unique_name("maximiliane")
    local = f"{name.replace('-', '')}vertriebsinnendienstnordostregionalbereichsleitung"[:64]
    email = f"{local}@nordkammoutdoorausruestungsgesellschaft.example"
    member = create_person(board_server.database_url, name, "member", "Sales", email=email)
    for path in ("/settings", "/profile"):
        page = open_page(member, path, viewport={"width": width, "height": 800}, locale="de-DE")
        address = page.locator("main .address").first
        assert address.inner_text() == email
        box = address.bounding_box()
        assert box["x"] + box["width"] <= width, (path, box)
        assert_fits(page, path)
        page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_name_without_a_space_stays_on_the_screen(board_server, person, api_as, open_page, width):
    """A display name of one long word (names hold up to 80 characters) ran past the right
    edge of the board, the people page and the idea page (up to 190 px on a desktop and
    260 px on a tablet). It breaks inside itself; a name of two words still stays whole."""
    handle = unique_name("maxi")
    name = f"Maximilianeschmidtbauervertriebsinnendienstleiterinnordostregion{handle}"[:80]
    long = create_person(board_server.database_url, handle, "member", "Sales", display_name=name)
    idea = api_as(long).post_idea(unique("Idea by a long name"))
    task = api_as(long).create_task(unique("Task by a long name"), idea_id=idea["id"])
    api_as(long).claim(task["id"])
    ada = unique_name("ada")
    reader = create_person(
        board_server.database_url, ada, "facilitator", "Communications", display_name="Ada Lovelace"
    )
    for path in ("/", f"/people?q={handle}", f"/ideas/{idea['id']}"):
        page = open_page(reader, path, viewport={"width": width, "height": 800})
        shown = page.locator(f'main [data-field="name"]:text-is("{name}")').first
        box = shown.bounding_box()
        assert box["x"] + box["width"] <= width, (path, box)
        assert_fits(page, path)
        page.context.close()
    page = open_page(reader, f"/people?q={ada}", viewport={"width": width, "height": 800})
    own = page.locator("main [data-field=name]").filter(has_text="Ada Lovelace")
    lines = own.first.evaluate("(e) => e.getClientRects().length")
    height = own.first.evaluate("(e) => e.getBoundingClientRect().height")
    line = own.first.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)")
    assert lines == 1 and height < 1.5 * line, (lines, height, line)
