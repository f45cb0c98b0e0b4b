"""People and departments: registration, login checks, the CLI's user management."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board import calendar_copies, clock, events, handles, invites, policy, privacy
from board.addresses import normalize_email, unseen_characters
from board.errors import Conflict, Denied, FieldMessage, Invalid, NotFound, Unauthenticated
from board.i18n import LANGUAGES, N_, is_time_zone
from board.limits import MAX_ID, PASSWORD_MAX
from board.person_json import department_dict, person_dict  # noqa: F401 (department_dict: for callers of people.department_dict)
from board.search import like_escaped
from models import EMAIL_CHOICES, ROLES, Department, LoginSession, Notification, User
from models.people import display_name_key

MIN_PASSWORD_LENGTH = 10
# The most common passwords that pass the length check (from the public breach top lists,
# English and German); refused outright, whatever their case.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "qwertyuiop",
        "password12",
        "password123",
        "password1234",
        "passwort123",
        "iloveyou12",
        "abcdefghij",
        "qwerty1234",
        "1q2w3e4r5t",
        "letmein123",
        "welcome123",
        "willkommen",
        "sommer2024",
        "sommer2025",
        "sommer2026",
        "winter2025",
        "winter2026",
        "administrator",
        "changeme123",
        "passw0rd123",
        "football12",
        "baseball12",
        "trustno1234",
        "superman12",
        "dragon1234",
        "monkey1234",
        "987654321",
        "9876543210",
        "aaaaaaaaaa",
        "qwertzuiop",
        "hallo12345",
        "geheim1234",
        "123456789a",
        "a123456789",
        "1234567890a",
        "123456789q",
        "12345678901",
        "123123123123",
        "1234512345",
        "1234554321",
        "0987654321",
        "1122334455",
        "1212121212",
        "0000000000",
        "2222222222",
        "5555555555",
        "7777777777",
        "9999999999",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "qazwsxedcrfv",
        "qwertyuiop1",
        "qwertyuiop123",
        "asdfghjkl1",
        "asdfghjkl123",
        "asdfghjklo",
        "yxcvbnm123",
        "zxcvbnm123",
        "qwerty12345",
        "qwerty123456",
        "qwertz12345",
        "qwertz123456",
        "password1!",
        "password12!",
        "password123!",
        "p@ssw0rd123",
        "passwort1!",
        "passwort12",
        "passwort1234",
        "passwort123!",
        "passwort12345",
        "iloveyou123",
        "ichliebedich",
        "ichliebedich1",
        "schatz12345",
        "sunshine12",
        "princess12",
        "starwars12",
        "whatever12",
        "computer12",
        "internet12",
        "michael123",
        "jennifer12",
        "charlie123",
        "welcome1234",
        "welcome2024",
        "welcome2025",
        "welcome2026",
        "willkommen1",
        "willkommen12",
        "willkommen123",
        "letmein1234",
        "changeme1234",
        "admin12345",
        "admin123456",
        "administrator1",
        "test123456",
        "test1234567",
        "testtest12",
        "start12345",
        "start123456",
        "hallo123456",
        "halloichbins",
        "fussball12",
        "fussball123",
        "fußball123",
        "schalke04!",
        "borussia09",
        "bayern1900",
        "dortmund09",
        "summer2024",
        "summer2025",
        "summer2026",
        "spring2025",
        "spring2026",
        "autumn2025",
        "winter2024",
        "herbst2025",
        "fruehling2025",
        "mustermann",
        "mustermann1",
        "musterpasswort",
        "secret1234",
        "geheim12345",
        "master12345",
        "qwe123qwe123",
        "abc123abc123",
        "abcd1234abcd",
        "abcdef123456",
        "1234qwer",
        "1234qwerasdf",
        "q1w2e3r4t5",
        "q1w2e3r4t5y6",
        "a1b2c3d4e5",
        "1a2b3c4d5e",
        "taskforce1",
        "taskforce123",
        "socialmedia",
        "socialmedia1",
        "socialmedia123",
    }
)
# A common word with only digits and punctuation around it ("Passwort2025!") is no better.
_COMMON_STEMS = frozenset(
    {
        "password",
        "passwort",
        "passw0rd",
        "qwerty",
        "qwertz",
        "welcome",
        "willkommen",
        "letmein",
        "admin",
        "iloveyou",
        "hallo",
        "hello",
        "test",
        "geheim",
        "secret",
        "sommer",
        "summer",
        "winter",
        "herbst",
        "autumn",
        "spring",
        "fruehling",
        "changeme",
        "master",
        "login",
        "start",
        "football",
        "fussball",
        "monkey",
        "dragon",
        "abc",
        "abcdef",
        "asdf",
        "qwe",
        "company",
        "firma",
        "board",
        "taskforce",
        "socialmedia",
        "",
    }
)
_AROUND = re.compile(r"^[\d\W_]*(?P<stem>.*?)[\d\W_]*$", re.DOTALL)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# The password hash of an account made by the company login: no password opens it (Argon2
# refuses it as a hash), until the person sets one.
NO_PASSWORD = "!company-login"
# Verifying against this when the email is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def set_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the Argon2 parameters (the tests use the cheapest; the board keeps the defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, email: str = "", display_name: str = "") -> str | None:
    """A sentence saying what is wrong with `password`, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return FieldMessage("Use at least %(limit)s characters.", limit=MIN_PASSWORD_LENGTH)
    if len(password) > PASSWORD_MAX:
        # The login takes no more (the API refuses it, the page form cuts it off): a longer
        # one, which only the CLI let through, could never be typed in.
        return FieldMessage("At most %(limit)s characters.", limit=PASSWORD_MAX)
    lowered = password.lower()
    stem = _AROUND.match(lowered).group("stem")
    if lowered in COMMON_PASSWORDS or stem in _COMMON_STEMS or len(set(lowered)) <= 2:
        return N_("This password is one of the most common ones; choose another.")
    personal = {email.lower(), email.lower().partition("@")[0], display_name.lower().strip()}
    if any(len(part) >= 4 and part in lowered for part in personal):
        return N_("Do not use your email address or name in your password.")
    return None


