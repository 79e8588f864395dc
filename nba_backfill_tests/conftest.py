"""Shared fixtures: every test gets its own embedded home (raw folder + DuckDB) and instance."""

from __future__ import annotations

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


@pytest.fixture
def platform(home: Path) -> dict:
    """The resources of the embedded defaults, rooted in this test's home."""
    return resources()


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst
