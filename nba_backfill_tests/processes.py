"""Servers the end-to-end tests start as subprocesses (``dagster dev``, the webserver, the daemon)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

STOP_SECONDS = 30


def stop(process: subprocess.Popen) -> None:
    """End a process started with ``start_new_session=True`` and everything it started (code
    servers, run workers): its process group, gently first."""
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(group, signal.SIGKILL)
    process.wait()
