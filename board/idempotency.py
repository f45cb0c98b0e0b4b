"""`Idempotency-Key`: a write retried with the same key gets the first answer, and the
change is made once (a phone that timed out and sends again must not post twice).

- The key is scoped to the person, the method and the path: the same key on another route,
  or from another person, is a different request.
- The first request inserts its key row **in its own write transaction**, before the
  service runs; the service's COMMIT then stores the change and the key together. A
  duplicate that arrives meanwhile hits the unique constraint (PostgreSQL makes it wait
  for the first transaction; SQLite's write lock queues it behind it), then finds the
  row: it gets the stored answer, or, while the first has committed its change but not
  yet its answer, waits up to IN_PROGRESS_WAIT_SECONDS and then gets `409
  idempotency_in_progress` (retry later). Never a second change.
- The answer (status and body) is stored after the view has run. A view that committed
  nothing (a refusal, a no-op) has its answer stored afresh, except a `5xx`: then nothing
  happened and a retry may run again. A `5xx` after a commit is stored like any answer.
- The same key with a different body is a client bug: `422 idempotency_key_reused`.
- Keys expire after a day: a lookup ignores older rows and the server's schedule deletes
  them (`expire_keys`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from flask import Response, current_app, g, request
from flask_login import current_user
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from board import clock
from board.db import db_for_request
from board.errors import BoardError, Conflict, Invalid
from board.i18n import N_
from models import IdempotencyKey

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(days=1)
MAX_KEY_LENGTH = 255
IN_PROGRESS_WAIT_SECONDS = 5.0
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class KeyReused(BoardError):
    status = 422
    code = "idempotency_key_reused"


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def _where(user_id: int, key: str):
    return (
        IdempotencyKey.user_id == user_id,
        IdempotencyKey.method == request.method,
        IdempotencyKey.path == request.path,
        IdempotencyKey.key == key,
    )


def _database():
    return current_app.extensions["board_db"]


def before_write():
    """Blueprint hook: claim the key in the request's transaction, or answer from it."""
    key = request._get_current_object().headers.get(HEADER)  # see db.db_for_request
    if key is None or request.method not in WRITE_METHODS or not current_user.is_authenticated:
        return None
    if not _valid_key(key):
        raise Invalid(
            "An Idempotency-Key is 1 to 255 visible ASCII characters.",
            fields={HEADER: "An Idempotency-Key is 1 to 255 visible ASCII characters."},
        )
    user_id = current_user.id
    fingerprint = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    session = db_for_request()
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            session.execute(
                insert(IdempotencyKey).values(
                    user_id=user_id,
                    key=key,
                    method=request.method,
                    path=request.path,
                    fingerprint=fingerprint,
                    created_at=clock.now(),
                )
            )
        except IntegrityError:
            session.rollback()
        else:
            g.idempotency = (user_id, key)
            return None
        with _database().ReadSession() as reader:
            row = reader.scalar(select(IdempotencyKey).where(*_where(user_id, key)))
        if row is None and time.monotonic() < deadline:
            continue  # it expired or its request failed a moment ago: claim it now
        if row is None:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; try again shortly.",
                code="idempotency_in_progress",
            )
        if row.created_at <= clock.now() - KEY_LIFETIME:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
            session.commit()
            continue
        if row.fingerprint != fingerprint:
            raise KeyReused(N_("This Idempotency-Key was already used for a different request."))
        if row.status is not None:
            response = Response(row.body or "", status=row.status, content_type=row.content_type)
            response.headers[REPLAYED_HEADER] = "true"
            return response
        if time.monotonic() >= deadline:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; try again shortly.",
                code="idempotency_in_progress",
            )
        time.sleep(0.1)  # polling the first request's answer, bounded by the deadline


def after_write(response: Response) -> Response:
    """Blueprint hook: store the answer under the claimed key."""
    claimed = g._get_current_object().pop("idempotency", None)  # see db.db_for_request
    if claimed is None:
        return response
    user_id, key = claimed
    session = db_for_request()
    try:
        session.rollback()  # a view that failed leaves its claim uncommitted: it goes too
        values = {
            "status": response.status_code,
            "body": response.get_data(as_text=True),
            "content_type": response.content_type,
        }
        stored = session.execute(
            update(IdempotencyKey)
            .where(*_where(user_id, key), IdempotencyKey.status.is_(None))
            .values(**values)
        ).rowcount
        if not stored and response.status_code >= 500:
            return response  # nothing was committed: a retry may run again
        if not stored:  # the view rolled back its claim (a refusal, or a no-op)
            try:
                session.execute(
                    insert(IdempotencyKey).values(
                        user_id=user_id,
                        key=key,
                        method=request.method,
                        path=request.path,
                        fingerprint=hashlib.sha256(request.get_data(cache=True)).hexdigest(),
                        created_at=clock.now(),
                        **values,
                    )
                )
            except IntegrityError:
                session.rollback()  # a duplicate claimed it meanwhile: it runs itself
                return response
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("could not store the answer for an Idempotency-Key", exc_info=True)
    return response


def expire_keys(session: Session, now) -> int:
    """Delete the keys older than a day (the server's schedule calls this)."""
    removed = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_LIFETIME)
    ).rowcount
    session.commit()
    return removed