def valid_email(email: str) -> bool:
    """One rule for every door (registration, the CLI, the company login, a reset link)."""
    return bool(_EMAIL.match(email)) and len(email) <= 254 and not unseen_characters(email)


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)))


def department_choices(session: Session) -> list[dict]:
    """Every department's id and name, A to Z, as plain data (the board's filter): rows,
    from a statement built once, cost a third of loading Department objects; through the
    connection, without the ORM's step around the statement, a half of that."""
    rows = session.connection().execute(_DEPARTMENT_CHOICES)
    return [{"id": id_, "name": name} for id_, name in rows]


_DEPARTMENT_CHOICES = select(Department.id, Department.name).order_by(Department.name)


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id) if 0 < department_id <= MAX_ID else None


def user_dict(user: User) -> dict:
    """The person asking about themselves (/me, login): their own settings included."""
    return person_dict(user, "self")


def _handle_taken(session: Session, handle: str) -> bool:
    with session.no_autoflush:
        return session.scalar(select(User.id).where(User.handle == handle)) is not None


@sa_event.listens_for(Session, "before_flush")
def _give_new_people_handles(session: Session, _context, _instances) -> None:
    """Every new account gets a handle from its e-mail, whichever path created it
    (registration, the CLI, single sign-on, the demo)."""
    fresh = [obj for obj in session.new if isinstance(obj, User) and not obj.handle]
    if not fresh:
        return
    chosen = {obj.handle for obj in session.new if isinstance(obj, User) and obj.handle}
    for user in fresh:
        user.handle = handles.handle_from_email(
            user.email, lambda h: h in chosen or _handle_taken(session, h)
        )
        chosen.add(user.handle)


def get_or_create_department(session: Session, name: str) -> Department:
    name = name.strip()
    # Compared case-folded in Python (a handful of rows): SQLite's lower() folds ASCII only,
    # so "ÖFFENTLICHKEITSARBEIT" would have become a second "Öffentlichkeitsarbeit".
    key = display_name_key(name)
    department = next(
        (d for d in session.scalars(select(Department)) if display_name_key(d.name) == key), None
    )
    if department is None:
        # An empty department joins the pool of small ones, which may pull another in.
        with calendar_copies.regrouping(session):
            department = Department(name=name)
            session.add(department)
    return department


