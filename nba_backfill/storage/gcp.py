"""The production storage: raw files in a GCS bucket and tables in BigQuery, configured from the environment.

| variable | default | meaning |
| --- | --- | --- |
| ``GCP_PROJECT`` | required | the project that holds the datasets and the bucket |
| ``NBA_RAW_BUCKET`` | required | the bucket for raw files (it must already exist) |
| ``NBA_RAW_PREFIX`` | ``""`` | object-name prefix inside the bucket |
| ``BQ_LOCATION`` | ``us-west2`` | where datasets are created and jobs run |
| ``NBA_BQ_DATASET_PREFIX`` | ``""`` | a prefix on every dataset name, e.g. ``ci_1234_`` for an isolated CI run |

Both clients use the ambient Google credentials (Application Default Credentials). No key
passes through Dagster config. ``BIGQUERY_EMULATOR_HOST`` and ``STORAGE_EMULATOR_HOST`` point
them at emulators instead.
"""

from __future__ import annotations

import os
from typing import Any

from dagster_gcp import GCSResource

from nba_backfill.errors import ConfigurationError
from nba_backfill.storage.bigquery_warehouse import BigQueryWarehouse
from nba_backfill.storage.gcs_raw_store import GCSRawStore
from nba_backfill.storage.io_managers import RawFilesIOManager, WarehouseIOManager

DEFAULT_LOCATION = "us-west2"


def gcp_storage() -> dict[str, Any]:
    """The same resource keys as ``resources.local_storage()``, on GCS and BigQuery."""
    project = _required("GCP_PROJECT")
    warehouse = BigQueryWarehouse(
        project=project,
        location=os.environ.get("BQ_LOCATION") or DEFAULT_LOCATION,
        dataset_prefix=os.environ.get("NBA_BQ_DATASET_PREFIX", ""),
    )
    raw_store = GCSRawStore(
        bucket=_required("NBA_RAW_BUCKET"),
        prefix=os.environ.get("NBA_RAW_PREFIX", ""),
        gcs=GCSResource(project=project),
    )
    return {
        "raw_io_manager": RawFilesIOManager(store=raw_store, warehouse=warehouse),
        "raw_store": raw_store,
        "warehouse_io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
    }


def _required(variable: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        raise ConfigurationError(f"{variable} is not set: the gcp target (NBA_BACKFILL_TARGET=gcp) needs it")
    return value
