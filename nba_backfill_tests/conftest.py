"""Shared fixtures: every test gets its own embedded home (raw folder + DuckDB) and instance."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from nba_backfill.environment import resources

#: Recorded real API responses, carried by the repository (provenance and licences: MANIFEST.md there).
REAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
#: Set in a developer's shell, these would change what a test's league or target is.
ISOLATED_VARIABLES = ("NBA_SIM_OUTAGES", "NBA_SIM_CORRUPT", "NBA_BACKFILL_TARGET", "NBA_BACKFILL_SOURCE",
                      "NBA_BACKFILL_RUN_DATES")


def free_port() -> int:
    """A port nothing listens on (for a local server, or a client that must find none)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NBA_BACKFILL_HOME", str(tmp_path / "home"))
    for variable in (*ISOLATED_VARIABLES, "DAGSTER_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NBA_SCRAPER_RETRIES", "0")  # simulated outages are not transient
    return tmp_path / "home"


@contextmanager
def backfilled(tmp_path_factory: pytest.TempPathFactory, start: str, end: str) -> Iterator[dict]:
    """A fresh home with every phase materialized over start..end (for module-scoped fixtures)."""
    from nba_backfill.backfill.execute import materialize_range

    mp = pytest.MonkeyPatch()
    mp.setenv("NBA_BACKFILL_HOME", str(tmp_path_factory.mktemp("home")))
    for variable in ISOLATED_VARIABLES:
        mp.delenv(variable, raising=False)
    platform = resources()
    result = materialize_range(start, end, resources=platform, log_level="ERROR")
    try:
        yield {**platform, "result": result}
    finally:
        mp.undo()


@pytest.fixture
def platform(home: Path) -> dict:
    """The resources of the embedded defaults, rooted in this test's home."""
    return resources()


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst
