"""E-mail through a real SMTP server on loopback (aiosmtpd): instant mails (batched, at most
one a minute), digests (skipped when nothing is new), one-click unsubscribe without a
login, the person's language, and no mail at all without SMTP settings."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.utils
import re
import threading
from datetime import UTC, datetime, timedelta
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from board import clock, create_app, mail, notifications
from board.scheduler import advance_phases
from models import OutgoingMail, User
from tests.browser.helpers import free_port
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient, make_user
from tests.test_pages import Browser

# A Monday, before the 07:00 digests; after every real "now" (accounts are created at it).
START = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)


class Inbox:
    """What the SMTP server received, parsed; with `hold` set, it answers once `hold` is
    set (`arrived` tells a mail is waiting)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.hold is not None:
            self.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 60)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email_policy.default)
        )
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    if controller.loop.is_running() or getattr(controller, "_thread", None):
        controller.stop()


@pytest.fixture
def mail_app(settings, smtp):
    controller, _ = smtp
    mailing = dataclasses.replace(
        settings,
        smtp_url=f"smtp://127.0.0.1:{controller.port}",
        mail_from="board@example.com",
        base_url="https://board.example.com",
    )
    app = create_app({"TESTING": True}, settings=mailing)
    yield app
    app.extensions["board_db"].dispose()


@pytest.fixture
def frozen():
    now = {"t": START}
    clock.set_clock(lambda: now["t"])
    return now


@pytest.fixture
def team(mail_app, frozen):
    people = {
        "mara": make_user(mail_app, "mara", "member", "Marketing"),
        "ivan": make_user(mail_app, "ivan", "member", "IT"),
        "sam": make_user(mail_app, "sam", "facilitator", "Communications"),
        "olga": make_user(mail_app, "olga", "observer", "Sales"),
    }
    clients = {
        name: JsonClient(mail_app.test_client()).login(u.email) for name, u in people.items()
    }
    return clients


def deliver(app, period: str | None = None, force: bool = False) -> int:
    with app.app_context(), app.extensions["board_db"].Session() as session:
        mail.queue_instant_mails(session, app)
        if period:
            mail.queue_digests(session, app, period, force=force)
    return mail.send_pending(app)


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def queued(app) -> int:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(func.count(OutgoingMail.id)))


@BOTH_DATABASES
def test_an_instant_mail_tells_of_a_mention_with_both_parts_and_deep_links(
    mail_app, smtp, team, frozen
):
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    idea = team["mara"].post("ideas", json={"title": "Booth reel", "body": "@ivan can you?"})
    idea = idea.get_json()
    assert deliver(mail_app) == 1
    [message] = inbox.to("ivan@example.com")
    assert message["Subject"] == "Mara mentioned you in “Booth reel”"
    text, html = parts(message)
    assert f"https://board.example.com/ideas/{idea['id']}" in text
    assert f'href="https://board.example.com/ideas/{idea["id"]}"' in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.match(
        r"<https://board\.example\.com/mail/unsubscribe/[\w.-]+>", message["List-Unsubscribe"]
    )
    # dated (RFC 5322 requires it) when it was written: START, the frozen clock
    assert email.utils.parsedate_to_datetime(message["Date"]) == START
    assert inbox.to("mara@example.com") == []  # daily by default, and nothing for her
    assert deliver(mail_app) == 0  # sent once, never twice


def test_a_mention_is_quoted_in_plain_words_without_markdown(mail_app, smtp, team, frozen):
    """The inbox and the mail quoted the Markdown as typed: '**this**', '- the booth' and
    a picture's '![](/images/1)' stood in the quote like noise; now the words alone."""
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    body = "Can you film **this**, @ivan?\n\n- the booth\n- the crowd\n\n![](/images/1)"
    team["mara"].post("ideas", json={"title": "Booth reel", "body": body})
    expected = "Can you film this, @ivan? · the booth · the crowd"
    [notice] = team["ivan"].get("notifications").get_json()["items"]
    assert notice["excerpt"] == expected
    assert deliver(mail_app) == 1
    [message] = inbox.to("ivan@example.com")
    text, html = parts(message)
    assert f"“{expected}”" in text
    assert f"“{expected}”" in html
    for noise in ("**", "![", "/images/1", "- the booth"):
        assert noise not in text and noise not in html


