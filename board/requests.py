"""Input shape checks for the JSON API: known fields only, right types, bounded text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from werkzeug.routing import IntegerConverter

from board import paging
from board.errors import FieldMessage, Invalid
from board.i18n import N_, current_language, select_timezone
from board.inputs import iso_time, text_problem, whole_number
from board.limits import INT_MAX, INT_MIN, MAX_ID, SEARCH_MAX, TEXT_MAX, TITLE_MAX
from board.settings import Settings


def _clean_text_problem(value: str) -> str | None:
    """Databases refuse NUL characters and lone surrogates: refuse them here, as bad input
    (the same rule board/inputs.py applies to forms, query strings and URL parts)."""
    return text_problem(value)


def _query():
    """The request's query parameters, read from the request itself rather than through
    Flask's proxy of it (see db.db_for_request): a list reads six or seven of them."""
    return request._get_current_object().args


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "int", "bool", "tags", "datetime", "date"
    required: bool = False
    max_length: int | None = None
    nullable: bool = False


def title(required: bool = True) -> Field:
    return Field("str", required=required, max_length=TITLE_MAX)


def text(required: bool = False) -> Field:
    return Field("str", required=required, max_length=TEXT_MAX)


def _check(name: str, spec: Field, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return (None, None) if spec.nullable else (None, N_("This field must not be null."))
    if spec.kind == "str":
        if not isinstance(value, str):
            return None, N_("Expected a string.")
        if spec.max_length is not None and len(value) > spec.max_length:
            return None, FieldMessage("At most %(limit)s characters.", limit=spec.max_length)
        return value, _clean_text_problem(value)
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, N_("Expected a whole number.")
        if not INT_MIN <= value <= INT_MAX:
            return None, N_("This number is out of range.")
        return value, None
    if spec.kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, N_("Expected true or false."))
    if spec.kind == "tags":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, N_("Expected a list of strings.")
        problems = [p for p in map(_clean_text_problem, value) if p]
        return value, problems[0] if problems else None
    if spec.kind == "datetime":
        parsed = iso_time(value) if isinstance(value, str) else None
        if parsed is None:
            return None, N_("Expected an ISO 8601 time with a UTC offset.")
        if parsed.tzinfo is None:
            return None, N_("Give the time with a UTC offset, e.g. 2026-05-01T12:00:00+02:00.")
        return parsed, None
    if spec.kind == "date":
        parsed = parse_date(value)
        return (parsed, None) if parsed else (None, N_("Expected a date like 2026-05-01."))
    raise ValueError(spec.kind)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: Any) -> date | None:
    """A calendar day written YYYY-MM-DD (no time, no zone), else None."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def query_date(name: str, required: bool = False) -> date | None:
    raw = _query().get(name)
    if raw is None or raw.strip() == "":
        if required:
            raise bad_parameter(name, "This field is required.")
        return None
    parsed = parse_date(raw.strip())
    if parsed is None:
        raise bad_parameter(name, N_("Expected a date like 2026-05-01."))
    return parsed


def json_object(*, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; raises Invalid otherwise. (A body that is not
    declared as JSON never gets here: board/inputs.py answers it with a 415.)"""
    raw = request._get_current_object().get_data(cache=True)
    if not raw.strip():
        if allow_empty:
            return {}
        raise Invalid("The request body must be a JSON object.", code="invalid_body")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid("The request body is not valid JSON.", code="malformed_json") from exc
    if not isinstance(payload, dict):
        raise Invalid("The request body must be a JSON object.", code="invalid_body")
    return payload


def check_fields(payload: dict[str, Any], schema: dict[str, Field]) -> dict[str, Any]:
    """The payload's fields checked against `schema`: unknown ones refused, types and lengths
    checked, every problem named at once."""
    unknown = sorted(set(payload) - set(schema))
    if unknown:
        raise Invalid(
            "Some fields are not accepted here.",
            code="unknown_field",
            fields={name: N_("Unknown field.") for name in unknown},
        )
    result: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, spec in schema.items():
        if name not in payload:
            if spec.required:
                problems[name] = N_("This field is required.")
            continue
        value, problem = _check(name, spec, payload[name])
        if problem:
            problems[name] = problem
        else:
            result[name] = value
    if problems:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=problems)
    return result


