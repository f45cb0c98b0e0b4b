"""Every BOARD_* environment variable, parsed and defaulted in one place."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from board.addresses import normalize_domain
from board.limits import INT_MAX, whole_number

DAYS_MAX = 36_600  # a hundred years: any longer is a typo (and timedelta stops at 999,999,999)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A BOARD_* variable holds a value the board cannot run with."""


def _int(
    env: dict[str, str], name: str, default: int, minimum: int = 0, maximum: int = INT_MAX
) -> int:
    """A whole number by the board's one rule (inputs.whole_number): ASCII digits, so "１"
    is no 1, and no larger than `maximum` (a retention of 10^20 days overflowed timedelta)."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = whole_number(raw.strip(), signed=True)
    if value is None:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}")
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be from {minimum} to {maximum}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, env: dict[str, str]) -> str:
    """Use BOARD_SECRET_KEY, else a key generated once and kept under instance/."""
    if env.get("BOARD_SECRET_KEY"):
        return env["BOARD_SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _timezone(raw: str | None) -> str:
    """An IANA zone name (e.g. Europe/Berlin) for days and times on pages; UTC by default."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (raw or "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"BOARD_TIMEZONE must be an IANA zone like Europe/Berlin, got {raw!r}"
        ) from exc
    return name


def _origins(raw: str | None) -> list[str] | None:
    """None keeps Flask-SocketIO's same-origin check; '*' or an empty list would disable it."""
    if raw is None:
        return None
    return check_origins([o.strip() for o in raw.split(",") if o.strip()])


def check_origins(origins) -> list[str] | None:
    """The Socket.IO origins to allow: None (same origin only) or a list of URLs.

    '*' allows every origin and an empty list switches the check off altogether, so
    both are refused here, whichever way they arrive (environment or code).
    """
    if origins is None:
        return None
    if isinstance(origins, str):
        origins = [origins]
    if not isinstance(origins, list | tuple) or not all(isinstance(o, str) for o in origins):
        raise SettingsError("BOARD_CORS_ORIGINS must be a list of URLs")
    if not origins or any(o.strip() in ("*", "") for o in origins):
        raise SettingsError(
            "BOARD_CORS_ORIGINS must name the board's own URL(s); '*' or an empty "
            "list would switch the Socket.IO origin check off"
        )
    return [o.strip().rstrip("/") for o in origins]


def _list(raw: str | None) -> tuple[str, ...]:
    """A comma-separated setting as a tuple of its non-empty, stripped values."""
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def _oidc(env: dict[str, str]) -> dict:
    """The company login (OpenID Connect): on when issuer, client id and secret are all set."""
    issuer = (env.get("BOARD_OIDC_ISSUER") or "").strip().rstrip("/") or None
    client_id = (env.get("BOARD_OIDC_CLIENT_ID") or "").strip() or None
    client_secret = env.get("BOARD_OIDC_CLIENT_SECRET") or None
    given = [
        name
        for name, value in (
            ("BOARD_OIDC_ISSUER", issuer),
            ("BOARD_OIDC_CLIENT_ID", client_id),
            ("BOARD_OIDC_CLIENT_SECRET", client_secret),
        )
        if value
    ]
    if given and len(given) < 3:
        raise SettingsError(
            "The company login needs BOARD_OIDC_ISSUER, BOARD_OIDC_CLIENT_ID and "
            f"BOARD_OIDC_CLIENT_SECRET together; only {', '.join(given)} is set"
        )
    if issuer and not issuer.startswith(("https://", "http://")):
        raise SettingsError(
            f"BOARD_OIDC_ISSUER must be the provider's https:// URL, got {issuer!r}"
        )
    password_login = _bool(env, "BOARD_PASSWORD_LOGIN", True)
    if not password_login and not issuer:
        raise SettingsError(
            "BOARD_PASSWORD_LOGIN=0 leaves nobody a way in without the company login; "
            "set BOARD_OIDC_ISSUER, BOARD_OIDC_CLIENT_ID and BOARD_OIDC_CLIENT_SECRET"
        )
    return {
        "oidc_issuer": issuer,
        "oidc_client_id": client_id,
        "oidc_client_secret": client_secret,
        "oidc_name": (env.get("BOARD_OIDC_NAME") or "").strip() or "your company account",
        "oidc_scopes": (env.get("BOARD_OIDC_SCOPES") or "").strip() or "openid email profile",
        "oidc_department_claim": (env.get("BOARD_OIDC_DEPARTMENT_CLAIM") or "").strip()
        or "department",
        "oidc_default_department": (env.get("BOARD_OIDC_DEFAULT_DEPARTMENT") or "").strip() or None,
        "oidc_groups_claim": (env.get("BOARD_OIDC_GROUPS_CLAIM") or "").strip() or "groups",
        "oidc_facilitator_groups": _list(env.get("BOARD_OIDC_FACILITATOR_GROUPS")),
        "oidc_observer_groups": _list(env.get("BOARD_OIDC_OBSERVER_GROUPS")),
        "oidc_logout": _bool(env, "BOARD_OIDC_LOGOUT", False),
        "password_login": password_login,
    }


