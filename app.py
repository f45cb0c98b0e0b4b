"""Entry point: `python app.py` serves the board; `flask --app app` finds the app.

In production run one process per port behind a reverse proxy with sticky sessions,
`BOARD_PORT=PORT gunicorn -c docs/deploy/gunicorn.conf.py app:app` each (one worker, the
board's own threaded worker class), sharing BOARD_MESSAGE_QUEUE (docs/deploy.md).
"""

import logging
import signal
import sys

from werkzeug.serving import BaseWSGIServer

from board import create_app
from board.realtime import require_origin_check, socketio, tune_server_process
from board.settings import SettingsError

# gunicorn's exit code for "App failed to load": its master stops instead of booting the
# worker again and again, and the unit (docs/deploy/board@.service) is not restarted.
GUNICORN_APP_LOAD_ERROR = 4

try:
    app = create_app()
except SettingsError as error:
    # A BOARD_* variable the board cannot run with: say which, in one line, for the server,
    # every `flask --app app` command and gunicorn alike (not a traceback ending in it).
    if "gunicorn.arbiter" in sys.modules:  # a gunicorn worker: exit 1 made it boot anew
        print(f"Error: {error}", file=sys.stderr, flush=True)
        sys.exit(GUNICORN_APP_LOAD_ERROR)
    sys.exit(f"Error: {error}")
tune_server_process()


def _say_what_this_server_is(server) -> None:
    """Replace Werkzeug's red 'development server' warning with what it means here."""
    scheme = "https" if server.ssl_context else "http"
    print(
        f"The task-force board is serving {scheme}://{server.host}:{server.port} in "
        "single-machine mode: one process, fine for a task force of a few dozen people. "
        "For more people or several processes, see docs/deploy.md.",
        flush=True,
    )


class _NoBareProductionWarning(logging.Filter):
    """Flask-SocketIO warns "Werkzeug appears to be used in a production deployment" when
    stdin is no terminal (`make run` from a script, a service manager): the line above
    already says what this server is and where to read on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "appears to be used in a production deployment" not in record.getMessage()


def _stop(_signum, _frame):
    sys.exit(0)  # runs atexit hooks: this process leaves the presence count at once


if __name__ == "__main__":
    settings = app.extensions["board_settings"]
    require_origin_check()
    signal.signal(signal.SIGTERM, _stop)
    BaseWSGIServer.log_startup = _say_what_this_server_is
    logging.getLogger("werkzeug").addFilter(_NoBareProductionWarning())
    socketio.run(app, host=settings.host, port=settings.port, allow_unsafe_werkzeug=True)
