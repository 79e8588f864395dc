"""The pytest plugin of nba_backfill, registered through the ``pytest11`` entry point: a project
that installs nba_backfill gets these fixtures without importing anything.

=====================  =========  ===============================================================
fixture                scope      what
=====================  =========  ===============================================================
``nba_home``           test       an empty home folder; ``NBA_BACKFILL_HOME`` points at it (for
                                  the command line) and the variables that would change a
                                  league or target (``NBA_SIM_*``, ``NBA_BACKFILL_TARGET``...)
                                  are cleared for the test
``nba_instance``       test       an ephemeral (in-memory) Dagster instance
``nba_league``         test       a ``SimulatedLeague``; its seed and faults come from the
                                  ``nba_league`` marker: ``@pytest.mark.nba_league(seed=7,
                                  outages="nbac:2024-10-27", corrupt="nbac_boxscores:2024-10-28")``
``nba_platform``       test       an ``nba_backfill.api.Platform`` on ``nba_home``, ``nba_league``
                                  and ``nba_instance``
``nba_dataset``        test       an ``nba_backfill.api.Platform`` on ``nba_home`` and the real
                                  2025-26 dataset shipped with the package (2025-10-21 ..)
``nba_backfilled``     module     every asset materialized over the ``nba_range`` marker's dates
                                  (``pytestmark = pytest.mark.nba_range("2024-10-22",
                                  "2024-11-04")``; default those two weeks), built once per range
                                  and league in a session and shared: read it, copy before changing
=====================  =========  ===============================================================

Nothing here reads the environment: faults are values on the league, never ``NBA_SIM_*``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from nba_backfill.api import Platform, RangeResult

#: Set in a developer's shell, these would change what a test's league or target is.
ISOLATED_VARIABLES = (
    "NBA_SIM_OUTAGES",
    "NBA_SIM_CORRUPT",
    "NBA_SIM_UNPUBLISHED",
    "NBA_SIM_SEED",
    "NBA_ODDS_POLICY",
    "NBA_BACKFILL_TARGET",
    "NBA_BACKFILL_SOURCE",
    "NBA_BACKFILL_RUN_DATES",
    "NBA_DATASET_DIR",
    "DAGSTER_HOME",
)
#: The range ``nba_backfilled`` materializes when a module names none: two weeks of 2024-25.
DEFAULT_RANGE = ("2024-10-22", "2024-11-04")


@dataclass(frozen=True)
class Backfilled:
    """A materialized range: the platform it lives on and the run's result."""

    platform: Platform
    start: str
    end: str
    result: RangeResult


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "nba_league(seed=..., outages=..., corrupt=...): the nba_league fixture's "
        "simulated league (fault specs as in nba_backfill.sources.faults)",
    )
    config.addinivalue_line("markers", "nba_range(start, end): the dates nba_backfilled materializes")
    # Dagster's own resource initialisation calls its deprecated name on every run: not the test's concern.
    config.addinivalue_line("filterwarnings", "ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning")


def _league_arguments(node: pytest.Item | pytest.Collector) -> dict[str, Any]:
    marker = node.get_closest_marker("nba_league")
    return dict(marker.kwargs) if marker else {}


def _league(arguments: dict[str, Any]) -> Any:
    # Imported on use (here and below): this module loads in every pytest run of a project that
    # has nba_backfill installed, and Dagster takes seconds to import.
    from nba_backfill.api import SimulatedLeague

    return SimulatedLeague(**arguments)


@pytest.fixture
def nba_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"  # not created: storage creates what it writes (and a copied home lands here)
    monkeypatch.setenv("NBA_BACKFILL_HOME", str(home))
    for variable in ISOLATED_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NBA_SCRAPER_RETRIES", "0")  # a planted outage lasts the run: retrying only waits
    return home


@pytest.fixture
def nba_instance() -> Iterator[Any]:
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def nba_league(request: pytest.FixtureRequest) -> Any:
    return _league(_league_arguments(request.node))


@pytest.fixture
def nba_platform(nba_home: Path, nba_league: Any, nba_instance: Any) -> Platform:
    from nba_backfill.api import Platform

    return Platform(nba_home, league=nba_league, instance=nba_instance)


@pytest.fixture
def nba_dataset(nba_home: Path, nba_instance: Any) -> Platform:
    from nba_backfill.api import Platform, real_dataset

    return Platform(nba_home, league=real_dataset(), instance=nba_instance)


@pytest.fixture(scope="session")
def _nba_backfills() -> dict[tuple, Backfilled]:
    return {}


@pytest.fixture(scope="module")
def nba_backfilled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _nba_backfills: dict[tuple, Backfilled]
) -> Backfilled:
    from nba_backfill.api import Platform

    marker = request.node.get_closest_marker("nba_range")
    start, end = (str(d) for d in marker.args) if marker else DEFAULT_RANGE
    arguments = _league_arguments(request.node)
    key = (start, end, tuple(sorted(arguments.items())))
    if key not in _nba_backfills:
        platform = Platform(tmp_path_factory.mktemp("nba_backfilled"), league=_league(arguments))
        _nba_backfills[key] = Backfilled(platform, start, end, platform.materialize(start, end))
    return _nba_backfills[key]
