"""Shared fixtures: every test gets its own embedded home (raw folder + DuckDB) and instance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from nba_backfill.resources import resources

#: Recorded real API responses live beside the repository, in ../shared (read, never copied).
REAL_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NBA_BACKFILL_HOME", str(tmp_path / "home"))
    for variable in ("NBA_SIM_OUTAGES", "NBA_SIM_CORRUPT", "NBA_BACKFILL_TARGET", "NBA_BACKFILL_SOURCE", "DAGSTER_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NBA_SCRAPER_RETRIES", "0")  # simulated outages are not transient
    return tmp_path / "home"


@contextmanager
def backfilled(tmp_path_factory: pytest.TempPathFactory, start: str, end: str) -> Iterator[dict]:
    """A fresh home with every phase materialized over start..end (for module-scoped fixtures)."""
    from nba_backfill.backfill.execute import materialize_range

    mp = pytest.MonkeyPatch()
    mp.setenv("NBA_BACKFILL_HOME", str(tmp_path_factory.mktemp("home")))
    for variable in ("NBA_SIM_OUTAGES", "NBA_SIM_CORRUPT", "NBA_BACKFILL_TARGET", "NBA_BACKFILL_SOURCE"):
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
