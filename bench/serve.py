"""Run one benchmark server in this process.

    python -m bench.serve {board,bare} --mode {threading,gevent} --port P

gevent: the standard library is monkey-patched first and gevent's WSGI server serves
(Engine.IO then uses simple-websocket with gevent's primitives). threading: Werkzeug's
threaded server, as `python app.py` runs it. The production threading server, gunicorn's
threaded worker, is started by bench/fanout.py with gunicorn's own command line.
The board reads its BOARD_* settings from the environment, as in production.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["board", "bare"])
    parser.add_argument("--mode", choices=["threading", "gevent"], default="threading")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    app = build(args.kind, args.mode)
    if args.mode == "gevent":
        from gevent.pywsgi import WSGIServer

        WSGIServer(("127.0.0.1", args.port), app, log=None).serve_forever()
    else:
        app.extensions["socketio"].run(
            app, host="127.0.0.1", port=args.port, allow_unsafe_werkzeug=True, log_output=False
        )


def build(kind: str, mode: str):
    if kind == "bare":
        from bench.bare import create_bare_app

        return create_bare_app(mode)
    from board import create_app, realtime

    realtime.ASYNC_MODE = mode  # the comparison only; production keeps the module's choice
    app = create_app()
    realtime.tune_server_process()  # as app.py does
    return app


if __name__ == "__main__":
    main()
