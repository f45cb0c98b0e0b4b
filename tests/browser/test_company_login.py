"""The company login in Chromium: the real server (`python app.py`) with only the company
login switched on, and a real OpenID Connect provider on loopback.

With BOARD_UPDATE_SCREENSHOTS=1 the login page is also saved to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ROOT, VIEWPORT, start_server
from tests.oidc_helpers import CLIENT_ID, CLIENT_SECRET, set_person, start_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider():
    with start_provider() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def sso_board(chromium_path, sqlite_template, tmp_path_factory, provider):
    workdir = tmp_path_factory.mktemp("sso-board")
    database = workdir / "board.sqlite3"
    shutil.copy(sqlite_template, database)
    server = start_server(
        workdir,
        f"sqlite:///{database}",
        env={
            "BOARD_OIDC_ISSUER": provider,
            "BOARD_OIDC_CLIENT_ID": CLIENT_ID,
            "BOARD_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "BOARD_OIDC_NAME": "Contoso ID",
            "BOARD_OIDC_FACILITATOR_GROUPS": "sg-social-media",
            "BOARD_PASSWORD_LOGIN": "0",
        },
    )
    yield server
    server.stop()


def test_a_new_colleague_signs_in_with_the_company_account(browser, sso_board, provider):
    set_person(
        provider,
        "lena-sub",
        email="lena.vogt@example.com",
        email_verified=True,
        name="Lena Vogt",
        department="Employer Branding",
        groups=["staff", "sg-social-media"],
    )
    context = browser.new_context(base_url=sso_board.url, viewport=VIEWPORT, locale="en-US")
    try:
        page = context.new_page()
        if os.environ.get("BOARD_UPDATE_SCREENSHOTS") == "1":
            page.goto("/login")
            expect(page.get_by_role("button", name="Sign in with Contoso ID")).to_be_visible()
            page.screenshot(path=str(ROOT / "docs" / "screenshots" / "login-company.png"))
        page.goto("/feed")  # a shared link: the board asks for a login first
        expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)feed$"))
        button = page.get_by_role("button", name="Sign in with Contoso ID")
        expect(button).to_be_visible()
        expect(page.locator('input[name="password"]')).to_have_count(0)

        button.click()
        # The provider's own login page (oidc-provider-mock's: a subject and "Authorize").
        page.wait_for_url(f"{provider}/oauth2/authorize?**")
        page.locator('input[name="sub"]').fill("lena-sub")
        page.get_by_role("button", name="Authorize").click()

        expect(page).to_have_url(f"{sso_board.url}/feed")
        expect(page.get_by_text("Welcome, Lena Vogt!")).to_be_visible()
        me = context.request.get("/api/v1/me").json()["user"]
        assert me["department"]["name"] == "Employer Branding"
        assert me["role"] == "facilitator"  # from the group
    finally:
        context.close()


def test_cancelling_at_the_provider_ends_on_a_friendly_page(browser, sso_board):
    context = browser.new_context(base_url=sso_board.url, viewport=VIEWPORT, locale="en-US")
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_role("button", name="Sign in with Contoso ID").click()
        page.get_by_role("button", name="Deny").click()
        expect(page.get_by_role("heading", name="Company login did not work")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("cancelled")
        expect(page.get_by_role("button", name="Try again")).to_be_visible()
        assert context.request.get("/api/v1/me").status == 401
    finally:
        context.close()
