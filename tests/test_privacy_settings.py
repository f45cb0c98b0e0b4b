"""Personal settings (language, handle, e-mail settings) are the person's own, for every role:
observers included, through the API and through the page forms, judged by what the
database holds afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from board import policy
from models import Event, User
from tests.conftest import BOTH_DATABASES
from tests.test_pages import Browser

ROLES = ("member", "facilitator", "observer")


def stored(app, email: str) -> User:
    with app.extensions["board_db"].Session() as session:
        user = session.scalar(select(User).where(User.email == email))
        session.expunge(user)
        return user


def event_count(app) -> int:
    with app.extensions["board_db"].Session() as session:
        return len(session.scalars(select(Event.seq)).all())


@pytest.mark.parametrize("action", ["profile.settings", "account.edit"])
@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_change_its_own_settings_in_the_policy(people_, role, action):
    user = people_.user("observer" if role == "observer" else role)
    assert policy.can(user, action, user)
    assert not policy.can(user, action, people_.user("other_member"))


def test_there_is_one_personal_settings_action():
    """The language form once asked for `profile.edit`, a write observers may not do."""
    assert "profile.edit" not in policy.ACTIONS
    assert "profile.settings" in policy.OWN_ACTIONS
    assert not policy.OWN_ACTIONS & policy.WRITE_ACTIONS


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_api_settings_are_everyones_own(app, people_, role):
    client = people_.client(role)
    email = people_.user(role).email
    before = event_count(app)
    answer = client.patch(
        "me",
        json={"language": "de", "handle": f"new-{role}", "email_notifications": "weekly"},
    )
    assert answer.status_code == 200, answer.get_json()
    user = stored(app, email)
    assert (user.language, user.handle, user.email_notifications) == ("de", f"new-{role}", "weekly")
    assert event_count(app) == before  # a personal setting changes nothing on the board


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_the_language_form_is_everyones_own(app, people_, role):
    browser = Browser(app)
    browser.login(people_.user(role).email)
    assert 'action="/language"' in browser.get("/").get_data(as_text=True)
    response = browser.post("/language", {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert stored(app, people_.user(role).email).language == "de"
    page = browser.follow(response).get_data(as_text=True)
    assert 'lang="de"' in page
    browser.post("/language", {"language": "en", "next": "/"})
    assert stored(app, people_.user(role).email).language == "en"


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_the_settings_form_is_everyones_own(app, people_, role):
    browser = Browser(app)
    browser.login(people_.user(role).email)
    browser.get("/settings")
    response = browser.post("/settings", {"handle": f"form-{role}", "email_notifications": "off"})
    assert response.status_code == 302
    user = stored(app, people_.user(role).email)
    assert (user.handle, user.email_notifications) == (f"form-{role}", "off")


def test_nobody_changes_someone_elses_settings(app, people_):
    """The API has no way to name another person: the body's unknown field is refused."""
    client = people_.client("facilitator")
    answer = client.patch("me", json={"language": "de", "user_id": people_.user("member").id})
    assert answer.status_code == 400
    assert stored(app, people_.user("member").email).language is None
