"""Property-based fuzzing of every /api/v1 operation (schemathesis, in-process over WSGI).

Generated input, valid and invalid, is thrown at every operation of board/openapi.py
while logged in (with the CSRF header). No answer may be a 500, every answer must have a
documented status and content type, successes must match the described objects, and every
error must be the contract's envelope. Bounded: a few examples per operation, no deadline.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from board.openapi import spec
from models import Nudge, NudgeRecipient, Prompt
from tests.conftest import JsonClient

# Small in CI; BOARD_FUZZ_EXAMPLES=500 digs deeper on a laptop.
MAX_EXAMPLES = int(os.environ.get("BOARD_FUZZ_EXAMPLES", "12"))
CODE = re.compile(r"^[a-z][a-z0-9_]*$")

schema = schemathesis.openapi.from_dict(spec())


@pytest.fixture
def board(app, people_):
    """A board with one of everything (id 1), so generated small ids often hit something."""
    member = people_.client("member")
    facilitator = people_.client("facilitator")
    idea = member.post("ideas", json={"title": "Booth reel", "body": "*short* clips"})
    member.post(f"ideas/{idea.get_json()['id']}/comments", json={"body": "yes"})
    member.post("tasks", json={"title": "Film booth", "idea_id": idea.get_json()["id"]})
    with app.extensions["board_db"].Session() as session:
        sam, mara = people_.user("facilitator"), people_.user("member")
        session.add(Prompt(kind="prompt", title="What should we film?", body="", author_id=sam.id))
        nudge = Nudge(message="Need a hand?", from_id=sam.id, to_user_id=mara.id)
        session.add(nudge)
        session.flush()
        session.add(NudgeRecipient(nudge_id=nudge.id, user_id=mara.id))
        session.commit()
    return {"member": member, "facilitator": facilitator}


def error_envelope(ctx, response, case) -> None:
    """Every 4xx/5xx answer is {"error": {"code": snake_case, "message": str, "fields"?: {}}}."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and {"code", "message"} <= set(error) <= {
        "code",
        "message",
        "fields",
    }, error
    assert CODE.match(error["code"]), error
    assert isinstance(error["message"], str) and error["message"], error
    if "fields" in error:
        assert isinstance(error["fields"], dict), error
    if response.status_code == 429:
        assert "retry-after" in response.headers, response.headers


def is_routed_path(app, method: str, path: str) -> bool:
    """Whether the OpenAPI description's operation is served."""
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    try:
        app.url_map.bind("localhost").match(url, method=method.upper())
    except HTTPException:
        return False
    return True


def is_routed(app, case) -> bool:
    return is_routed_path(app, case.operation.method, case.operation.path)


def caller_for(case) -> str:
    """The facilitator for the facilitator's tools (so they get past the role check), a
    member for everything else."""
    return "facilitator" if case.path.startswith(("/prompts", "/nudges")) else "member"


@schema.parametrize()
# CI runs the same examples every time (a red build is reproducible); laptops explore.
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_input_breaks_the_contract(case, app, board):
    assert is_routed(app, case), f"{case.operation.method.upper()} {case.operation.path}"
    client = board[caller_for(case)]
    response = case.call(
        app=app,
        # schemathesis's WSGI transport does not undo gzip (test_board_paging_page checks gzip)
        headers={"X-CSRF-Token": client.csrf_token, "Accept-Encoding": "identity"},
        cookies={"session": client.client.get_cookie("session").value},
    )
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            error_envelope,
        ],
    )


# ---- the edges a random search reaches only by luck ------------------------------------------

HOSTILE_NUMBERS = [
    "0",
    "-1",
    str(2**31),
    str(2**63),
    "9" * 40,
    "1e3",
    "0x10",
    "abc",
    "",
    "1;DROP TABLE ideas",
    "%00",
    "１２",
]
# None of these is a JSON object: every write must refuse them with a 4xx.
HOSTILE_BODIES = [
    b"[]",
    b'"text"',
    b"42",
    b"null",
    b"{",
    b"\xff\xfe\xfa",
    b'{"a":' * 600,
    b"\x00",
    b"{}}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
    b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
]


def operations() -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec()["paths"].items()
        for method, operation in item.items()
    ]


def assert_contract_answer(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data()[:300])
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        assert body and set(body) == {"error"} and CODE.match(body["error"]["code"]), (what, body)


def send(app, client, method: str, url: str, **kwargs):
    if url.endswith("/auth/logout"):  # a logout that went through would end `client`
        client = JsonClient(app.test_client()).login(client.user["email"])
    headers = {"X-CSRF-Token": client.csrf_token}
    return client.client.open(url, method=method, headers=headers, **kwargs)


def test_hostile_numbers_in_every_id_and_integer_parameter(app, board):
    for method, path, operation in operations():
        if not is_routed_path(app, method, path):
            continue
        client = board["facilitator" if path.startswith(("/prompts", "/nudges")) else "member"]
        for param in operation.get("parameters", []):
            if "integer" not in str(param["schema"].get("type")):
                continue
            for value in HOSTILE_NUMBERS:
                if param["in"] == "path":
                    url = "/api/v1" + path.replace("{" + param["name"] + "}", value)
                    url = re.sub(r"\{\w+\}", "1", url)
                    response = send(app, client, method, url)
                else:
                    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
                    response = send(app, client, method, url, query_string={param["name"]: value})
                assert_contract_answer(response, (method, url, param["name"], value))


def test_hostile_bodies_for_every_write(app, board):
    for method, path, _operation in operations():
        if method == "GET" or not is_routed_path(app, method, path):
            continue
        client = board["facilitator" if path.startswith(("/prompts", "/nudges")) else "member"]
        url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
        for body in HOSTILE_BODIES:
            response = send(app, client, method, url, data=body, content_type="application/json")
            assert_contract_answer(response, (method, url, body[:40]))
            assert response.status_code in (400, 413), (method, url, body[:40])


def test_hostile_values_in_every_body_field(app, board):
    values = [
        None,
        True,
        -1,
        2**31,
        2**70,
        1.5,
        "",
        " ",
        "x" * 20_001,
        [],
        {},
        ["x"] * 50,
        "<script>alert(1)</script>",
        "\u0000",
        "\ud800",
    ]
    schemas = spec()["components"]["schemas"]
    for method, path, operation in operations():
        body = operation.get("requestBody")
        if not body or not is_routed_path(app, method, path):
            continue
        if "application/json" not in body["content"]:
            continue  # the image upload is multipart (tests/test_images.py)
        name = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        client = board["facilitator" if path.startswith(("/prompts", "/nudges")) else "member"]
        url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
        for field in schemas[name].get("properties", {}):
            for value in values:
                payload = json.dumps({field: value})  # a lone surrogate goes as "\\ud800"
                response = send(
                    app, client, method, url, data=payload, content_type="application/json"
                )
                assert_contract_answer(response, (method, url, field, repr(value)[:40]))
