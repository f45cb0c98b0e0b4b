"""Declarative base, naming convention and the UTC timestamp type shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import processors
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite's stored texts of moments read before, and the UTC datetime each is (immutable,
# so one object serves every reader): a page of 50 ideas reads 100 moments, the same ones
# on every load; one parse costs about 0.2 µs, a look-up 0.03 µs. The same object each
# time also keeps its hash, which clock.iso's texts are looked up by. Bounded by starting
# again when full (about 2 MB), as board.kept.keep bounds the board's stores: the models
# sit below the board and do not import it, so the three lines are written out here.
_READ_KEPT = 16384
_READ_TEXTS: dict[str, datetime] = {}


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always gives them back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """`process_result_value` after the driver's conversion, in one function. On SQLite
        the text SQLAlchemy stored ("2026-12-05 03:04:05.123456", no zone) is read as UTC
        in one step: parsing and then `replace(tzinfo=UTC)` cost about 1.2 µs a value
        (the replace nearly all of it), and a page of 50 ideas reads 100 such values and
        150 nulls. Text with a zone of its own, or anything else, goes the general way."""
        parse = self.impl_instance.result_processor(dialect, coltype)
        as_utc = self.process_result_value

        def process(value):
            if value is None:
                return None
            return as_utc(parse(value) if parse is not None else value, dialect)

        if parse is not processors.str_to_datetime or dialect.name != "sqlite":
            return process

        def from_sqlite_text(value):
            if value is None:
                return None
            if value.__class__ is str:
                read = _READ_TEXTS.get(value)
                if read is not None:
                    return read
                try:
                    read = datetime.fromisoformat(value + "+00:00")
                except ValueError:  # a zone of its own: converted the general way
                    pass
                else:
                    if read.tzinfo is UTC:
                        if len(_READ_TEXTS) >= _READ_KEPT:
                            _READ_TEXTS.clear()
                        _READ_TEXTS[value] = read
                        return read
            return process(value)

        return from_sqlite_text
