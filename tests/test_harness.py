"""The test harness's shortcuts leave what the tests see unchanged."""

from __future__ import annotations

from sqlalchemy import create_engine

from tests.conftest import (
    SQLITE_DIALECT,
    SQLITE_STATEMENTS,
    TEMPLATE_CODE,
    WERKZEUG_COMPILE_BUILDER,
    shared_route_builder,
)


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


def test_shared_template_code_is_what_jinja_compiles_for_every_template(app):
    env = app.jinja_env
    assert env.bytecode_cache is TEMPLATE_CODE
    names = env.list_templates()
    assert "board.html" in names
    for name in names:
        env.get_template(name)  # compiled once, or taken from the shared code
        source, filename, _uptodate = env.loader.get_source(env, name)
        bucket = TEMPLATE_CODE.get_bucket(env, name, filename, source)
        assert bucket.code == env.compile(source, name, filename), name


def test_test_engines_share_one_dialect_configured_as_their_own(app):
    engine = app.extensions["board_db"].engine
    assert engine.dialect is SQLITE_DIALECT
    assert engine._compiled_cache is SQLITE_STATEMENTS
    own = create_engine(engine.url)
    with own.connect():
        pass
    simple = (str, int, float, bool, tuple, frozenset, type(None))
    settings = {k: v for k, v in vars(own.dialect).items() if isinstance(v, simple)}
    assert len(settings) > 10
    assert {k: getattr(SQLITE_DIALECT, k) for k in settings} == settings
    own.dispose()


def test_a_real_client_that_disconnects_is_gone_from_the_server_at_once(app, people_):
    """Real Socket.IO clients wait at most CLIENT_CLOSE_WAIT for the server's close frame
    (tests/conftest.py): the server still sees the close and drops the connection."""
    import threading
    import time

    import requests
    import socketio as socketio_client
    from werkzeug.serving import make_server

    from tests.conftest import CLIENT_CLOSE_WAIT, PASSWORD

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=httpd.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{httpd.server_port}"
    try:
        http = requests.Session()
        login = {"email": "mara@example.com", "password": PASSWORD}
        assert http.post(f"{url}/api/v1/auth/login", json=login, timeout=10).ok
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        client = socketio_client.Client(reconnection=False)
        client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
        live = app.extensions["board_live"]
        assert len(live.connections) == 1
        assert CLIENT_CLOSE_WAIT < 3  # websocket-client's own wait
        client.disconnect()
        deadline = time.monotonic() + 10
        while live.connections:  # the server's thread handles the close
            assert time.monotonic() < deadline, "the server never saw the close"
            time.sleep(0.01)
        assert not client.connected
    finally:
        httpd.shutdown()
        serving.join(10)
