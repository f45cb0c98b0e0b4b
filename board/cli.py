"""flask --app app users create|set-role|remove|erase, retention, audit, and demo.

Every command that changes a role, erases a person or changes a setting writes an entry
in the audit log (board/audit.py) with the operating-system user who ran it."""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

from board import (
    accounts,
    audit,
    backup,
    clock,
    mail,
    people,
    personal_data,
    prompts,
    tallies,
    webhooks,
)
from board import invites as invite_service
from board.demo import demo_command
from board.errors import BoardError
from board.inputs import whole_number
from board.limits import INT_MAX, MAX_ID


def _session():
    return current_app.extensions["board_db"].Session()


class WholeNumber(click.ParamType):
    """A number on the command line by the board's one rule (`inputs.whole_number`): ASCII
    digits, no sign, at most `most`. Click's `int` reads "１" as 1, takes "-1" (a negative
    LIMIT lists everything on SQLite and fails on PostgreSQL) and passes a number of any
    size to the database driver, which ends in a traceback."""

    name = "number"

    def __init__(self, most: int = INT_MAX) -> None:
        self.most = most

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value  # a default
        number = whole_number(str(value).strip())
        if number is None or number > self.most:
            self.fail(f"{value!r} is not a whole number from 0 to {self.most}.", param, ctx)
        return number


def refused(error: BoardError) -> click.ClickException:
    """A service's refusal as the command's one-line error, naming the fields it found
    wrong (the services' general "Some fields are missing or invalid." alone says nothing
    about what to change)."""
    message = error.message
    fields = error.fields or {}
    if fields and not any(str(problem) in message for problem in fields.values()):
        message = "; ".join(f"{name}: {problem}" for name, problem in fields.items())
    return click.ClickException(message)


def _audit(session, action: str, user_id: int | None = None, detail: str = "") -> None:
    audit.record(session, action, user_id, detail)
    session.commit()


users = AppGroup("users", help="Manage people. Roles change only here.")


@users.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--department", required=True, help="Department name (created when missing).")
@click.option(
    "--role",
    type=click.Choice(["member", "facilitator", "observer"]),
    default="member",
    show_default=True,
)
def create_user(email, password, display_name, department, role):
    """Create a person with any role."""
    with _session() as session:
        try:
            user = people.create_user(session, email, password, display_name, department, role)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "users.create", user.id, f"role {user.role}")
        click.echo(f"Created {user.role} {user.email} ({user.department.name}), id {user.id}.")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["member", "facilitator", "observer"]))
def set_role(email, role):
    """Change a person's role; their open sessions lose the old powers at once."""
    with _session() as session:
        try:
            before = people.find_user(session, email).role
            user = people.set_role(session, email, role)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "users.set-role", user.id, f"role {before} -> {user.role}")
        click.echo(f"{user.email} is now {user.role}.")


@users.command("remove")
@click.argument("email")
def remove_user(email):
    """Deactivate a person: they are logged out everywhere; their work stays on the board."""
    with _session() as session:
        try:
            user = people.remove_user(session, email)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "users.remove", user.id, "deactivated")
        click.echo(f"{user.email} can no longer log in.")


@users.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_user(email, yes):
    """Erase a person (GDPR): login impossible, email, name and handle gone, sessions
    ended; their ideas, comments and tasks stay under "former member"."""
    with _session() as session:
        try:
            user = people.find_user(session, email)
        except BoardError as error:
            raise refused(error) from None
        if not yes:
            click.confirm(f"Erase {user.email} for good?", abort=True)
        user_id = user.id
        ended = personal_data.erase_person(session, user)
        _audit(session, "users.erase", user_id, f"erased; {len(ended)} sessions ended")
        click.echo(f"Erased person {user_id}; their contributions stay under former member.")


@click.command("render-markdown")
@with_appcontext
def render_markdown_command():
    """Re-render the stored HTML of every idea and comment (after the renderer changed)."""
    engine = current_app.extensions["board_db"].engine
    with engine.begin() as connection:
        count = tallies.render_all(connection, tallies.all_handles(connection))
    click.echo(f"Rendered {count} texts.")


