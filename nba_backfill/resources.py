"""How each backend's and each source's resources are built; which ones a run gets is decided in
``environment.py`` with the other environment choices. Asset code never names a backend or a source."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nba_backfill import settings
from nba_backfill.sources.faults import CORRUPT_ENV, OUTAGES_ENV, UNPUBLISHED_ENV
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill.storage.io_managers import RawFilesIOManager, WarehouseIOManager
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill.storage.warehouse import DuckDBWarehouse


def local_storage(home: Path | None = None) -> dict[str, Any]:
    """A raw folder and a DuckDB warehouse under ``home`` (default: ``NBA_BACKFILL_HOME``)."""
    home = home or settings.home()
    warehouse = DuckDBWarehouse(path=str(home / "warehouse.duckdb"))
    raw_store = LocalRawStore(root=str(home / "raw"))
    return {
        "raw_io_manager": RawFilesIOManager(store=raw_store, warehouse=warehouse),
        "raw_store": raw_store,
        "warehouse_io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
    }


def gcp_storage() -> dict[str, Any]:
    # Imported on use: the Google clients add ~0.35 s to every start of the local target.
    from nba_backfill.storage.gcp import gcp_storage as build

    return build()


def simulated_source() -> dict[str, Any]:
    """The simulated league of the command line: its seed and faults are the ``NBA_SIM_*`` variables
    (the resource itself reads no environment; code passes them as values)."""
    return {
        "league": SimulatedLeague(
            seed=settings.sim_seed(),
            outages=os.environ.get(OUTAGES_ENV, ""),
            corrupt=os.environ.get(CORRUPT_ENV, ""),
            unpublished=os.environ.get(UNPUBLISHED_ENV, ""),
        )
    }