def test_instant_mails_are_batched_at_most_one_a_minute(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["mara"].patch("me", json={"email_notifications": "instant"})
    idea = team["mara"].post("ideas", json={"title": "Reel", "body": ""}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "one"})
    team["sam"].post(f"ideas/{idea['id']}/comments", json={"body": "two"})
    deliver(mail_app)
    [first] = inbox.to("mara@example.com")
    assert first["Subject"] == "2 new notifications on the task-force board"
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "three"})
    frozen["t"] += timedelta(seconds=30)
    deliver(mail_app)
    assert len(inbox.to("mara@example.com")) == 1  # within the minute: it waits
    frozen["t"] += timedelta(seconds=31)
    deliver(mail_app)
    assert len(inbox.to("mara@example.com")) == 2
    assert "three" in parts(inbox.to("mara@example.com")[1])[0]


@BOTH_DATABASES
def test_instant_mail_starts_with_what_comes_after_it_was_chosen(mail_app, smtp, team, frozen):
    """Switching to instant mailed the whole unread backlog at once, weeks old, under
    "N new notifications"; now the first instant mail is the first news after the switch.
    Saving the settings again with instant still chosen holds back nothing."""
    _, inbox = smtp
    idea = team["mara"].post("ideas", json={"title": "Reel", "body": ""}).get_json()
    for word in ("one", "two", "three"):
        team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": word})
    frozen["t"] += timedelta(days=20)
    team["mara"].patch("me", json={"email_notifications": "instant"})
    assert deliver(mail_app) == 0
    assert len(team["mara"].get("notifications").get_json()["items"]) == 3  # still in the inbox
    team["sam"].post(f"ideas/{idea['id']}/comments", json={"body": "four"})
    team["mara"].patch("me", json={"email_notifications": "instant", "language": "en"})
    assert deliver(mail_app) == 1
    [message] = inbox.to("mara@example.com")
    assert message["Subject"] == "Sam commented on “Reel”"
    text, _html = parts(message)
    assert "four" in text
    assert not any(f"“{word}”" in text for word in ("one", "two", "three"))


def test_a_read_notification_is_not_mailed(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["mara"].patch("me", json={"email_notifications": "instant"})
    idea = team["mara"].post("ideas", json={"title": "Reel", "body": ""}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "one"})
    team["mara"].post("notifications/read", json={})
    assert deliver(mail_app) == 0