def _validate_new_user(
    session: Session, email: str, password: str, display_name: str, department_id: int
) -> dict[str, str]:
    fields: dict[str, str] = {}
    if not valid_email(email):
        fields["email"] = N_("Enter a valid email address.")
    weakness = check_password_strength(password, email, display_name)
    if weakness:
        fields["password"] = weakness
    if not display_name.strip() or len(display_name) > 80:
        fields["display_name"] = N_("Enter a name of 1 to 80 characters.")
    if not department_id:  # the form's "Choose your department", left as it was
        fields["department_id"] = N_("Choose your department.")
    elif session.get(Department, department_id) is None:
        fields["department_id"] = "That department does not exist."
    return fields


def _email_taken() -> Conflict:
    return Conflict("That email address is already registered.", code="email_taken")


def _insert_user(session: Session, user: User) -> User:
    """Add and commit; a concurrent registration of the same email is a 409, not a 500.
    A handle taken meanwhile by someone else is chosen again."""
    for _attempt in range(5):
        try:
            add_newcomer(session, user)
            session.commit()
            return user
        except IntegrityError:
            session.rollback()
            if session.scalar(select(User.id).where(User.email == user.email)) is not None:
                session.rollback()
                raise _email_taken() from None
            session.rollback()
            session.expunge(user) if user in session else None
            user.handle = None  # chosen again at the next flush
    raise _email_taken()


def add_newcomer(session: Session, user: User) -> None:
    """A new account, however it came (registration, the CLI, the company login's first
    sign-in): its department may leave the pool of small ones (calendar_copies.regrouping),
    and `person.joined` puts it on open people pages. The caller commits."""
    with calendar_copies.regrouping(session):
        session.add(user)
    record_person(session, "person.joined", user)


def record_person(session: Session, kind: str, user: User) -> None:
    """`person.joined` or `person.left`: the person as the people page names them, no actor
    (nobody's action to show; an erased person's name must not come back with it)."""
    data = {"person": person_dict(user, "person")}
    events.record(session, kind, None, data, department_id=user.department_id)


def register(
    session: Session,
    email: str,
    password: str,
    display_name: str,
    department_id: int,
    *,
    invite: str | None = None,
    allowed_domains: tuple[str, ...] = (),
) -> User:
    """Create a member. Registration never gives another role. With allowed domains, an
    address elsewhere needs a usable invite (spent in the same transaction)."""
    email = normalize_email(email)
    fields = _validate_new_user(session, email, password, display_name, department_id)
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    invite_id = None
    if not invites.domain_allowed(email, allowed_domains):
        if not invite:
            raise invites.domain_refusal(allowed_domains)
        invite_id = invites.find_usable(session, invite).id
    elif invite:
        # Inside the domains a stale link does no harm: it is spent if still good, else ignored.
        try:
            invite_id = invites.find_usable(session, invite).id
        except Denied:
            invite_id = None
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _email_taken()
    # Hash outside the transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE).
    session.commit()
    password_hash = hash_password(password)
    if invite_id is not None:
        try:
            invites.spend(session, invite_id)
        except Denied:
            session.rollback()
            raise
    return _insert_user(
        session,
        User(
            email=email,
            password_hash=password_hash,
            display_name=display_name.strip(),
            role="member",
            department_id=department_id,
        ),
    )


