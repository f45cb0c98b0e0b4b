"""Every BOARD_* environment variable, parsed and defaulted in one place."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A BOARD_* variable holds a value the board cannot run with."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
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
    days = _int(env, "BOARD_CLAIM_LEASE_DAYS", 0)
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
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance_path = Path(env.get("BOARD_INSTANCE_PATH") or PROJECT_ROOT / "instance")
        database_url = env.get("BOARD_DATABASE_URL") or default_database_url(instance_path)
        message_queue = _message_queue(env.get("BOARD_MESSAGE_QUEUE"))
        storage = env.get("BOARD_RATELIMIT_STORAGE") or message_queue or "memory://"
        return cls(
            instance_path=instance_path,
            database_url=database_url,
            host=env.get("BOARD_HOST") or "127.0.0.1",
            port=_int(env, "BOARD_PORT", 5000, minimum=1),
            secret_key=_secret_key(instance_path, env),
            message_queue=message_queue,
            claim_limit=_int(env, "BOARD_CLAIM_LIMIT", 5, minimum=1),
            cors_origins=_origins(env.get("BOARD_CORS_ORIGINS")),
            socketio_channel=env.get("BOARD_SOCKETIO_CHANNEL") or "taskforce-board",
            secure_cookies=_bool(env, "BOARD_SECURE_COOKIES", False),
            ratelimit_storage=storage,
            trusted_proxies=_int(env, "BOARD_TRUSTED_PROXIES", 0),
            help_days=_int(env, "BOARD_HELP_DAYS", 7, minimum=1),
            phase_check_seconds=_int(env, "BOARD_PHASE_CHECK_SECONDS", 15, minimum=1),
            timezone=_timezone(env.get("BOARD_TIMEZONE")),
            channels=_channels(env.get("BOARD_CHANNELS")),
            claim_lease_days=_lease_days(env),
        )


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'board.sqlite3'}"


def database_url_from_env() -> str:
    """The URL Alembic migrates: the same one the app reads, without building the app."""
    instance_path = Path(os.environ.get("BOARD_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    url = os.environ.get("BOARD_DATABASE_URL") or default_database_url(instance_path)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url