def test_a_nudge_reaches_a_person_by_mail(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    ivan_id = team["ivan"].user["id"]
    team["sam"].post("nudges", json={"message": "Fancy filming Friday?", "to_user_id": ivan_id})
    deliver(mail_app)
    [message] = inbox.to("ivan@example.com")
    assert "Fancy filming Friday?" in message["Subject"]


@BOTH_DATABASES
def test_a_slow_mail_server_keeps_nobody_from_writing(mail_app, smtp, team, frozen):
    """While the mail server takes its time over a mail, people go on posting: the sender
    holds no write transaction through the send (on SQLite one would keep every
    writer of the process waiting)."""
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    ivan_id = team["ivan"].user["id"]
    team["sam"].post("nudges", json={"message": "Fancy filming Friday?", "to_user_id": ivan_id})
    with mail_app.app_context(), mail_app.extensions["board_db"].Session() as session:
        mail.queue_instant_mails(session, mail_app)
    inbox.hold = threading.Event()
    sending = threading.Thread(target=mail.send_pending, args=(mail_app,))
    sending.start()
    try:
        assert inbox.arrived.wait(30)
        answer = team["mara"].post("ideas", json={"title": "Reel", "body": ""})
        assert answer.status_code == 201, answer.get_json()
        assert sending.is_alive()  # the mail is still waiting for the server's answer
    finally:
        inbox.hold.set()
        sending.join(60)
    [message] = inbox.to("ivan@example.com")
    assert "Fancy filming Friday?" in message["Subject"]


@BOTH_DATABASES
def test_nudges_reach_each_person_by_mail_the_way_they_chose(mail_app, smtp, team, frozen):
    """A nudge to a department and one to a task's claimant: instant mail at once, the daily
    digest at its hour, nothing for someone who turned mail off."""
    _, inbox = smtp
    nora = make_user(mail_app, "nora", "member", "Marketing")
    JsonClient(mail_app.test_client()).login(nora.email).patch(
        "me", json={"email_notifications": "off"}
    )
    team["mara"].patch("me", json={"email_notifications": "instant"})
    marketing = team["mara"].user["department"]["id"]
    sent = team["sam"].post(
        "nudges", json={"message": "Who films the fair?", "department_id": marketing}
    )
    assert sent.status_code == 201, sent.get_json()
    task = team["ivan"].post("tasks", json={"title": "Cut the reel"}).get_json()
    team["ivan"].post(f"tasks/{task['id']}/claim")
    team["sam"].post("nudges", json={"message": "How is the cut?", "task_id": task["id"]})
    assert deliver(mail_app) == 1
    [instant] = inbox.to("mara@example.com")
    assert instant["Subject"] == "Sam nudged you: Who films the fair?"
    assert "https://board.example.com/nudges" in parts(instant)[0]
    assert inbox.to("ivan@example.com") == []  # daily: at the digest hour
    frozen["t"] = START.replace(hour=7, minute=1)
    deliver(mail_app, "daily")
    [digest] = inbox.to("ivan@example.com")
    assert "Sam nudged you: How is the cut?" in parts(digest)[0]
    assert "Who films the fair?" not in parts(digest)[0]  # not his department
    assert inbox.to("nora@example.com") == []
    assert inbox.to("olga@example.com") == []


@BOTH_DATABASES
def test_the_daily_digest_lists_what_is_new_and_is_skipped_when_nothing_is(
    mail_app, smtp, team, frozen
):
    _, inbox = smtp
    idea = team["mara"].post("ideas", json={"title": "Reel", "body": "@ivan look"}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "Nice"})
    team["sam"].post("prompts", json={"kind": "prompt", "title": "Summer stories"})
    team["mara"].post("tasks", json={"title": "Film the booth", "idea_id": idea["id"]})
    assert deliver(mail_app, "daily") == 0  # 06:00: not yet time
    frozen["t"] = START.replace(hour=7, minute=1)
    assert deliver(mail_app, "daily") == 3  # mara, ivan, sam; olga is an observer
    [digest] = inbox.to("ivan@example.com")
    assert digest["Subject"] == "Your day on the task-force board"
    text, html = parts(digest)
    assert "You were mentioned" in text and "Mara mentioned you in “Reel”" in text
    assert "Summer stories" in text and "Film the booth" in html
    frozen["t"] = START.replace(hour=7, minute=30)
    assert deliver(mail_app, "daily") == 0  # already sent today
    frozen["t"] = START + timedelta(days=1, hours=2)
    assert deliver(mail_app, "daily") == 0  # the next day: nothing new, so no mail
    assert len(inbox.to("ivan@example.com")) == 1


