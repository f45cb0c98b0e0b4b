"""The OpenAPI description is valid, public, and matches the routes the app really has."""

from __future__ import annotations

import copy
import re
import warnings

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from board.openapi import spec

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# Paths the contract (shared/API.md) names whose routes are being built in parallel.
# Once a path is routed, the test below checks its methods like any other; remove it from
# this list then (a warning says so).
NOT_YET_ROUTED: set[str] = set()  # every described path is routed


def routed(app) -> dict[str, set[str]]:
    """Every /api/v1 rule of the app, as an OpenAPI path → its methods."""
    paths: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(PREFIX) :])
        paths.setdefault(path, set()).update((rule.methods or set()) - IGNORED_METHODS)
    return paths


def described() -> dict[str, set[str]]:
    return {path: {m.upper() for m in item} for path, item in spec()["paths"].items()}


def test_the_document_is_valid_openapi_3():
    document = spec()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_validator_would_notice_a_broken_document():
    broken = copy.deepcopy(spec())
    broken["paths"]["/ideas"]["get"]["responses"]["200"] = {"content": "nonsense"}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_it_is_served_without_login(anonymous):
    response = anonymous.get("openapi.json")
    assert response.status_code == 200
    assert response.content_type.startswith("application/json")
    assert response.get_json() == spec()


def test_every_api_route_is_described_with_its_methods(app):
    documented = described()
    missing = {
        path: sorted(methods) for path, methods in routed(app).items() if path not in documented
    }
    assert not missing, f"routes without an OpenAPI description in board/openapi.py: {missing}"
    for path, methods in routed(app).items():
        assert documented[path] == methods, (
            f"{path}: routed {sorted(methods)}, described {sorted(documented[path])}"
        )


def test_every_described_path_is_routed_or_explicitly_pending(app):
    real = routed(app)
    unknown = sorted(set(described()) - set(real) - NOT_YET_ROUTED)
    assert not unknown, f"described but not routed (and not in NOT_YET_ROUTED): {unknown}"
    landed = sorted(NOT_YET_ROUTED & set(real))
    if landed:
        warnings.warn(f"routed now, remove from NOT_YET_ROUTED: {landed}", stacklevel=1)


def test_every_route_of_the_contract_is_described():
    contract = {
        ("GET", "/departments"),
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("POST", "/auth/logout"),
        ("GET", "/me"),
        ("GET", "/ideas"),
        ("POST", "/ideas"),
        ("GET", "/ideas/{idea_id}"),
        ("PATCH", "/ideas/{idea_id}"),
        ("PUT", "/ideas/{idea_id}/vote"),
        ("DELETE", "/ideas/{idea_id}/vote"),
        ("GET", "/ideas/{idea_id}/comments"),
        ("POST", "/ideas/{idea_id}/comments"),
        ("GET", "/tasks"),
        ("POST", "/tasks"),
        ("POST", "/tasks/{task_id}/claim"),
        ("POST", "/tasks/{task_id}/release"),
        ("POST", "/tasks/{task_id}/complete"),
        ("GET", "/prompts"),
        ("POST", "/prompts"),
        ("POST", "/nudges"),
        ("GET", "/nudges"),
        ("POST", "/nudges/{nudge_id}/read"),
        ("GET", "/events"),
        ("GET", "/openapi.json"),
    }
    documented = {(m, p) for p, methods in described().items() for m in methods}
    assert contract - documented == set()


def test_public_operations_are_exactly_the_contracts():
    public = {
        (method.upper(), path)
        for path, item in spec()["paths"].items()
        for method, operation in item.items()
        if operation["security"] == []
    }
    assert public == {
        ("GET", "/departments"),
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("GET", "/openapi.json"),
        # extensions (issue 17): forgot password, before anyone is logged in
        ("POST", "/auth/password-reset"),
        ("POST", "/auth/password-reset/confirm"),
    }


PUBLIC_WRITES = (
    "/auth/login",
    "/auth/register",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
)


def test_writes_declare_the_csrf_header_and_bodies_refuse_unknown_fields():
    document = spec()
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "get" or path in PUBLIC_WRITES:
                continue
            assert {"session": [], "csrf": []} in operation["security"], (method, path)
            assert "400" in operation["responses"], (method, path)
            body = operation.get("requestBody")
            if body and "multipart/form-data" in body["content"]:  # an image upload
                upload = body["content"]["multipart/form-data"]["schema"]
                assert upload["additionalProperties"] is False, (method, path)
            elif body:
                name = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
                assert schemas[name]["additionalProperties"] is False, name