def password_matches(password_hash: str, password: str) -> bool:
    if password_hash == NO_PASSWORD:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User:
    """The user whose credentials these are; one answer for unknown email and wrong password."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    # End the transaction before the deliberately slow hash check: on SQLite it holds the
    # write lock, and logins must not queue every other writer behind Argon2.
    session.commit()
    usable = user is not None and user.password_hash != NO_PASSWORD
    try:
        # The dummy hash for an unknown email or an account without a password: the same
        # slow answer, so the timing tells nobody which accounts exist.
        _hasher.verify(user.password_hash if usable else _DUMMY_HASH, password)
        if not usable:
            user = None
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthenticated("Wrong email or password.", code="invalid_credentials")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def create_user(
    session: Session, email: str, password: str, display_name: str, department_name: str, role: str
) -> User:
    """The CLI's way in: any role, the department created when missing."""
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}.", code="invalid_role")
    if not department_name.strip() or len(department_name.strip()) > 80:
        raise Invalid(
            "department: Enter a department name of 1 to 80 characters.",
            code="invalid_fields",
            fields={"department": "Enter a department name of 1 to 80 characters."},
        )
    password_hash = hash_password(password)
    department = get_or_create_department(session, department_name)
    email = normalize_email(email)
    fields = _validate_new_user(session, email, password, display_name, department.id)
    if fields:
        session.rollback()
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())  # the CLI's one line
        raise Invalid(summary, code="invalid_fields", fields=fields)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        session.rollback()
        raise _email_taken()
    return _insert_user(
        session,
        User(
            email=email,
            password_hash=password_hash,
            display_name=display_name.strip(),
            role=role,
            department_id=department.id,
            created_at=clock.now(),
        ),
    )


def set_language(session: Session, actor: User, language: str | None) -> User:
    """A person's own language for pages and messages; None follows the browser."""
    policy.require(actor, "profile.settings", actor)
    if language not in (None, *LANGUAGES):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"language": N_("One of: en, de, or null.")},
        )
    actor.language = language
    session.commit()
    return actor


def _bad_setting(field: str, sentence: str) -> Invalid:
    return Invalid(
        "Some fields are missing or invalid.", code="invalid_fields", fields={field: sentence}
    )


def adopt_browser_settings(session: Session, person: User, zone: str, language: str) -> None:
    """Keep what the browser of a login or registration page (a company login's too) told of
    its person: the time zone it reported, for someone who has none stored yet, so their
    first page already shows their times; and the language its pages speak, for their mail,
    which has no browser to ask (`page_language`; their own choice of language still wins,
    and without one their pages go on following the browser). A zone this server does not
    know is passed over: it is the browser's hint, not something the person typed."""
    language_changed = language in LANGUAGES and person.page_language != language
    if language_changed:
        person.page_language = language
    if person.timezone is None and zone and is_time_zone(zone):
        update_settings(session, person, {"timezone": zone})  # commits the language too
    elif language_changed:
        session.commit()


def update_settings(session: Session, actor: User, changes: dict) -> User:
    """A person's own settings: language, handle, e-mail notifications, time zone. All are checked
    before any changes; everyone, observers included, may change their own."""
    policy.require(actor, "profile.settings", actor)
    if "language" in changes and changes["language"] not in (None, *LANGUAGES):
        raise _bad_setting("language", N_("One of: en, de, or null."))
    handle = changes.get("handle")
    if "handle" in changes:
        handle = (handle or "").strip().lstrip("@").lower()
        if not handles.is_valid(handle):
            raise _bad_setting(
                "handle",
                N_(
                    "2 to 30 lowercase letters, digits, dots, dashes or underscores, "
                    "starting and ending with a letter or digit."
                ),
            )
    choice = changes.get("email_notifications")
    if "email_notifications" in changes and choice not in EMAIL_CHOICES:
        raise _bad_setting("email_notifications", N_("One of: off, instant, daily, weekly."))
    zone = changes.get("timezone")
    if "timezone" in changes and zone is not None and not is_time_zone(zone):
        raise _bad_setting(
            "timezone", N_("An IANA time zone such as Europe/Berlin or America/New_York.")
        )
    if "handle" in changes and handle != actor.handle:
        if session.scalar(select(User.id).where(User.handle == handle)) is not None:
            raise _handle_taken_error()
        actor.handle = handle
    if "language" in changes:
        actor.language = changes["language"]
    if "email_notifications" in changes:
        if choice == "instant" and actor.email_notifications != "instant":
            # Instant mail tells of what comes from now on: what waits unread in the inbox
            # already was not mailed as it came, and arriving all at once, weeks old, under
            # "22 new notifications", it would not be news.
            session.execute(
                update(Notification)
                .where(Notification.user_id == actor.id, Notification.mailed_at.is_(None))
                .values(mailed_at=clock.now())
                .execution_options(synchronize_session=False)
            )
        actor.email_notifications = choice
    if "timezone" in changes:
        actor.timezone = zone  # None: the board's own zone again
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _handle_taken_error() from None
    return actor


