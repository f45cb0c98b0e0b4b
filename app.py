"""Entry point: `python app.py` serves the board; `flask --app app` finds the app."""

from board import create_app
from board.realtime import socketio

app = create_app()

if __name__ == "__main__":
    settings = app.extensions["board_settings"]
    socketio.run(app, host=settings.host, port=settings.port, allow_unsafe_werkzeug=True)
