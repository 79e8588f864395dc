"""Materialize the platform from Python: in your tests and scripts, on a home of your own.

The same service as the command line (``backfill.service.Session`` and ``backfill.execute``), with
storage rooted in a folder you name and a source you pass as a value, never read from the
environment::

    from nba_backfill.api import Platform, SimulatedLeague

    platform = Platform(tmp_path, league=SimulatedLeague(outages="nbac:2024-10-30"))  # or real_dataset()
    report = platform.backfill("2024-10-22", "2024-11-04")          # what `nba-backfill run` does
    platform.materialize("2024-10-22", "2024-10-23", "group:phase4_precompute")  # one Dagster run
    cache = platform.table("nba_precompute.player_daily_cache", "2024-11-01", "2024-11-04")  # a DataFrame
    platform.status("2024-10-22", "2024-11-04")                      # completeness per date and phase

Selections use Dagster's asset selection syntax (``"group:phase4_precompute"``,
``"key:nba_analytics/player_game_summary"``, ``"+key:..."``, joined by ``or`` / ``and``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill.backfill.execute import RangeResult, materialize_range
from nba_backfill.backfill.lock import operator_lock
from nba_backfill.backfill.progress import Progress
from nba_backfill.backfill.service import Report, Session, resume_command, summarize
from nba_backfill.calendar import as_date, date_range
from nba_backfill.datasets import REAL_2025_26
from nba_backfill.graph import all_assets
from nba_backfill.naming import is_scraped, table_name
from nba_backfill.resources import local_storage
from nba_backfill.sources.dataset import DatasetSource
from nba_backfill.sources.simulated import DEFAULT_SEED, SimulatedLeague

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SEED",
    "REAL_2025_26",
    "DatasetSource",
    "Platform",
    "RangeResult",
    "SimulatedLeague",
    "real_dataset",
]

#: The tables ``Platform.table`` reads: every asset's but the scrapers' (theirs are raw files).
WAREHOUSE_TABLES = frozenset(table_name(k) for a in all_assets for k in a.keys if not is_scraped(k))


def real_dataset(folder: str | Path = REAL_2025_26) -> DatasetSource:
    """The dataset source on ``folder``: by default the real 2025-26 stretch shipped with the
    package (2025-10-21 ..), for ``Platform(home, league=real_dataset())``."""
    return DatasetSource(folder=str(folder))


class Platform:
    """The platform on an isolated home: a raw folder and a DuckDB warehouse under ``home``, a
    Dagster instance, and a source.

    ``league`` is the source resource: default ``SimulatedLeague()`` (seed 20241022, no faults);
    ``SimulatedLeague(seed=..., outages=..., corrupt=...)`` plants faults (specs as in
    :mod:`nba_backfill.sources.faults`); ``real_dataset()`` serves the real 2025-26 stretch; any
    resource answering the same calls (the live APIs) works. ``resources`` replace the defaults by key (e.g. a BigQuery ``warehouse``
    with its IO managers). ``instance`` defaults to an ephemeral (in-memory) Dagster instance;
    pass a persistent one to keep run history.

    One setting is still the environment's: the dates a scrape got a 5xx for are retried
    ``NBA_SCRAPER_RETRIES`` times within the step (default 1, after one 2 s wait); the ``nba_home``
    fixture sets 0, since a planted outage lasts the whole run.
    """

    def __init__(
        self,
        home: str | Path,
        *,
        league: Any = None,
        resources: Mapping[str, Any] | None = None,
        instance: dg.DagsterInstance | None = None,
    ):
        self.home = Path(home).resolve()
        self.resources: dict[str, Any] = {
            **local_storage(self.home),
            "league": league if league is not None else SimulatedLeague(),
            **(resources or {}),
        }
        self.instance = instance if instance is not None else dg.DagsterInstance.ephemeral()

    def materialize(
        self,
        start: dt.date | str,
        end: dt.date | str,
        selection: str | dg.AssetSelection | None = None,
        *,
        raise_on_error: bool = True,
    ) -> RangeResult:
        """One Dagster run of ``selection`` (default: every asset) over ``start``..``end`` inclusive,
        with the asset checks of what it materializes. Raises on a failed step unless
        ``raise_on_error`` is False (then inspect ``result.success`` and its events)."""
        with self._lock(f"Platform.materialize({start}, {end}, {selection!r})"):
            return materialize_range(
                start,
                end,
                selection=selection,
                resources=self.resources,
                instance=self.instance,
                raise_on_error=raise_on_error,
                log_level="ERROR",
            )

    def backfill(self, start: dt.date | str, end: dt.date | str, phases: str = "1-5", force: bool = False) -> Report:
        """What ``nba-backfill run`` does: plan (skip what is complete unless ``force``), run phase by
        phase isolating failed dates, and return its report (``failed``, ``blocked``, ``resume``...)."""
        start, end = as_date(start), as_date(end)
        with self._lock(f"Platform.backfill({start}, {end}, {phases!r}, force={force})"):
            session = self._session()
            outcome = session.run(session.plan(start, end, phases, force), Progress(enabled=False))
            return session.report(start, end, outcome, resume_command(start, end, phases, parallel=False), phases)

    def table(self, name: str, start: dt.date | str, end: dt.date | str) -> pd.DataFrame:
        """The rows of warehouse table ``name`` (``dataset.table``, e.g.
        ``nba_precompute.player_daily_cache``) on game dates ``start``..``end``."""
        if name not in WAREHOUSE_TABLES:
            raise ValueError(
                f"table {name!r} is not a warehouse table; expected one of {', '.join(sorted(WAREHOUSE_TABLES))}"
            )
        return self.resources["warehouse"].read(name, date_range(start, end))

    def status(self, start: dt.date | str, end: dt.date | str) -> pd.DataFrame:
        """The completeness matrix (``nba-backfill status``): per date its games and one state per
        phase (complete, no games, missing, failed, blocked, stale) with the reasons."""
        return self._session().matrix(as_date(start), as_date(end))

    def summary(self, start: dt.date | str, end: dt.date | str) -> dict[str, Any]:
        """The matrix in figures: ``game_dates``, ``complete_game_dates``, ``dates_needing_work``..."""
        return summarize(self.status(start, end))

    def validate(self, start: dt.date | str, end: dt.date | str) -> pd.DataFrame:
        """Every asset check evaluated over the range from the warehouse (``nba-backfill validate``)."""
        return self._session().validate(as_date(start), as_date(end))

    def _lock(self, call: str) -> contextlib.AbstractContextManager:
        # The command line's lock on the home: a script and an `nba-backfill run` on one home take turns.
        return operator_lock(
            self.home,
            f"nba_backfill.api {call}",
            True,
            lambda who: log.warning("%s: waiting for %s to finish", call, who),
        )

    def _session(self) -> Session:
        # A session per call: it reads the warehouse's ledger once, as it stands when asked.
        return Session(self.instance, self.resources)
