"""Gunicorn settings for one board process: `gunicorn -c docs/deploy/gunicorn.conf.py app:app`.

Flask-SocketIO's threading mode (board/realtime.py: ASYNC_MODE) with simple-websocket
runs on gunicorn's threaded worker. Exactly one worker per gunicorn: gunicorn's own
balancing cannot keep a Socket.IO client on one worker, so scale by starting more
gunicorns on more ports (board@.service) behind nginx's sticky upstream.
"""

import os

bind = f"127.0.0.1:{os.environ.get('BOARD_PORT', '8001')}"
workers = 1
# No control socket: every gunicorn on the host would take the same one ($HOME/.gunicorn/
# gunicorn.ctl), each start taking it from the last, so `gunicornc` reached whichever began
# last (and could add the second worker this file rules out); systemd starts and stops them.
control_socket_disable = True
# gunicorn's threaded worker, with the next request on a kept-alive connection (nginx's
# upstream keepalive) taken by the thread that answered the last one (board/serving.py).
worker_class = "board.serving.Worker"
# Every open board tab holds one thread for as long as it is open (its WebSocket), and
# each HTTP request needs one while it runs: size for the tabs one process carries plus
# headroom. 300 per process was measured comfortable on 2 cores (docs/performance.md).
threads = int(os.environ.get("BOARD_THREADS", "300"))
worker_connections = threads + 100
# The worker's heartbeat to the arbiter is independent of long-lived sockets.
timeout = 60
graceful_timeout = 20
keepalive = 5
# nginx on this host sets X-Forwarded-Proto; trust it from there only.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = f"board-{os.environ.get('BOARD_PORT', '8001')}"
