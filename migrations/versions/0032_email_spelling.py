"""One spelling per mailbox: every stored address gets the spelling the board now reads
every typed address in (board/addresses.py): composed (NFC), lower case, the domain in its
ASCII form. Before, "d@bücher.de" and "d@xn--bcher-kva.de", or a "ü" typed composed and
one pasted decomposed, were two accounts for one mailbox, and an account made with the one
spelling could not log in with the other.

An address is changed only when its one spelling is free (people are taken by id: of two
accounts that need the same spelling, the older gets it). An account whose mailbox already has an account in that spelling
keeps its own and is named in the migration's log: the operator removes or erases one of
the two (`flask users remove <address as stored>`; the CLI finds an account by the
spelling it is stored in first).

Downgrade leaves the addresses as they are: the old code reads them, only typing a
Unicode domain then no longer finds its account.

Revision ID: 0032_email_spelling
Revises: 0031_on_board_by_author
"""

import logging
import unicodedata
from collections.abc import Sequence

import idna
import sqlalchemy as sa
from alembic import op

revision: str = "0032_email_spelling"
down_revision: str | None = "0031_on_board_by_author"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
log = logging.getLogger("alembic.runtime.migration")


def normalize_email(email: str) -> str:
    """A copy of board.addresses.normalize_email as it was when this migration was written."""
    email = unicodedata.normalize("NFC", email.strip()).lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    unseen = any(unicodedata.category(ch) in ("Cc", "Cf") for ch in domain)
    if (not domain.isascii() or "xn--" in domain) and not unseen:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            pass
    return f"{local}@{domain}"


def upgrade() -> None:
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    taken = sa.select(users.c.id).where(users.c.email == sa.bindparam("email"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.email)
            .where(users.c.id > last)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for id_, email in rows:
            spelling = normalize_email(email)
            if spelling == email:
                continue
            holder = connection.scalar(taken, {"email": spelling})
            if holder is not None:
                log.warning(
                    "person %s keeps the address %r: person %s has its mailbox's spelling %r",
                    id_,
                    email,
                    holder,
                    spelling,
                )
                continue
            connection.execute(
                sa.update(users).where(users.c.id == id_).values(email=spelling)
            )
        last = rows[-1].id


def downgrade() -> None:
    pass