def _handle_taken_error() -> Conflict:
    # Named for its field too: the settings page says it beside the handle box.
    taken = N_("That handle is already taken.")
    return Conflict(taken, code="handle_taken", fields={"handle": taken})


def find_by_handle(session: Session, viewer: User, handle: str) -> User:
    """The person an @mention links to (former members are not found)."""
    policy.require(viewer, "board.read")
    person = session.scalar(select(User).where(User.handle == handle.lower()[:64]))
    # Works-council mode: an observer looks nobody up (a person page names its person).
    if person is not None and person.id != viewer.id and not privacy.sees_names(viewer):
        person = None
    if person is None or not person.active:
        raise NotFound("No such person.", code="person_not_found")
    return person


def search_people(session: Session, viewer: User, query: str, limit: int = 8) -> list[dict]:
    """People who can be mentioned (not observers, not former members) whose handle or
    name starts with `query`: for the @-autocomplete."""
    policy.require(viewer, "board.read")
    if not privacy.sees_names(viewer):
        return []  # works-council mode: observers see departments, never a list of people
    q = query.strip().lstrip("@")
    handle = like_escaped(q.lower()) + "%"
    name = like_escaped(display_name_key(q)) + "%"  # folded as stored: "özlem" finds "Özlem"
    rows = session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            User.role != "observer",
            User.handle.is_not(None),
            (User.handle.like(handle, escape="\\"))
            | User.display_name_key.like(name, escape="\\")
            | User.display_name_key.like("% " + name, escape="\\"),
        )
        .order_by(User.handle)
        .limit(limit)
    )
    return [person_dict(u, "person") for u in rows]


def find_user(session: Session, email: str) -> User:
    """The CLI's lookup: the address as stored, else its one spelling. An account that
    migration 0032 could not give its one spelling (its mailbox had an account in that
    spelling already) keeps the spelling it was made with, and is found by it."""
    user = session.scalar(select(User).where(User.email == email.strip()))
    if user is None:
        user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"No user with email {email}.", code="not_found")
    return user


def set_role(session: Session, email: str, role: str) -> User:
    """Change a role; the person's existing sessions lose the old powers at once."""
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}.", code="invalid_role")
    user = find_user(session, email)
    change_role(session, user, role)
    session.commit()
    return user


def change_role(session: Session, user: User, role: str) -> None:
    """The one way a role changes (CLI or company groups): every session the person has
    open ends with the old role, cookies and sockets alike. Observers are not counted in
    their department, so the pool of small ones may change (calendar_copies.regrouping).
    The caller commits."""
    with calendar_copies.regrouping(session):
        user.role = role
    user.session_version += 1
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    events.end_sockets_after_commit(session, events.user_room(user.id))