@BOTH_DATABASES
def test_the_digest_says_everything_the_issue_promises(mail_app, smtp, team, frozen):
    """What happened on what I follow, what I was mentioned in, new prompts and challenges
    with their deadlines, and the tasks still free to claim, help wanted first."""
    _, inbox = smtp
    idea = team["ivan"].post("ideas", json={"title": "Reel", "body": "@mara look"}).get_json()
    team["sam"].post(f"ideas/{idea['id']}/comments", json={"body": "Love it"})
    team["sam"].post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Summer stories",
            "submissions_close_at": "2030-06-10T12:00:00Z",
            "voting_close_at": "2030-06-12T12:00:00Z",
        },
    )
    older = team["ivan"].post("tasks", json={"title": "Write captions"}).get_json()
    held = team["ivan"].post("tasks", json={"title": "Film the booth"}).get_json()
    team["ivan"].post(f"tasks/{held['id']}/claim")
    team["ivan"].patch(f"tasks/{held['id']}", json={"help_wanted": True})
    done = team["ivan"].post("tasks", json={"title": "Book the room"}).get_json()
    team["ivan"].post(f"tasks/{done['id']}/claim")
    team["ivan"].post(f"tasks/{done['id']}/complete")
    assert deliver(mail_app, "daily", force=True) == 3
    [digest] = inbox.to("mara@example.com")
    text, html = parts(digest)
    mentioned = text.index("You were mentioned")
    following = text.index("On ideas you follow")
    assert mentioned < text.index("Ivan mentioned you in “Reel”") < following
    assert following < text.index("Sam commented on “Reel”")
    assert "Challenge: Summer stories (ideas until Jun 10, 2030" in text
    assert "votes until Jun 12, 2030" in text and "votes until Jun 12, 2030" in html
    tasks = text[text.index("Tasks still free to claim") :]
    assert tasks.index("Film the booth (help wanted by Ivan)") < tasks.index("Write captions")
    assert "Book the room" not in tasks
    assert f"https://board.example.com/tasks/{older['id']}" in tasks
    assert "help wanted by Ivan" in html
    [own] = inbox.to("ivan@example.com")  # his own call for help is not offered to him
    assert "Film the booth" not in parts(own)[0]


HEADINGS = {
    "en": [
        "Your claims that run out soon",
        "Nudges for you",
        "You were mentioned",
        "Challenges you took part in",
        "On ideas you follow",
        "New prompts and challenges",
    ],
    "de": [
        "Deine Übernahmen, die bald auslaufen",
        "Anstöße für dich",
        "Du wurdest erwähnt",
        "Challenges, bei denen du mitgemacht hast",
        "Bei Ideen, denen du folgst",
        "Neue Impulse und Challenges",
    ],
}


def one_of_each(mail_app, team, frozen) -> None:
    """Mara gets one notification of each kind a digest sorts: her claim runs out, Sam
    nudges her, Ivan mentions her, a challenge she took part in starts voting, and Ivan
    comments on her idea."""
    mara = team["mara"]
    task = mara.post("tasks", json={"title": "Cut the reel"}).get_json()
    mara.post(f"tasks/{task['id']}/claim")
    with mail_app.extensions["board_db"].Session() as session:
        notifications.notify(
            session, "claim_expiring", [mara.user["id"]], task_id=task["id"], data={"task": "Cut"}
        )
        session.commit()
    team["sam"].post("nudges", json={"message": "Need a hand?", "to_user_id": mara.user["id"]})
    team["ivan"].post("ideas", json={"title": "Fair reel", "body": "@mara with me?"})
    challenge = (
        team["sam"]
        .post(
            "prompts",
            json={
                "kind": "challenge",
                "title": "Summer stories",
                "submissions_close_at": (START + timedelta(hours=1)).isoformat(),
                "voting_close_at": (START + timedelta(days=2)).isoformat(),
            },
        )
        .get_json()
    )
    mara.post("ideas", json={"title": "Hut story", "body": "", "prompt_id": challenge["id"]})
    idea = mara.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "Count me in"})
    frozen["t"] = START + timedelta(hours=2)
    with mail_app.extensions["board_db"].Session() as session:
        advance_phases(session, clock.now())


def in_order(text: str, sentences: list[str]) -> list[str]:
    return sorted((s for s in sentences if s in text), key=text.index)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_digest_says_in_its_headings_what_each_part_holds(
    mail_app, smtp, team, frozen, language
):
    """Nudges and a challenge's phase are not things one follows: each part of the digest
    says what it holds, what needs the reader first, in both parts and both languages."""
    _, inbox = smtp
    team["mara"].patch("me", json={"language": language})
    one_of_each(mail_app, team, frozen)
    deliver(mail_app, "daily", force=True)
    [digest] = inbox.to("mara@example.com")
    text, html = parts(digest)
    expected = HEADINGS[language]
    assert in_order(text, expected) == expected
    assert in_order(html, expected) == expected
    assert all(f">{heading}</h2>" in html for heading in expected)
    assert "On what you follow" not in text
    following = text[text.index(expected[4]) : text.index(expected[5])]
    assert "Booth tour" in following and "Summer stories" not in following
    assert "Need a hand?" not in following
    nudges = text[text.index(expected[1]) : text.index(expected[2])]
    assert "Need a hand?" in nudges