def json_body(schema: dict[str, Field], *, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked against `schema`; raises Invalid otherwise."""
    return check_fields(json_object(allow_empty=allow_empty), schema)


def no_body() -> None:
    """For actions that take no input: an empty body, or an empty JSON object."""
    json_body({}, allow_empty=True)


def bad_parameter(name: str, problem: str) -> Invalid:
    return Invalid(
        "A query parameter is invalid.", code="invalid_parameter", fields={name: problem}
    )


def query_int(
    name: str,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    clamp: bool = False,
) -> int | None:
    """An integer query parameter; `clamp` brings a value above `maximum` down to it."""
    raw = _query().get(name)
    if raw is None or raw == "":
        return default
    try:
        if not (raw.isascii() and raw.strip().lstrip("+-").isdigit()):
            raise ValueError(raw)  # int() would also take "1_000" and non-ASCII digits
        value = int(raw)
    except ValueError:
        raise bad_parameter(name, N_("Expected a whole number.")) from None
    if minimum is not None and value < minimum:
        raise bad_parameter(name, FieldMessage("At least %(limit)s.", limit=minimum))
    if maximum is not None and value > maximum:
        if clamp:
            return maximum
        raise bad_parameter(name, FieldMessage("At most %(limit)s.", limit=maximum))
    if not INT_MIN <= value <= INT_MAX:
        raise bad_parameter(name, N_("This number is out of range."))
    return value


def query_choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    raw = _query().get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise bad_parameter(name, FieldMessage("One of: %(choices)s.", choices=", ".join(choices)))
    return raw


def query_text(name: str, max_length: int = SEARCH_MAX) -> str | None:
    raw = _query().get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length:
        raise bad_parameter(name, FieldMessage("At most %(limit)s characters.", limit=max_length))
    problem = _clean_text_problem(raw)
    if problem:
        raise bad_parameter(name, problem)
    return raw


def query_limit() -> int:
    """A page size: 1 to 200, 50 when not given; a larger one is brought down to 200."""
    return query_int("limit", paging.DEFAULT_LIMIT, minimum=1, maximum=paging.MAX_LIMIT, clamp=True)


def query_cursor() -> str | None:
    """The opaque cursor of the next page; the service checks it (`bad_cursor`)."""
    raw = _query().get("cursor")
    return raw or None


def query_given(*names: str) -> bool:
    """Whether the request names any of these query parameters (even empty)."""
    query = _query()
    return any(name in query for name in names)


def query_flag(name: str) -> bool:
    """A yes/no query parameter such as mine=1."""
    raw = _query().get(name)
    if raw in (None, "", "0", "false"):
        return False
    if raw in ("1", "true"):
        return True
    raise bad_parameter(name, FieldMessage("One of: %(choices)s.", choices="1, 0"))


# ---- the app, its time zone and its addresses ----------------------------------------------


def board_settings() -> Settings:
    """The settings of the app that serves this request."""
    return current_app._get_current_object().extensions["board_settings"]  # db_for_request


def board_tz() -> ZoneInfo:
    """The board's time zone: days and weeks (feed, summary, help page) are counted in it."""
    return ZoneInfo(board_settings().timezone)


def reader_tz() -> ZoneInfo:
    """The zone this request's reader sees times in: their own, else BOARD_TIMEZONE."""
    return ZoneInfo(select_timezone() or board_settings().timezone)


def ics_url(token: str | None) -> str | None:
    """The private iCalendar address of the publishing calendar."""
    return url_for("web.calendar_ics", token=token, _external=True) if token else None


def atom_url(token: str | None) -> str | None:
    """The private feed's address, in the language the person reads the board in."""
    if not token:
        return None
    language = current_language()
    return url_for(
        "web.feed_atom",
        token=token,
        _external=True,
        **({"lang": language} if language != "en" else {}),
    )


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond the largest id names nothing, so it reaches
    the view as 0 (no row has it) and gets the same "no such idea/task/…" answer as any other
    unknown id, not an overflow in the database driver. (Refusing the match instead would let
    the router answer 405 from a neighbouring rule.) So does a number in other digits than
    ASCII's: the rule's `\\d` matches "１" and "١", which `int()` would read as 1."""

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        return number if number is not None and number <= MAX_ID else 0
