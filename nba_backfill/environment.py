"""Every decision that depends on the deployment target (``NBA_BACKFILL_TARGET``) or the data
source (``NBA_BACKFILL_SOURCE``), in one place: which storage and source resources a run gets, its
executor, the kind badges and the backfill policy.

Locally (folder + DuckDB) a run is one process and steps run in sequence: DuckDB admits one writing
process per file, and the instance's run queue admits one run at a time. On GCP (GCS + BigQuery),
whose warehouse admits concurrent writers, a run is a process per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from nba_backfill import resources as build
from nba_backfill import settings
from nba_backfill.errors import ConfigurationError
from nba_backfill.sources.dataset import dataset_source
from nba_backfill.sources.live import live_source

#: A process per step, so a run's independent steps compute at once. Each is forked from a server
#: that has imported the platform once: spawning a fresh interpreter per step costs seconds.
parallel_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": ["nba_backfill.definitions"]}}}, name="parallel_executor"
)

STORAGE: dict[str, Callable[[], dict[str, Any]]] = {"local": build.local_storage, "gcp": build.gcp_storage}
SOURCES: dict[str, Callable[[], dict[str, Any]]] = {
    "simulated": build.simulated_source,
    "live": live_source,
    "dataset": dataset_source,
}


def resources() -> dict[str, Any]:
    """The target's storage (warehouse, raw store, their IO managers) and the source's clients."""
    return STORAGE[settings.target()]() | SOURCES[settings.source()]()


def executor() -> dg.ExecutorDefinition:
    return dg.in_process_executor if settings.target() == "local" else parallel_executor


def warehouse_kind() -> str:
    """The kind badge of where tables land: DuckDB locally, BigQuery on GCP."""
    return {"local": "duckdb", "gcp": "bigquery"}[settings.target()]


def raw_kinds() -> set[str]:
    """The kind badges of where raw responses land: a folder locally (no badge), GCS on GCP."""
    return {"local": set(), "gcp": {"gcs"}}[settings.target()]


def backfill_policy() -> dg.BackfillPolicy:
    """One run per range (a season is one run, not hundreds), or, with ``NBA_BACKFILL_RUN_DATES``
    on the gcp target, one run per chunk of that many dates: BigQuery admits concurrent writers, so
    a daemon backfill runs the disjoint chunks at once (within the instance's run limits)."""
    chunk = settings.run_dates()
    if chunk is None:
        return dg.BackfillPolicy.single_run()
    if settings.target() == "local":
        raise ConfigurationError(
            "NBA_BACKFILL_RUN_DATES: chunked backfills need NBA_BACKFILL_TARGET=gcp (DuckDB admits one writing process)"
        )
    return dg.BackfillPolicy.multi_run(chunk)
