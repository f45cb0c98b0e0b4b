"""Input shape checks for the JSON API: known fields only, right types, bounded text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import request

from board.errors import Invalid

TITLE_MAX = 200
TEXT_MAX = 20_000


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "int", "bool", "tags", "datetime"
    required: bool = False
    max_length: int | None = None
    nullable: bool = False


def title(required: bool = True) -> Field:
    return Field("str", required=required, max_length=TITLE_MAX)


def text(required: bool = False) -> Field:
    return Field("str", required=required, max_length=TEXT_MAX)


def _is_unicode(value: str) -> bool:
    """JSON may escape a lone surrogate ("\\ud800"); no database can store one."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(name: str, spec: Field, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return (None, None) if spec.nullable else (None, "This field must not be null.")
    if spec.kind == "str":
        if not isinstance(value, str):
            return None, "Expected a string."
        if not _is_unicode(value):
            return None, "Text must be valid Unicode."
        if spec.max_length is not None and len(value) > spec.max_length:
            return None, f"At most {spec.max_length} characters."
        return value, None
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "Expected a whole number."
        if not -(2**31) < value < 2**31:
            return None, "This number is out of range."
        return value, None
    if spec.kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "Expected true or false.")
    if spec.kind == "tags":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "Expected a list of strings."
        if not all(_is_unicode(v) for v in value):
            return None, "Text must be valid Unicode."
        return value, None
    if spec.kind == "datetime":
        if not isinstance(value, str):
            return None, "Expected an ISO 8601 time with a UTC offset."
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None, "Expected an ISO 8601 time with a UTC offset."
        if parsed.tzinfo is None:
            return None, "Give the time with a UTC offset, e.g. 2026-05-01T12:00:00+02:00."
        return parsed, None
    raise ValueError(spec.kind)


def json_body(schema: dict[str, Field], *, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked against `schema`; raises Invalid otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if allow_empty:
            payload: Any = {}
        else:
            raise Invalid("The request body must be a JSON object.", code="invalid_body")
    else:
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting too
            raise Invalid("The request body is not valid JSON.", code="malformed_json") from exc
    if not isinstance(payload, dict):
        raise Invalid("The request body must be a JSON object.", code="invalid_body")
    unknown = sorted(set(payload) - set(schema))
    if unknown:
        raise Invalid("Some fields are not accepted here.", code="unknown_field",
                      fields={name: "Unknown field." for name in unknown})
    result: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, spec in schema.items():
        if name not in payload:
            if spec.required:
                problems[name] = "This field is required."
            continue
        value, problem = _check(name, spec, payload[name])
        if problem:
            problems[name] = problem
        else:
            result[name] = value
    if problems:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=problems)
    return result


def no_body() -> None:
    """For actions that take no input: an empty body, or an empty JSON object."""
    json_body({}, allow_empty=True)


def query_int(name: str, default: int | None = None, minimum: int | None = None,
              maximum: int | None = None, clamp: bool = False) -> int | None:
    """An integer query parameter; `clamp` brings a value above `maximum` down to it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: "Expected a whole number."}) from None
    if minimum is not None and value < minimum:
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: f"At least {minimum}."})
    if maximum is not None and value > maximum:
        if clamp:
            return maximum
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: f"At most {maximum}."})
    if not -(2**31) < value < 2**31:  # beyond the database's integers: bad input, not a 500
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: "This number is out of range."})
    return value


def query_choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: f"One of: {', '.join(choices)}."})
    return raw


def query_text(name: str, max_length: int = 200) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length:
        raise Invalid("A query parameter is invalid.", code="invalid_parameter",
                      fields={name: f"At most {max_length} characters."})
    return raw