@click.command("recount-tallies")
@with_appcontext
def recount_tallies_command():
    """Recount every idea's stored tallies from its votes (after the hot formula changed),
    and every prompt's number of ideas."""
    engine = current_app.extensions["board_db"].engine
    with engine.begin() as connection:
        count = tallies.recount_all(connection)
        if connection.dialect.name == "postgresql":
            # No idea may come or go between the count and the write.
            connection.execute(text("LOCK TABLE ideas IN SHARE MODE"))
        counted = connection.execute(text(prompts.IDEA_COUNT_RECOUNT)).rowcount
    click.echo(f"Recounted {count} ideas and {counted} prompts.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Copy the SQLite database to FILE while the board keeps running."""
    try:
        size = backup.backup(current_app.extensions["board_settings"].database_url, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {file} ({size} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file):
    """Replace the SQLite database with the backup in FILE (stop the server first)."""
    current_app.extensions["board_db"].dispose()  # no pooled connection of ours stays open
    try:
        backup.restore(current_app.extensions["board_settings"].database_url, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {file}. Start the server again.")


def public_url(base_url: str | None) -> str:
    """Where a link printed for IT to pass on points: --base-url, else BOARD_BASE_URL (as
    in mails); a bare path was no link anyone could open."""
    if base_url is None:
        base_url = current_app.extensions["board_settings"].base_url
    return base_url.rstrip("/")


@users.command("reset-password")
@click.argument("email")
@click.option("--hours", default=accounts.RESET_HOURS, show_default=True, type=WholeNumber())
@click.option(
    "--base-url",
    default=None,
    help="The board's public URL, e.g. https://board.example.com [default: BOARD_BASE_URL]",
)
def reset_password(email, hours, base_url):
    """Make a single-use link with which the person sets a new password (for IT to pass on)."""
    if not current_app.extensions["board_settings"].password_login:
        raise click.ClickException(
            "Password login is off here (BOARD_PASSWORD_LOGIN=0): a new password could not be "
            "used; people sign in with their company account."
        )
    with _session() as session:
        try:
            user, token = accounts.create_reset(session, email, hours)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "users.reset-password", user.id, f"link for {hours} hours")
        click.echo(f"{public_url(base_url)}/reset-password/{token}")
        click.echo(f"For {user.email}: works once, for {hours} hours.")


invites_group = AppGroup("invites", help="Invite links: registration from outside the domains.")


@invites_group.command("create")
@click.option("--reusable", is_flag=True, help="Good for any number of registrations.")
@click.option("--days", default=invite_service.DEFAULT_DAYS, show_default=True, type=WholeNumber())
@click.option(
    "--base-url",
    default=None,
    help="The board's public URL, e.g. https://board.example.com [default: BOARD_BASE_URL]",
)
def create_invite(reusable, days, base_url):
    """Make an invite link (single-use unless --reusable); it is shown only now."""
    with _session() as session:
        try:
            invite, token = invite_service.create_invite(session, None, not reusable, days)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "invites.create", None, f"invite {invite.id}, {days} days")
        kind = "reusable" if reusable else "single-use"
        click.echo(f"{public_url(base_url)}/register?invite={token}")
        click.echo(f"Invite {invite.id}: {kind}, expires {invite.expires_at:%Y-%m-%d %H:%M} UTC.")


@invites_group.command("revoke")
@click.argument("invite_id", type=WholeNumber(MAX_ID))
def revoke_invite(invite_id):
    """Make an invite link stop working."""
    with _session() as session:
        try:
            invite_service.revoke_invite(session, None, invite_id)
        except BoardError as error:
            raise refused(error) from None
        _audit(session, "invites.revoke", None, f"invite {invite_id}")
        click.echo(f"Invite {invite_id} no longer works.")


mail_group = AppGroup("mail", help="Email notifications.")


@mail_group.command("digest")
@click.option("--period", type=click.Choice(["daily", "weekly"]), required=True)
def mail_digest(period):
    """Queue and send the digest now to everyone who chose this period (nothing new: none)."""
    app = current_app._get_current_object()
    if not mail.mail_enabled(app.extensions["board_settings"]):
        # The contract: without mail set up no mail is sent and nothing fails (a scheduled
        # digest on a board without mail must not break its cron job).
        click.echo("Mail is off (set BOARD_SMTP_URL and BOARD_MAIL_FROM): no digests sent.")
        return
    with _session() as session:
        queued = mail.queue_digests(session, app, period, force=True)
    sent = mail.send_pending(app)
    click.echo(f"{queued} {period} digests queued, {sent} mails sent.")


webhooks_group = AppGroup("webhooks", help="Chat channels and JSON endpoints for public events.")


@webhooks_group.command("add")
@click.argument("url")
@click.option("--format", "fmt", type=click.Choice(webhooks.FORMATS), default="json")
@click.option("--secret", default=None, help="Signs each body: X-Board-Signature: sha256=…")
@click.option("--events", default="", help="Comma-separated event types; default all public.")
def webhooks_add(url, fmt, secret, events):
    """Send the board's public events to URL."""
    types = [t.strip() for t in events.split(",") if t.strip()]
    with _session() as session:
        try:
            local_network = current_app.extensions["board_settings"].webhook_local_network
            hook = webhooks.add_webhook(
                session, url, fmt, secret, types, actor=None, local_network=local_network
            )
        except BoardError as error:
            raise refused(error) from None
        # Not the URL: chat webhook URLs are credentials themselves.
        _audit(session, "webhooks.add", None, f"webhook {hook.id} ({hook.format})")
        click.echo(f"Added webhook {hook.id}: {hook.format} → {hook.url}")


@webhooks_group.command("list")
def webhooks_list():
    """The webhooks, one a line."""
    with _session() as session:
        for hook in webhooks.list_webhooks(session):
            types = ",".join(hook.event_types) or "all public events"
            signed = "signed" if hook.secret else "unsigned"
            click.echo(f"{hook.id}\t{hook.format}\t{hook.url}\t{types}\t{signed}")


@webhooks_group.command("remove")
@click.argument("webhook_id", type=WholeNumber(MAX_ID))
def webhooks_remove(webhook_id):
    """Stop sending to a webhook."""
    with _session() as session:
        if not webhooks.remove_webhook(session, webhook_id, actor=None):
            raise click.ClickException(f"No webhook {webhook_id}.")
        _audit(session, "webhooks.remove", None, f"webhook {webhook_id}")
        click.echo(f"Removed webhook {webhook_id}.")


retention_group = AppGroup("retention", help="Deleting private data after BOARD_RETENTION_DAYS.")


@retention_group.command("run")
def retention_run():
    """Delete private nudges, notifications and private events older than the retention."""
    days = current_app.extensions["board_settings"].retention_days
    with _session() as session:
        counts = personal_data.run_retention(session, clock.now(), days)
        summary = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
        _audit(session, "retention.run", None, f"older than {days} days: {summary}")
    click.echo(f"Deleted what was older than {days} days: {summary}.")


audit_group = AppGroup("audit", help="What was changed on the command line, by whom, when.")


@audit_group.command("list")
@click.option("--limit", default=1000, show_default=True, type=WholeNumber())
def audit_list(limit):
    """The audit log, newest first: when, who ran it, what, about whom."""
    with _session() as session:
        for entry in audit.entries(session, limit):
            who = "" if entry["user_id"] is None else f"user {entry['user_id']} ({entry['user']})"
            click.echo(
                f"{entry['at']}\t{entry['ran_by']}\t{entry['action']}\t{who}\t{entry['detail']}"
            )


# A database that is not there, not reachable or not migrated: what the driver says, in one
# line. Other database errors stay tracebacks: they are bugs to see, not input to refuse.
UNUSABLE_DATABASE = (OperationalError, ProgrammingError, InterfaceError)


def database_trouble_in_one_line(command: click.Command) -> click.Command:
    """`command` (and a group's subcommands) ending in a message, not a traceback, when the
    database cannot be used: every command before `alembic upgrade head` hit "no such
    table", and a PostgreSQL that is down "connection refused", as tracebacks."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            database_trouble_in_one_line(sub)
        return command
    callback = command.callback
    if callback is None or getattr(callback, "board_database_trouble", False):
        return command  # every create_app registers the same command objects

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except UNUSABLE_DATABASE as error:
            said = str(error.orig or error).strip().splitlines()[0]
            raise click.ClickException(
                f"The database cannot be used ({said}). Check BOARD_DATABASE_URL, and that "
                "the database is migrated (.venv/bin/alembic upgrade head)."
            ) from None

    run.board_database_trouble = True
    command.callback = run
    return command


def register_cli(app: Flask) -> None:
    for command in (
        users,
        retention_group,
        audit_group,
        webhooks_group,
        mail_group,
        invites_group,
        render_markdown_command,
        recount_tallies_command,
        backup_command,
        restore_command,
        demo_command,
    ):
        app.cli.add_command(database_trouble_in_one_line(command))