def test_a_digest_tells_a_closed_challenge_once_by_its_results(mail_app, smtp, team, frozen):
    """It started voting and closed since the last digest: "now takes votes" is no news
    any more, and a closed challenge is not offered as new with deadlines gone by."""
    _, inbox = smtp
    one_of_each(mail_app, team, frozen)
    frozen["t"] = START + timedelta(days=3)
    with mail_app.extensions["board_db"].Session() as session:
        advance_phases(session, clock.now())
    deliver(mail_app, "daily", force=True)
    text, html = parts(inbox.to("mara@example.com")[0])
    assert "The challenge “Summer stories” has closed: see the results" in text
    assert "now takes votes" not in text and "now takes votes" not in html
    assert "Challenge: Summer stories" not in text
    assert "New prompts and challenges" not in text


def test_every_kind_of_notification_has_its_place_in_the_digest():
    placed = [kind for _name, kinds in mail.DIGEST_SECTIONS for kind in kinds]
    assert sorted(placed + ["prompt"]) == sorted(notifications.NOTIFICATION_KINDS)


@pytest.mark.parametrize(
    ("language", "quoted", "reason"),
    [
        ("en", "“Count me in”", "your email notifications are set to “Instant”."),
        ("de", "„Count me in“", "weil deine Benachrichtigungen per E-Mail auf „Sofort“ stehen."),
    ],
)
def test_a_mail_quotes_as_its_language_does_and_says_why_it_came(
    mail_app, smtp, team, frozen, language, quoted, reason
):
    """A German mail quotes „so“; the reason a mail came names the setting it follows
    (which may be the default nobody chose); a comment deleted since is not quoted as if
    someone had written its placeholder."""
    _, inbox = smtp
    team["mara"].patch("me", json={"email_notifications": "instant", "language": language})
    idea = team["mara"].post("ideas", json={"title": "Booth tour", "body": ""}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "Count me in"})
    gone = team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": "Oops"}).get_json()
    team["ivan"].delete(f"comments/{gone['id']}")
    deliver(mail_app)
    [message] = inbox.to("mara@example.com")
    text, html = parts(message)
    assert quoted in text and quoted in html
    assert reason in text and reason in html
    assert f"<title>{message['Subject']}</title>" in html  # the window's name, not empty
    assert "Oops" not in text
    assert "“Deleted by its author.”" not in text and "„Gelöscht" not in text
    if language == "en":
        assert "\n  Deleted by its author.\n" in text.replace("\r\n", "\n")
        assert "Change your email settings: https://board.example.com/settings" in text


@pytest.mark.parametrize(
    ("language", "typed", "quoted"),
    [
        ("de", "Wir nennen es „Gipfelglück“, oder?", "„Wir nennen es ‚Gipfelglück‘, oder?“"),
        ("en", "We call it “summit joy”, right?", "“We call it ‘summit joy’, right?”"),
    ],
)
def test_quotation_marks_inside_a_quote_become_single(
    mail_app, smtp, team, frozen, language, typed, quoted
):
    """A comment that quotes something came out as „Wir nennen es „Gipfelglück“, oder?“:
    two opening marks and the quote ending in the middle. Inside the mail's quote its own
    marks are the single ones, as German and English nest them."""
    _, inbox = smtp
    team["mara"].patch("me", json={"email_notifications": "instant", "language": language})
    idea = team["mara"].post("ideas", json={"title": "Summit", "body": ""}).get_json()
    team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": typed})
    deliver(mail_app)
    [message] = inbox.to("mara@example.com")
    text, html = parts(message)
    assert quoted in text and quoted in html
    # the inbox shows the words as typed: it puts no marks around them
    [notice] = team["mara"].get("notifications").get_json()["items"]
    assert notice["excerpt"] == typed


