"""The harness itself: the real server answers, and a logged-in context reaches the board."""

import pytest

pytestmark = pytest.mark.browser


def test_login_page_is_served_to_a_stranger(open_page):
    page = open_page(None, "/login")
    assert page.url.endswith("/login")


def test_board_sends_a_stranger_to_the_login_page(open_page):
    page = open_page(None, "/")
    assert "/login" in page.url


@pytest.mark.parametrize("name", ["mara", "sam", "olga"])
def test_every_role_reaches_the_board_without_script_errors(open_page, board_server, name):
    page = open_page(board_server.people[name], "/")
    assert page.url.rstrip("/") == board_server.url
    assert page.js_errors == []


def test_the_server_says_plainly_what_it_is(board_server):
    """`python app.py` names its mode and where to go for more, not a red dev-server warning."""
    log = board_server.log()
    assert "single-machine mode" in log
    assert "docs/deploy.md" in log
    assert "development server" not in log
    # The server runs without a terminal here, as under a service manager: Flask-SocketIO's
    # bare "Werkzeug appears to be used in a production deployment" stays out too.
    assert "production deployment" not in log
