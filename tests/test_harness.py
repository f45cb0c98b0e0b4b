"""The test harness's shortcuts leave what the tests see unchanged."""

from __future__ import annotations

from tests.conftest import WERKZEUG_COMPILE_BUILDER, shared_route_builder


def test_shared_route_builders_are_the_code_werkzeug_compiles_for_every_route(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            shared = shared_route_builder(rule, append_unknown)
            own = WERKZEUG_COMPILE_BUILDER(rule, append_unknown)
            assert shared.__code__ == own.__code__, rule.rule
            assert shared.__code__.co_consts == own.__code__.co_consts, rule.rule


def test_every_route_builds_the_url_werkzeugs_own_builder_builds(app):
    for rule in app.url_map.iter_rules():
        values = {name: "7" for name in rule.arguments}
        own = WERKZEUG_COMPILE_BUILDER(rule, True).__get__(rule, None)
        assert rule._build_unknown(**values, page="2") == own(**values, page="2"), rule.rule
        assert rule._build(**values) == own(**values), rule.rule
