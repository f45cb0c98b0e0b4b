"""Benchmarks. `make bench` runs the Socket.IO fan-out benchmark (bench/fanout.py).

The helpers here serve benches that measure the tree they are in. A bench that runs itself
again under another checkout's PYTHONPATH (busyidx, periodhelp, helpscale, prefixidx,
objlog, pages: `--before` / `--old`) imports `bench` from that checkout in its child, so
it keeps to what every checkout it compares with has."""

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