def test_a_digest_tells_deadlines_in_the_readers_own_time_zone(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["mara"].patch("me", json={"timezone": "Europe/Berlin"})
    team["sam"].post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Summer stories",
            "submissions_close_at": "2030-06-10T12:00:00Z",
            "voting_close_at": "2030-06-12T12:00:00Z",
        },
    )
    deliver(mail_app, "daily", force=True)
    mara, _ = parts(inbox.to("mara@example.com")[0])
    ivan, _ = parts(inbox.to("ivan@example.com")[0])
    assert "ideas until Jun 10, 2030, 2:00 PM, votes until Jun 12, 2030, 2:00 PM" in mara
    assert "ideas until Jun 10, 2030, 12:00 PM" in ivan  # no zone of his own: the board's


def test_a_digest_lists_the_newest_and_says_how_many_more_wait(mail_app, smtp, team, frozen):
    _, inbox = smtp
    idea = team["mara"].post("ideas", json={"title": "Booth tour", "body": ""}).get_json()
    for n in range(mail.DIGEST_ITEMS + 3):
        team["ivan"].post(f"ideas/{idea['id']}/comments", json={"body": f"note {n:02d}"})
    deliver(mail_app, "daily", force=True)
    text, html = parts(inbox.to("mara@example.com")[0])
    assert "note 52" in text and "note 03" in text and "note 02" not in text
    assert "3 more unread notifications wait in your inbox." in text
    assert "3 more unread notifications wait in your inbox." in html
    assert "Your inbox: https://board.example.com/notifications" in text


def test_a_digest_lists_a_new_prompt_once_and_both_parts_say_why_it_came(
    mail_app, smtp, team, frozen
):
    _, inbox = smtp
    team["ivan"].patch("me", json={"language": "de"})
    team["sam"].post("prompts", json={"kind": "prompt", "title": "Summer stories"})
    deliver(mail_app, "daily", force=True)
    text, html = parts(inbox.to("mara@example.com")[0])
    assert text.count("Summer stories") == 1 and html.count("Summer stories") == 1
    assert "New prompts and challenges" in text
    assert "You get this mail because your email notifications are set to “Daily digest”." in text
    german, _ = parts(inbox.to("ivan@example.com")[0])
    assert german.count("Summer stories") == 1
    assert (
        "Du bekommst diese E-Mail, weil deine Benachrichtigungen per E-Mail auf „Tägliche Übersicht“ "
        "stehen." in german
    )


