"""Phase changes of idea challenges, announced on time and exactly once.

The phase is always computed from the clock (prompts.phase_of), so the API is right even
before an announcement. What this module adds is the announcement: `prompt.phase_changed`
when a challenge stops collecting or closes. Several server processes may run the loop;
a conditional UPDATE of `prompts.phase` (from the phase last announced to the new one)
lets exactly one of them win and announce.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from board import clock, events, search
from board.background import start_once
from board.idempotency import expire_keys
from board.leases import check_leases
from board.personal_data import run_retention
from board.prompts import closed_standings, phase_of, prompt_dict
from board.realtime import socketio
from board.security import forget_ended_sessions
from models import PHASES, Prompt

log = logging.getLogger(__name__)


def advance_phases(session: Session, now: datetime) -> list[dict]:
    """Announce every challenge whose phase moved on by `now`; the envelopes this call wrote."""
    candidates = session.execute(
        select(Prompt.id, Prompt.phase).where(Prompt.phase != "closed")
    ).all()
    session.rollback()  # end the read: each announcement is its own short transaction
    announced: list[dict] = []
    for prompt_id, stored in candidates:
        announced.extend(announce_phase(session, prompt_id, stored, now))
    return announced


def announce_phase(session: Session, prompt_id: int, stored: str, now: datetime) -> list[dict]:
    """Move one prompt on from `stored` (the phase this process last read) and announce it.

    The UPDATE only matches while the row still holds `stored`, so when several processes
    read the same phase, one wins and the others find nothing to do. When a challenge with
    hidden tallies closes, its ideas' tallies follow as `idea.votes_changed`, so that open
    boards show the results without reloading.
    """
    prompt = session.get(Prompt, prompt_id)
    new = phase_of(prompt, now) if prompt is not None else stored
    if PHASES.index(new) <= PHASES.index(stored):
        session.rollback()
        return []
    won = (
        session.execute(
            update(Prompt)
            .where(Prompt.id == prompt_id, Prompt.phase == stored)
            .values(phase=new)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not won:  # another process announced it first
        session.rollback()
        return []
    set_committed_value(prompt, "phase", new)  # the UPDATE above already wrote it
    data = {"prompt": prompt_dict(prompt, now), "previous_phase": stored}
    envelopes = [events.record(session, "prompt.phase_changed", None, data)]
    if new == "closed" and prompt.hide_tallies:
        envelopes += [
            events.record(session, "idea.votes_changed", None, tally, anonymous=True)
            for tally in closed_standings(session, prompt)
        ]
    session.commit()
    return envelopes


def run_once(app: Flask) -> list[dict]:
    """One round of the schedule: challenge phases, then claim leases."""
    lease_days = app.extensions["board_settings"].claim_lease_days
    with app.app_context(), app.extensions["board_db"].Session() as session:
        envelopes = advance_phases(session, clock.now())
        envelopes += check_leases(session, clock.now(), lease_days)
        return envelopes


HOUSEKEEPING_SECONDS = 3600  # expired Idempotency-Keys go once an hour


def housekeeping(app: Flask) -> int:
    """Delete what has expired: Idempotency-Keys older than a day, ended sessions whose
    cookies have expired anyway, and private nudges, notifications and private events
    older than BOARD_RETENTION_DAYS. Returns how many rows went. Then merge the search
    index's segments (SQLite), which its writes leave behind."""
    days = app.extensions["board_settings"].retention_days
    with app.app_context(), app.extensions["board_db"].Session() as session:
        removed = expire_keys(session, clock.now()) + forget_ended_sessions(session, clock.now())
        removed += sum(run_retention(session, clock.now(), days).values())
        search.merge_segments(session)
        return removed


def check_once(app: Flask, last_housekeeping: float | None) -> float | None:
    """One round of the background loop: announce phase changes, and clean up once an hour.

    It never raises: whatever goes wrong (a database outage, a bug in one challenge's data)
    is logged, and the next round tries again, so phase changes never silently stop.
    Returns when housekeeping last ran (time.monotonic(); None: never).
    """
    try:
        run_once(app)
    except Exception:  # noqa: BLE001 - the loop must outlive any single failure
        log.exception("phase check failed; trying again in the next round")
    if last_housekeeping is None or time.monotonic() - last_housekeeping >= HOUSEKEEPING_SECONDS:
        last_housekeeping = time.monotonic()
        try:
            housekeeping(app)
        except Exception:  # noqa: BLE001 - as above: keys expire in a later round
            log.exception("housekeeping failed; trying again in an hour")
    return last_housekeeping


def _loop(app: Flask, interval: float, rounds: int | None = None) -> None:
    """Check every `interval` seconds, forever (or `rounds` times, for tests)."""
    last_housekeeping = None
    done = 0
    while rounds is None or done < rounds:
        socketio.sleep(interval)
        last_housekeeping = check_once(app, last_housekeeping)
        done += 1


# How often a serving process on SQLite moves the write-ahead log into the database file
# (Database.checkpoint). A vote adds about 23 pages to the log; SQLite's own checkpoint
# comes at 1,000 pages, inside the commit that reaches them. Four times a second keeps the
# log below that up to about 170 writes a second; an idle round reads the log's header.
CHECKPOINT_SECONDS = 0.25


def _checkpoints(app: Flask, interval: float, rounds: int | None = None) -> None:
    """Checkpoint every `interval` seconds, forever (or `rounds` times, for tests); a
    failure is logged and the next round tries again (SQLite's own checkpoint meanwhile)."""
    database = app.extensions["board_db"]
    done = 0
    while rounds is None or done < rounds:
        socketio.sleep(interval)
        try:
            database.checkpoint()
        except Exception:  # noqa: BLE001 - the loop must outlive any single failure
            log.exception("checkpoint failed; trying again in the next round")
        done += 1


def start_checkpoints(app: Flask) -> bool:
    """Start the background checkpoints once per app: SQLite in a file, not in tests."""
    if not app.extensions["board_db"].keeps_log:
        return False
    return start_once(
        app, "board_checkpoints", "board-checkpoints", _checkpoints, app, CHECKPOINT_SECONDS
    )


def start_phase_scheduler(app: Flask) -> bool:
    """Start the background phase check once per app (not in tests: they call advance_phases)."""
    interval = app.extensions["board_settings"].phase_check_seconds
    return start_once(app, "board_scheduler", "board-phases", _loop, app, interval)