def _smtp_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("smtp://", "smtps://", "smtp+starttls://")):
        raise SettingsError(
            "BOARD_SMTP_URL must look like smtp://host:port or smtp+starttls://user:pass@host:port"
        )
    return raw


def _image_s3(env: dict[str, str]) -> dict:
    """S3-compatible image storage: on when BOARD_IMAGE_S3_BUCKET is set (else images stay
    on disk under the instance folder). Keys may be left out where the machine has its own
    credentials (an instance role); a key without its secret is a mistake."""
    bucket = (env.get("BOARD_IMAGE_S3_BUCKET") or "").strip() or None
    endpoint = (env.get("BOARD_IMAGE_S3_ENDPOINT") or "").strip().rstrip("/") or None
    access_key = (env.get("BOARD_IMAGE_S3_ACCESS_KEY") or "").strip() or None
    secret_key = env.get("BOARD_IMAGE_S3_SECRET_KEY") or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise SettingsError("BOARD_IMAGE_S3_ENDPOINT must start with http:// or https://")
    if bool(access_key) != bool(secret_key):
        raise SettingsError(
            "BOARD_IMAGE_S3_ACCESS_KEY and BOARD_IMAGE_S3_SECRET_KEY go together: set both or neither"
        )
    if (endpoint or access_key) and not bucket:
        raise SettingsError("S3 image storage needs BOARD_IMAGE_S3_BUCKET")
    prefix = (env.get("BOARD_IMAGE_S3_PREFIX") or "images/").lstrip("/")
    return {
        "image_s3_bucket": bucket,
        "image_s3_endpoint": endpoint,
        "image_s3_access_key": access_key,
        "image_s3_secret_key": secret_key,
        "image_s3_region": (env.get("BOARD_IMAGE_S3_REGION") or "").strip() or "us-east-1",
        "image_s3_prefix": prefix,
    }


def _message_queue(raw: str | None) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("BOARD_MESSAGE_QUEUE must be a redis:// or rediss:// URL")
    return raw


DEFAULT_CHANNELS = (
    "instagram",
    "tiktok",
    "linkedin",
    "youtube",
    "facebook",
    "x",
    "blog",
    "newsletter",
    "intranet",
)
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _channels(raw: str | None) -> tuple[str, ...]:
    """The channels tasks may name (BOARD_CHANNELS, comma-separated, lowercase)."""
    if raw is None or not raw.strip():
        return DEFAULT_CHANNELS
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if not _CHANNEL_NAME.match(name):
            raise SettingsError(
                f"BOARD_CHANNELS holds names of letters, digits, '-' or '_' (at most 40), got {part!r}"
            )
        if name not in names:
            names.append(name)
    if not names:
        raise SettingsError("BOARD_CHANNELS must name at least one channel")
    return tuple(names)