def test_the_observers_summary_counts_only_the_week_it_speaks_of(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["mara"].post("ideas", json={"title": "Old reel", "body": ""})  # four weeks ago
    frozen["t"] = START + timedelta(days=27)
    team["mara"].post("ideas", json={"title": "New reel", "body": ""})
    team["olga"].patch("me", json={"email_notifications": "weekly"})
    frozen["t"] = START + timedelta(days=28, hours=2)
    deliver(mail_app, "weekly")
    [summary] = inbox.to("olga@example.com")
    text, _ = parts(summary)
    assert "* 1 idea posted" in text  # not the 2 since she joined (and "1 idea", not "1 ideas")
    assert "You get this mail because your email notifications are set to “Weekly digest”." in text


def test_the_observers_summary_counts_what_went_live(mail_app, smtp, team, frozen):
    """A week in which only a post went live is not four zeros."""
    _, inbox = smtp
    frozen["t"] = START + timedelta(days=1)
    idea = team["mara"].post("ideas", json={"title": "Reel", "body": ""}).get_json()
    team["olga"].patch("me", json={"email_notifications": "weekly"})
    frozen["t"] = START + timedelta(days=7, hours=2)
    deliver(mail_app, "weekly")  # this week's summary: the idea
    frozen["t"] = START + timedelta(days=8)
    team["mara"].post(
        f"ideas/{idea['id']}/publications",
        json={"url": "https://www.instagram.com/p/reel", "channel": "instagram"},
    )
    frozen["t"] = START + timedelta(days=14, hours=2)
    deliver(mail_app, "weekly")
    text = parts(inbox.to("olga@example.com")[-1])[0].replace("\r\n", "\n")
    assert "* 0 ideas posted\n" in text and "* 1 idea went live\n" in text


def test_observers_get_only_the_weekly_summary_if_they_choose_it(mail_app, smtp, team, frozen):
    _, inbox = smtp
    frozen["t"] = START + timedelta(days=1)  # this week's Tuesday
    team["mara"].post("ideas", json={"title": "Reel", "body": "@olga"})
    deliver(mail_app, "daily", force=True)
    assert inbox.to("olga@example.com") == []
    team["olga"].patch("me", json={"email_notifications": "weekly"})
    frozen["t"] = START + timedelta(days=7, hours=2)
    deliver(mail_app, "weekly")
    [summary] = inbox.to("olga@example.com")
    assert summary["Subject"] == "This week on the task-force board"
    text, html = parts(summary)
    text = text.replace("\r\n", "\n")
    assert "This week in the task force:\n* 1 idea posted\n* 0 comments written\n" in text
    assert "<li>1 idea posted</li><li>0 comments written</li>" in html


def test_the_observers_summary_speaks_german_in_numbers_that_agree(mail_app, smtp, team, frozen):
    _, inbox = smtp
    frozen["t"] = START + timedelta(days=1)
    team["mara"].post("ideas", json={"title": "Reel", "body": ""})
    team["olga"].patch("me", json={"email_notifications": "weekly", "language": "de"})
    frozen["t"] = START + timedelta(days=7, hours=2)
    deliver(mail_app, "weekly")
    [summary] = inbox.to("olga@example.com")
    text = parts(summary)[0].replace("\r\n", "\n")
    assert "diese Woche in der Taskforce:\n* 1 Idee gepostet\n* 0 Kommentare geschrieben\n" in text
    assert "* 0 Aufgaben übernommen\n* 0 Aufgaben erledigt\n" in text


def test_a_digest_speaks_the_persons_language(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["ivan"].patch("me", json={"language": "de"})
    idea = team["mara"].post("ideas", json={"title": "Messefilm", "body": "@ivan?"}).get_json()
    assert idea
    deliver(mail_app, "daily", force=True)
    [digest] = inbox.to("ivan@example.com")
    assert digest["Subject"] == "Dein Tag auf dem Taskforce-Board"
    text, _ = parts(digest)
    assert "Mara hat dich in „Messefilm“ erwähnt" in text


def test_one_click_unsubscribe_turns_mail_off_without_a_login(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    team["mara"].post("ideas", json={"title": "Reel", "body": "@ivan"})
    deliver(mail_app)
    [message] = inbox.to("ivan@example.com")
    url = message["List-Unsubscribe"].strip("<>").removeprefix("https://board.example.com")
    stranger = mail_app.test_client()
    assert stranger.get(url).status_code == 200  # a GET only asks
    assert team["ivan"].get("me").get_json()["user"]["email_notifications"] == "instant"
    response = stranger.post(url, data="List-Unsubscribe=One-Click")
    assert response.status_code == 200
    assert team["ivan"].get("me").get_json()["user"]["email_notifications"] == "off"
    assert stranger.post(url[:-3] + "xyz").status_code == 400
    team["mara"].post("ideas", json={"title": "Again", "body": "@ivan"})
    assert deliver(mail_app) == 0


def test_a_broken_unsubscribe_link_says_so_before_anything_is_pressed(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    team["mara"].post("ideas", json={"title": "Reel", "body": "@ivan"})
    deliver(mail_app)
    [message] = inbox.to("ivan@example.com")
    url = message["List-Unsubscribe"].strip("<>").removeprefix("https://board.example.com")
    stranger = mail_app.test_client()
    good = stranger.get(url).get_data(as_text=True)
    assert "Turn all mail off" in good and "does not work" not in good
    broken = stranger.get(url[:-3] + "xyz")
    page = broken.get_data(as_text=True)
    assert broken.status_code == 400
    assert "This link does not work" in page
    assert "Turn all mail off" not in page  # no button that can only fail
    assert 'href="/settings"' in page
    assert team["ivan"].get("me").get_json()["user"]["email_notifications"] == "instant"


def test_a_failed_delivery_is_retried_and_sent_once(mail_app, smtp, team, frozen):
    controller, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    team["mara"].post("ideas", json={"title": "Reel", "body": "@ivan"})
    controller.stop()
    assert deliver(mail_app) == 0
    with mail_app.extensions["board_db"].Session() as session:
        row = session.scalars(select(OutgoingMail)).one()
        assert (row.status, row.attempts) == ("pending", 1)
    again = Controller(inbox, hostname="127.0.0.1", port=controller.port)
    again.start()
    try:
        assert mail.send_pending(mail_app) == 0  # not before its backoff
        frozen["t"] += timedelta(minutes=3)
        assert mail.send_pending(mail_app) == 1
        assert mail.send_pending(mail_app) == 0
    finally:
        again.stop()
    controller.start = lambda: None
    assert len(inbox.to("ivan@example.com")) == 1


def test_the_cli_sends_the_digest_now(mail_app, smtp, team, frozen):
    _, inbox = smtp
    team["mara"].post("ideas", json={"title": "Reel", "body": "@ivan"})
    result = mail_app.test_cli_runner().invoke(args=["mail", "digest", "--period", "daily"])
    assert result.exit_code == 0, result.output
    assert len(inbox.to("ivan@example.com")) == 1


def test_the_digest_command_without_smtp_sends_nothing_and_succeeds(app, member):
    member.post("ideas", json={"title": "Reel", "body": "@ivan"})
    result = app.test_cli_runner().invoke(args=["mail", "digest", "--period", "weekly"])
    assert result.exit_code == 0, result.output
    assert "no digests sent" in result.output
    assert queued(app) == 0


def test_without_smtp_nothing_is_queued_and_nothing_fails(app, member, other_member):
    other_member.patch("me", json={"email_notifications": "instant"})
    idea = member.post("ideas", json={"title": "Reel", "body": "@ivan"})
    assert idea.status_code == 201
    assert deliver(app, "daily", force=True) == 0
    assert queued(app) == 0
    with app.extensions["board_db"].Session() as session:
        assert (
            session.scalar(select(User.email_notifications).where(User.handle == "ivan"))
            == "instant"
        )


@pytest.mark.parametrize(
    ("browser_language", "subject"),
    [
        ("de-DE,de;q=0.9", "Dein Tag auf dem Taskforce-Board"),
        ("en-GB,en;q=0.8", "Your day on the task-force board"),
    ],
)
def test_mail_speaks_the_language_of_the_page_a_person_first_logged_in_on(
    mail_app, smtp, team, frozen, browser_language, subject
):
    """A person who never chose a language got English mail, even in a German company
    whose pages all spoke German to them: a mail has no browser to ask."""
    _, inbox = smtp
    browser = Browser(mail_app)
    speaks = {"headers": {"Accept-Language": browser_language}}
    browser.get("/login", **speaks)
    answer = browser.post("/login", {"email": "ivan@example.com", "password": PASSWORD}, **speaks)
    assert answer.status_code == 302
    team["mara"].post("ideas", json={"title": "Messefilm", "body": "@ivan?"})
    deliver(mail_app, "daily", force=True)
    [digest] = inbox.to("ivan@example.com")
    assert digest["Subject"] == subject
    # it is no setting: the pages go on following the browser, and a choice wins in mail
    assert team["ivan"].get("me").get_json()["user"]["language"] is None
    team["ivan"].patch("me", json={"language": "en" if "de" in browser_language else "de"})
    team["mara"].post("ideas", json={"title": "Messefilm 2", "body": "@ivan!"})
    frozen["t"] += timedelta(days=1)
    deliver(mail_app, "daily", force=True)
    assert inbox.to("ivan@example.com")[-1]["Subject"] != subject
