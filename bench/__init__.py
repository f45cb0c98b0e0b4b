"""Benchmarks. `make bench` runs the Socket.IO fan-out benchmark (bench/fanout.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def migrate(url: str, revision: str = "head", root: Path = ROOT) -> None:
    """Bring the database at `url` to `revision` with the migrations of the tree at `root`
    (another checkout's, for a before/after), without Alembic's line per migration."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["url"] = url
    config.config_file_name = None  # read already; without it env.py leaves logging as is
    command.upgrade(config, revision)
