"""``nba-backfill ui`` for real: ``dg dev`` starts, serves the UI on the instance it prepared, and
says nothing about a superseded command."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from nba_backfill.testing.plugin import ISOLATED_VARIABLES
from nba_backfill_tests.conftest import free_port
from nba_backfill_tests.processes import stop
from nba_backfill_tests.ui_tests.test_dagster_ui import BIN, REPO, STARTUP_SECONDS

pytestmark = pytest.mark.slow


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_ui_starts_dg_dev_without_warnings(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in (*ISOLATED_VARIABLES, "DAGSTER_HOME")}
    env["NBA_BACKFILL_HOME"] = str(tmp_path / "home")
    port = free_port()
    url, log = f"http://127.0.0.1:{port}", tmp_path / "ui.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "nba-backfill"), "ui", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _serves(url):
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
            # What starting printed: at the interrupt, dg dev's watcher may note the code server's
            # exit before shutting down itself (a race of its own shutdown, not of the start).
            started = log.read_text()
        finally:
            stop(process)
    assert "Serving dagster-webserver" in started
    assert "warning" not in started.lower(), started[-3000:]
    assert (tmp_path / "home" / "dagster" / "dagster.yaml").exists()  # the instance nba-backfill prepared
