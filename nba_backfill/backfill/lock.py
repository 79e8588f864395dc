"""One operator at a time: the commands that write hold an exclusive lock on the home.

The lock is ``fcntl.flock`` on ``$NBA_BACKFILL_HOME/operator.lock``: the kernel releases it when
its holder exits, however it exits (``kill -9`` included), so a dead holder never leaves a stale
lock behind. The holder writes who it is (pid, command line, start time) into the file, so a
second operator is told whom it waits for. It is taken before the Dagster instance or the
warehouse is opened, which also makes two commands started together on an empty home create
them one after the other.

What it covers: the processes of one machine that share one ``NBA_BACKFILL_HOME``. On the gcp
target the home is per machine, so two machines writing the same BigQuery datasets are not
serialized by it (see README, "The run lock").
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from nba_backfill.errors import ConfigurationError

LOCK_FILE = "operator.lock"
#: Held by every command while it creates or opens the Dagster instance (seconds at most).
SETUP_LOCK_FILE = "setup.lock"
#: How long to wait for a holder that has the lock but has not written its name yet.
NAME_WAIT_SECONDS = 2.0


class LockHeld(Exception):
    """Another command holds the home's lock and this one was told not to wait: exit 2."""


def _recorded(path: Path) -> dict:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def holder(path: Path) -> str:
    """Who holds the lock, as the holder recorded it: ``pid 123 (nba-backfill run ...) since ...``.
    A holder writes its name just after taking the lock, so an empty file is read again briefly."""
    deadline = time.monotonic() + NAME_WAIT_SECONDS
    info = _recorded(path)
    while "pid" not in info and time.monotonic() < deadline:
        time.sleep(0.05)
        info = _recorded(path)
    if "pid" not in info:
        return "a process that has not said who it is"
    return f"pid {info['pid']} ({info.get('command', '?')}) since {info.get('started', '?')}"


@contextmanager
def _opened(path: Path) -> Iterator[IO[str]]:
    """The lock file, created if need be; "a+" so that opening never truncates the holder's name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as err:
        raise ConfigurationError(f"cannot create the lock file {path}: {err.strerror}") from None
    with handle:
        yield handle


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _announce(handle: IO[str], command: str) -> None:
    """Say who holds the lock: in the lock file itself, truncated only by its holder."""
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "command": command,
                "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            }
        )
    )
    handle.flush()


@contextmanager
def operator_lock(home: Path, command: str, wait: bool, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the home's lock for the block. If another command holds it: with ``wait``, call
    ``on_wait`` with who holds it and block until it is released; else raise LockHeld."""
    path = home / LOCK_FILE
    with _opened(path) as handle:
        if not _try_lock(handle):
            who = holder(path)
            if not wait:
                raise LockHeld(f"{home} is in use by {who}; wait for it, or run again without --no-wait to queue")
            on_wait(who)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        _announce(handle, command)
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # the name goes before the lock: no reader finds a stale one
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def setup_lock(home: Path) -> Iterator[None]:
    """Serialize the creation of the instance's files: every command, reader or writer, holds this
    while it writes dagster.yaml and opens the instance, so two commands started together on an
    empty home never both create its SQLite storage."""
    with _opened(home / SETUP_LOCK_FILE) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
