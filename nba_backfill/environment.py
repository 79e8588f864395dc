"""Every decision that depends on the deployment target (``NBA_BACKFILL_TARGET``), in one place.

Locally (folder + DuckDB) a run is one process and steps run in sequence: DuckDB admits one writing
process per file, and the instance's run queue admits one run at a time. On GCP (GCS + BigQuery),
whose warehouse admits concurrent writers, a run is a process per step.
"""

from __future__ import annotations

import dagster as dg

from nba_backfill import settings

#: A process per step, so a run's independent steps compute at once. Each is forked from a server
#: that has imported the platform once: spawning a fresh interpreter per step costs seconds.
parallel_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": ["nba_backfill.definitions"]}}}, name="parallel_executor")


def executor() -> dg.ExecutorDefinition:
    return dg.in_process_executor if settings.target() == "local" else parallel_executor


def warehouse_kind() -> str:
    """The kind badge of where tables land: DuckDB locally, BigQuery on GCP."""
    return {"local": "duckdb", "gcp": "bigquery"}[settings.target()]


def raw_kinds() -> set[str]:
    """The kind badges of where raw responses land: a folder locally (no badge), GCS on GCP."""
    return {"local": set(), "gcp": {"gcs"}}[settings.target()]
