"""board.policy on its own: every action × every role, without a database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from board import policy
from board.errors import Denied, Unauthenticated


def person(user_id: int, role: str):
    return SimpleNamespace(id=user_id, role=role, is_authenticated=True)


MEMBER = person(1, "member")
OTHER = person(2, "member")
FACILITATOR = person(3, "facilitator")
OBSERVER = person(4, "observer")
ANONYMOUS = SimpleNamespace(is_authenticated=False)
IDEA_BY_MEMBER = SimpleNamespace(author_id=MEMBER.id)
TASK_HELD_BY_MEMBER = SimpleNamespace(claimed_by_id=MEMBER.id)
OPEN_TASK = SimpleNamespace(claimed_by_id=None)
NUDGE_TO_MEMBER = {MEMBER.id}  # the recipients' ids

TARGETS = {
    "idea.edit": IDEA_BY_MEMBER,
    "task.release": TASK_HELD_BY_MEMBER,
    "task.complete": TASK_HELD_BY_MEMBER,
    "nudge.read": NUDGE_TO_MEMBER,
}


def refusal_code(user, action):
    refusal = policy.why_not(user, action, TARGETS.get(action))
    return None if refusal is None else refusal.code


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
@pytest.mark.parametrize("user", [None, ANONYMOUS], ids=["none", "anonymous"])
def test_nobody_anonymous_may_do_anything(user, action):
    with pytest.raises(Unauthenticated):
        policy.require(user, action, TARGETS.get(action))


@pytest.mark.parametrize("action", sorted(policy.WRITE_ACTIONS))
def test_observers_may_do_no_write_action(action):
    assert refusal_code(OBSERVER, action) == "read_only"


@pytest.mark.parametrize("action", sorted(policy.READ_ACTIONS))
@pytest.mark.parametrize(
    "user",
    [MEMBER, OTHER, FACILITATOR, OBSERVER],
    ids=["member", "other", "facilitator", "observer"],
)
def test_everyone_logged_in_may_read(user, action):
    assert policy.can(user, action)


@pytest.mark.parametrize("action", sorted(policy.FACILITATOR_ACTIONS - policy.WRITE_ACTIONS))
def test_facilitator_only_reads_are_refused_to_others(action):
    for user in (MEMBER, OBSERVER):
        assert refusal_code(user, action) == "facilitator_only"
    assert policy.can(FACILITATOR, action)


@pytest.mark.parametrize("action", sorted(policy.FACILITATOR_ACTIONS & policy.WRITE_ACTIONS))
def test_facilitator_only_writes(action):
    assert refusal_code(MEMBER, action) == "facilitator_only"
    assert refusal_code(OBSERVER, action) == "read_only"
    assert policy.can(FACILITATOR, action, TARGETS.get(action))


@pytest.mark.parametrize(
    ("user", "code"),
    [(MEMBER, None), (OTHER, "not_author"), (FACILITATOR, "not_author"), (OBSERVER, "read_only")],
)
def test_only_the_author_edits_an_idea(user, code):
    assert refusal_code(user, "idea.edit") == code


@pytest.mark.parametrize("action", ["task.release", "task.complete"])
@pytest.mark.parametrize(
    ("user", "code"),
    [
        (MEMBER, None),
        (OTHER, "not_claimant"),
        (FACILITATOR, "not_claimant"),
        (OBSERVER, "read_only"),
    ],
)
def test_only_the_claimant_releases_or_completes(user, code, action):
    assert refusal_code(user, action) == code


@pytest.mark.parametrize("action", ["task.release", "task.complete"])
def test_nobody_releases_or_completes_an_unclaimed_task(action):
    for user in (MEMBER, OTHER, FACILITATOR):
        assert not policy.can(user, action, OPEN_TASK)


@pytest.mark.parametrize("user", [MEMBER, OTHER, FACILITATOR], ids=["member", "other", "fac"])
@pytest.mark.parametrize(
    "action", ["task.claim", "task.create", "idea.create", "idea.vote", "comment.create"]
)
def test_members_and_the_facilitator_take_part_alike(user, action):
    assert policy.can(user, action)


def test_only_recipients_mark_a_nudge_read():
    assert policy.can(MEMBER, "nudge.read", NUDGE_TO_MEMBER)
    assert refusal_code(OTHER, "nudge.read") == "not_recipient"
    assert refusal_code(FACILITATOR, "nudge.read") == "not_recipient"


def test_there_is_no_action_that_gives_work_to_someone():
    words = ("assign", "reassign", "unclaim", "transfer", "delegate")
    assert not [a for a in policy.ACTIONS if any(word in a for word in words)]


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        policy.can(MEMBER, "task.assign")


def test_require_raises_the_refusal():
    with pytest.raises(Denied) as refused:
        policy.require(OBSERVER, "idea.create")
    assert refused.value.status == 403
    assert refused.value.code == "read_only"


@pytest.mark.parametrize(
    ("user", "private", "recipients", "visible"),
    [
        (MEMBER, False, set(), True),
        (OBSERVER, False, set(), True),
        (MEMBER, True, {MEMBER.id}, True),
        (OTHER, True, {MEMBER.id}, False),
        (OBSERVER, True, {MEMBER.id}, False),
        (ANONYMOUS, False, set(), False),
    ],
)
def test_event_audience(user, private, recipients, visible):
    assert policy.event_visible_to(user, private, recipients) is visible