# A number the database raises whenever a person's open sessions may have ended: a
# session_version or `active` changed, or a person was deleted. Triggers keep it, whoever
# writes (the board, the CLI in another process, plain SQL), so that the one-process
# board's check before each fan-out pass (board/realtime.py) reads one row instead of
# every person (2.3 ms a pass at 30,000 people, docs/performance.md). It lives outside the
# models, as the search index does: one row, never truncated with the tables.
REVISION_TABLE = "people_revision"
_REVISION_BUMP = f"UPDATE {REVISION_TABLE} SET revision = revision + 1 WHERE id = 1"
_REVISION_CHANGED = (
    "old.session_version IS DISTINCT FROM new.session_version"
    " OR old.active IS DISTINCT FROM new.active"
)
_REVISION_TABLE_CREATE = [
    f"CREATE TABLE {REVISION_TABLE} (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL)",
    f"INSERT INTO {REVISION_TABLE} (id, revision) VALUES (1, 0)",
]
REVISION_SQLITE_CREATE = _REVISION_TABLE_CREATE + [
    "CREATE TRIGGER users_revision_update AFTER UPDATE OF session_version, active ON users "
    f"WHEN {_REVISION_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
    f"BEGIN {_REVISION_BUMP}; END",
    f"CREATE TRIGGER users_revision_delete AFTER DELETE ON users BEGIN {_REVISION_BUMP}; END",
]
REVISION_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS users_revision_delete",
    "DROP TRIGGER IF EXISTS users_revision_update",
    f"DROP TABLE IF EXISTS {REVISION_TABLE}",
]
REVISION_POSTGRES_CREATE = _REVISION_TABLE_CREATE + [
    "CREATE FUNCTION people_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_REVISION_BUMP}; RETURN NULL; END $$",
    "CREATE TRIGGER users_revision_update AFTER UPDATE OF session_version, active ON users "
    f"FOR EACH ROW WHEN ({_REVISION_CHANGED}) EXECUTE FUNCTION people_revision_bump()",
    "CREATE TRIGGER users_revision_delete AFTER DELETE ON users "
    "FOR EACH ROW EXECUTE FUNCTION people_revision_bump()",
]
REVISION_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS users_revision_delete ON users",
    "DROP TRIGGER IF EXISTS users_revision_update ON users",
    "DROP FUNCTION IF EXISTS people_revision_bump()",
    f"DROP TABLE IF EXISTS {REVISION_TABLE}",
]
REVISION_READ = f"SELECT revision FROM {REVISION_TABLE} WHERE id = 1"


def require_password_login(enabled: bool) -> None:
    """BOARD_PASSWORD_LOGIN=0: the board takes people only through the company login."""
    if not enabled:
        raise Denied(
            "Password login is switched off here; sign in with your company account.",
            code="password_login_disabled",
        )


def remove_user(session: Session, email: str) -> User:
    """Deactivate a person: their sessions end, their contributions stay on the board."""
    user = find_user(session, email)
    if user.active:
        with calendar_copies.regrouping(session):
            user.active = False
        record_person(session, "person.left", user)  # open people pages let them go
    user.session_version += 1
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.feed_token = None
    events.end_sockets_after_commit(session, events.user_room(user.id))
    session.commit()
    return user


class Reader:
    """The person of a request whose view is marked `security.person_as_reader` (one that
    only reads, or the vote), from a plain row of the columns such a request asks of its
    person: an ORM User with its department cost about 0.09 ms more to load (0.23 against
    0.14 ms, docs/performance.md).

    Anything else asked of it is asked of the ORM person, loaded then from the request's
    session (one statement): what a view reads of `current_user` works as before, only
    later. It cannot be changed, and the only service that writes with it is the vote,
    which asks of its voter no more than their id and role (a vote row holds the id)."""

    COLUMNS = (
        User.id,
        User.role,
        User.active,
        User.session_version,
        User.language,
        User.timezone,
        User.department_id,
        User.display_name,  # the board page's account menu (web/frames.py reader_facts)
    )
    NAMES = tuple(column.key for column in COLUMNS)
    is_authenticated = True
    is_anonymous = False

    def __init__(self, session: Session, values) -> None:
        fields = self.__dict__
        fields.update(zip(self.NAMES, values, strict=True))
        fields["_session"] = session

    @property
    def is_active(self) -> bool:
        return self.active

    get_id = User.get_id  # Flask-Login's "id:version", as the ORM person gives it

    def person(self) -> User:
        """The ORM person (loaded at the first question the row cannot answer)."""
        user = self._session.get(User, self.id)
        if user is None:
            raise LookupError(f"person {self.id} is gone")
        return user

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_session":
            raise AttributeError(name)
        return getattr(self.person(), name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: change the ORM person")


def load_session_user(
    session: Session, session_id: str, known: Reader | User | None = None
) -> Reader | User | None:
    """Flask-Login's user loader: `id:version`, refused once the version moved on.
    `known`: the person the login check read with this request (a Reader, or the ORM
    person), checked as one loaded here would be."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = known if known is not None and known.id == user_id else session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
