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
