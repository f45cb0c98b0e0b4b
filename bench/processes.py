"""The benches' servers as processes of their own: started in a session of their own, and
stopped with everything they started.

A gunicorn server is a master and its worker. `terminate` asks the master to stop its
worker gracefully; a worker holding a thousand sockets on a loaded machine may take longer
than the grace period, and killing the master alone then left the worker running, orphaned
and busy, under the next measurements. Killing the session's process group ends both.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

GRACE_SECONDS = 15


def start(command: list[str], **options) -> subprocess.Popen:
    """`command` in a session of its own (its process group: whatever it starts)."""
    return subprocess.Popen(command, start_new_session=True, **options)


def stop(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """Ask `process` to stop; after `grace` seconds, kill its whole process group."""
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    with contextlib.suppress(ProcessLookupError):  # a worker its master left behind, too
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