def test_the_objects_carry_the_contracts_fields():
    schemas = spec()["components"]["schemas"]
    contract = {
        "User": "id email display_name role department",
        "Idea": "id title body body_html tags author votes voted departments_supporting "
        "status prompt_id created_at",
        "Task": "id title description idea_id status claimed_by claimed_at created_at",
        "Comment": "id idea_id body body_html author is_mentor_note created_at",
        "Prompt": "id kind title body phase submissions_close_at voting_close_at hide_tallies "
        "votes_per_person created_at",
        "Nudge": "id message from to_user_id task_id department_id created_at read_at",
        "Envelope": "seq type at actor data",
    }
    for name, fields in contract.items():
        assert set(fields.split()) <= set(schemas[name]["required"]), name
    error = schemas["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message"]


def test_real_answers_match_the_described_objects(member, other_member):
    """A quick conformance check outside the fuzz test: real objects validate."""
    from jsonschema import Draft202012Validator

    document = spec()

    def check(name: str, value) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        Draft202012Validator(schema).validate(value)

    idea = member.post("ideas", json={"title": "Reel", "body": "*x*", "tags": ["video"]})
    check("Idea", idea.get_json())
    idea_id = idea.get_json()["id"]
    check("VoteResult", other_member.put(f"ideas/{idea_id}/vote").get_json())
    check("Comment", member.post(f"ideas/{idea_id}/comments", json={"body": "yes"}).get_json())
    task = member.post("tasks", json={"title": "Film", "idea_id": idea_id}).get_json()
    check("Task", task)
    check("Task", other_member.post(f"tasks/{task['id']}/claim").get_json())
    check("CommentList", member.get(f"ideas/{idea_id}/comments?limit=1").get_json())
    check("IdeaList", member.get("ideas").get_json())
    check("TaskList", member.get("tasks").get_json())
    check("EventPage", member.get("events?after=0").get_json())
    check("Session", member.get("me").get_json())
    check("Error", member.get("ideas/999").get_json())


@pytest.mark.parametrize(
    "schema, field, bounds",
    [
        ("TaskCreate", "publish_on", ("30 days before today", "731 days after it", "UTC+14")),
        ("TaskPlan", "publish_on", ("30 days before today", "731 days after it", "UTC+14")),
        ("PublicationCreate", "published_at", ("5 minutes after", "366 days back")),
        ("PromptCreate", "submissions_close_at", ("after now",)),
        ("PromptCreate", "voting_close_at", ("after `submissions_close_at`", "366 days after")),
    ],
)
def test_the_date_fields_state_their_bounds_and_the_error(schema, field, bounds):
    """What the server refuses, the description says: the bounds (they move with the
    clock, so JSON Schema cannot hold them) and the error a client gets."""
    text = spec()["components"]["schemas"][schema]["properties"][field]["description"]
    for words in (*bounds, "400 `invalid_fields`", f"`fields.{field}`"):
        assert words in text, (schema, field, words)


def test_the_stated_bounds_are_the_servers(member, facilitator):
    """The numbers in the descriptions are the ones the services use: one day beyond
    each stated bound is refused with the stated error, the bound itself taken."""
    from datetime import timedelta

    from board import clock

    now = clock.now()
    first, last = now.date() - timedelta(days=30), now.date() + timedelta(days=731)
    for day, status in ((first, 201), (last, 201), (last + timedelta(days=2), 400)):
        response = member.post("tasks", json={"title": "Reel", "publish_on": day.isoformat()})
        assert response.status_code == status, day
    assert "publish_on" in response.get_json()["error"]["fields"]
    assert response.get_json()["error"]["code"] == "invalid_fields"
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    for moment, status in (
        (now - timedelta(days=365), 201),
        (now + timedelta(minutes=4), 201),
        (now + timedelta(minutes=6), 400),
        (now - timedelta(days=368), 400),
    ):
        response = member.post(
            f"ideas/{idea['id']}/publications",
            json={
                "url": "https://x.example/p",
                "channel": "blog",
                "published_at": moment.isoformat(),
            },
        )
        assert response.status_code == status, moment
    assert response.get_json()["error"]["fields"].keys() == {"published_at"}
    challenge = {"kind": "challenge", "title": "Clips", "body": ""}
    year = timedelta(days=366)
    for close, status in ((now + year, 201), (now + year + timedelta(minutes=2), 400)):
        response = facilitator.post(
            "prompts",
            json={
                **challenge,
                "submissions_close_at": (now + timedelta(days=1)).isoformat(),
                "voting_close_at": close.isoformat(),
            },
        )
        assert response.status_code == status, close
    assert response.get_json()["error"]["fields"].keys() == {"voting_close_at"}
