"""gunicorn's threaded worker, with a request on a kept-alive connection taken by the thread
that answered the one before (docs/deploy/gunicorn.conf.py: `worker_class`).

gunicorn's `gthread` worker hands every kept-alive connection back to its main loop after
each answer; when the next request comes, the main loop wakes, takes the GIL, and passes
the connection to a pool thread, which wakes and takes the GIL in its turn. For a vote
that is a quarter of a millisecond before the request is even read (bench/votephases.py),
all of it before the fan-out's first write (bench/handover.py: 470 against 400 µs from
the send to the app, medians). Here the thread that answered waits a little
for the next request on the same connection itself, as long as few others do: nginx keeps
a few dozen connections to each process (docs/deploy/nginx.conf, `keepalive`), so those
carry most requests and each comes straight to a thread. The rest is gunicorn's: a
connection that stays quiet goes back to the main loop as before.
"""

from __future__ import annotations

import select
import threading

from gunicorn.workers.gthread import ThreadWorker

# How long a thread waits for the next request on the connection it answered, and how many
# threads wait so at once: the others stay free for new connections and the open tabs.
LINGER_SECONDS = 1.0
MAX_LINGERING = 16


class Worker(ThreadWorker):
    def init_process(self):
        self._lingering = threading.BoundedSemaphore(min(MAX_LINGERING, self.cfg.threads // 8))
        super().init_process()

    def handle(self, conn):
        keep = super().handle(conn)
        while keep is True and self.alive and self._next_request_came(conn):
            keep = super().handle(conn)
        return keep

    def _next_request_came(self, conn) -> bool:
        """Whether the connection has more to read within LINGER_SECONDS, if this thread
        may wait for it (poll, not select: the sockets' numbers pass 1,024)."""
        if self.cfg.is_ssl:
            return False  # TLS may hold decrypted bytes the socket no longer shows
        if conn.parser.unreader.buf.getvalue():
            return True  # read with the last request's body already (gunicorn's own check)
        if not self._lingering.acquire(blocking=False):
            return False
        try:
            waiting = select.poll()
            waiting.register(conn.sock, select.POLLIN)
            return bool(waiting.poll(LINGER_SECONDS * 1000))
        except (OSError, ValueError):
            return False  # closed meanwhile: gunicorn's own path finds out
        finally:
            self._lingering.release()
