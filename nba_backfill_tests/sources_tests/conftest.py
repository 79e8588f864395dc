"""What the simulated league's tests share: its seed, a fixed "today", the league and a few lookups."""

from __future__ import annotations

import datetime as dt

import pytest

from nba_backfill import calendar
from nba_backfill.sources import simulated as sim
from nba_backfill.sources.simulated import SimulatedLeague

SEED = 20241022
#: "Today" for most tests: the 2023-24 and 2024-25 seasons are over.
SUMMER_2025 = dt.date(2025, 7, 1)


@pytest.fixture
def summer_2025(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed 'today' unless a test says otherwise (used by the league's test modules)."""
    monkeypatch.setattr(calendar, "today_et", lambda: SUMMER_2025)


@pytest.fixture
def league() -> SimulatedLeague:
    return SimulatedLeague(seed=SEED)


def games_of(payload: dict) -> list[dict]:
    return [g for d in payload["leagueSchedule"]["gameDates"] for g in d["games"]]


def season_games(season: int) -> list[sim.SimGame]:
    return sim.season_model(SEED, season).games


def snapshot_before(g: sim.SimGame, **delta: float) -> dt.datetime:
    return g.tip_utc - dt.timedelta(**delta)