def _lease_days(env: dict[str, str]) -> int:
    """Days without a touch after which a claim goes back to open; 0 (the default) is off.
    The warning goes out two days before, so a lease is at least three days long."""
    days = _int(env, "BOARD_CLAIM_LEASE_DAYS", 0, maximum=DAYS_MAX)
    if 0 < days < 3:
        raise SettingsError(f"BOARD_CLAIM_LEASE_DAYS must be 0 (off) or at least 3, got {days}")
    return days


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 5000
    secret_key: str = ""
    message_queue: str | None = None
    claim_limit: int = 5
    cors_origins: list[str] | None = None
    # The Redis pub/sub channel (and key prefix) that server processes of one board share.
    socketio_channel: str = "taskforce-board"
    secure_cookies: bool = False
    ratelimit_storage: str = "memory://"
    trusted_proxies: int = 0
    help_days: int = 7
    phase_check_seconds: int = 15
    timezone: str = "UTC"
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    claim_lease_days: int = 0
    # Mail: none is sent (and nothing fails) unless both are set.
    smtp_url: str | None = None
    mail_from: str | None = None
    # The board's address as people reach it, for the links in mails.
    base_url: str = "http://127.0.0.1:5000"
    # The local hour (BOARD_TIMEZONE) daily and weekly (Mondays) digests go out.
    digest_hour: int = 7
    testing: bool = False
    # The company login (OpenID Connect); see docs/deploy.md.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str = "your company account"
    oidc_scopes: str = "openid email profile"
    oidc_department_claim: str = "department"
    oidc_default_department: str | None = None
    oidc_groups_claim: str = "groups"
    oidc_facilitator_groups: tuple[str, ...] = ()
    oidc_observer_groups: tuple[str, ...] = ()
    oidc_logout: bool = False
    # BOARD_PASSWORD_LOGIN=0: only the company login (the CLI still creates people).
    password_login: bool = True
    # Registration only for addresses at these domains (invite links let others in).
    allowed_email_domains: tuple[str, ...] = ()
    # Works-council mode (BOARD_OBSERVERS_SEE_NAMES=0): observers see departments, not names.
    observers_see_names: bool = True
    # Webhooks may post to this machine and its network (a self-hosted chat server).
    webhook_local_network: bool = False
    # The fewest people a per-department figure shown to observers may describe.
    min_group_size: int = 3
    # Days private nudges, notifications and private events are kept.
    retention_days: int = 365
    # Images in an S3-compatible bucket (BOARD_IMAGE_S3_*) instead of instance/images/.
    image_s3_bucket: str | None = None
    image_s3_endpoint: str | None = None
    image_s3_access_key: str | None = None
    image_s3_secret_key: str | None = field(default=None, repr=False)
    image_s3_region: str = "us-east-1"
    image_s3_prefix: str = "images/"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance_path = instance_path_from(env)
        database_url = env.get("BOARD_DATABASE_URL") or default_database_url(instance_path)
        message_queue = _message_queue(env.get("BOARD_MESSAGE_QUEUE"))
        storage = env.get("BOARD_RATELIMIT_STORAGE") or message_queue or "memory://"
        return cls(
            instance_path=instance_path,
            database_url=database_url,
            host=env.get("BOARD_HOST") or "127.0.0.1",
            port=_int(env, "BOARD_PORT", 5000, minimum=1, maximum=65535),
            secret_key=_secret_key(instance_path, env),
            message_queue=message_queue,
            claim_limit=_int(env, "BOARD_CLAIM_LIMIT", 5, minimum=1),
            cors_origins=_origins(env.get("BOARD_CORS_ORIGINS")),
            socketio_channel=env.get("BOARD_SOCKETIO_CHANNEL") or "taskforce-board",
            secure_cookies=_bool(env, "BOARD_SECURE_COOKIES", False),
            ratelimit_storage=storage,
            trusted_proxies=_int(env, "BOARD_TRUSTED_PROXIES", 0),
            help_days=_int(env, "BOARD_HELP_DAYS", 7, minimum=1, maximum=DAYS_MAX),
            phase_check_seconds=_int(env, "BOARD_PHASE_CHECK_SECONDS", 15, minimum=1),
            timezone=_timezone(env.get("BOARD_TIMEZONE")),
            channels=_channels(env.get("BOARD_CHANNELS")),
            claim_lease_days=_lease_days(env),
            smtp_url=_smtp_url(env.get("BOARD_SMTP_URL")),
            mail_from=(env.get("BOARD_MAIL_FROM") or "").strip() or None,
            base_url=(env.get("BOARD_BASE_URL") or "").strip().rstrip("/")
            or f"http://{env.get('BOARD_HOST') or '127.0.0.1'}:{env.get('BOARD_PORT') or 5000}",
            digest_hour=_int(env, "BOARD_DIGEST_HOUR", 7, maximum=23),
            **_oidc(env),
            allowed_email_domains=tuple(
                normalize_domain(d.strip().lstrip("@"))
                for d in _list(env.get("BOARD_ALLOWED_EMAIL_DOMAINS"))
            ),
            observers_see_names=_bool(env, "BOARD_OBSERVERS_SEE_NAMES", True),
            webhook_local_network=_bool(env, "BOARD_WEBHOOK_LOCAL_NETWORK", False),
            min_group_size=_int(env, "BOARD_MIN_GROUP_SIZE", 3, minimum=1),
            retention_days=_int(env, "BOARD_RETENTION_DAYS", 365, minimum=1, maximum=DAYS_MAX),
            **_image_s3(env),
        )

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def oidc_roles_from_groups(self) -> bool:
        """With group settings the provider decides roles at every login; else the CLI does."""
        return bool(self.oidc_facilitator_groups or self.oidc_observer_groups)


def instance_path_from(env: Mapping[str, str]) -> Path:
    """BOARD_INSTANCE_PATH as an absolute path: a relative one (instance/de) is taken from the
    current folder, as Alembic takes it; Flask refuses a relative instance path."""
    return Path(env.get("BOARD_INSTANCE_PATH") or PROJECT_ROOT / "instance").absolute()


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'board.sqlite3'}"


def database_url_from_env() -> str:
    """The URL Alembic migrates: the same one the app reads, without building the app."""
    url = os.environ.get("BOARD_DATABASE_URL") or default_database_url(
        instance_path_from(os.environ)
    )
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url
