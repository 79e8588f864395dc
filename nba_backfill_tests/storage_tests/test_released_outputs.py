"""Memory a run hands back. Once stored, an output is let go: an in-process run does not keep a
chunk's raw files and tables alive to its last step (Dagster's in-process runs capture every output
for ``output_for_node``); and Arrow's freed buffers go back to the system."""

import gc
import weakref
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa

from nba_backfill.resources import local_storage

DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")
alive: dict[str, weakref.ref] = {}
held_during_run: list[str] = []


class Files(dict):
    """A raw-files output that can be weakly referenced (a plain dict cannot)."""


@dg.asset(
    partitions_def=DAYS, io_manager_key="raw_io_manager", key_prefix=["scraped"], metadata={"raw_prefixes": ["feed"]}
)
def scraped(context: dg.AssetExecutionContext) -> Files:
    files = Files({f"feed/{day}/a.json": b"{}" for day in context.partition_keys})
    alive["scraped"] = weakref.ref(files)
    return files


@dg.asset(partitions_def=DAYS, io_manager_key="warehouse_io_manager", key_prefix=["nba_raw"], deps=[scraped])
def table(context: dg.AssetExecutionContext) -> pd.DataFrame:
    df = pd.DataFrame(
        {"game_date": pd.to_datetime(context.partition_keys), "value": range(len(context.partition_keys))}
    )
    alive["table"] = weakref.ref(df)
    return df


@dg.asset(partitions_def=DAYS, deps=[table])
def last(context: dg.AssetExecutionContext) -> None:
    """Runs after both are stored: what they returned is gone by now."""
    gc.collect()
    held_during_run.extend(name for name, ref in alive.items() if ref() is not None)


def test_stored_outputs_are_not_kept_by_the_run(tmp_path: Path) -> None:
    resources: dict[str, Any] = local_storage(tmp_path)
    tags = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-03"}
    result = dg.materialize([scraped, table, last], resources=resources, tags=tags)
    assert result.success
    gc.collect()
    assert set(alive) == {"scraped", "table"} and held_during_run == []
    assert alive["scraped"]() is None and alive["table"]() is None
    stored = resources["warehouse"].read("nba_raw.table", [d.date() for d in pd.date_range("2024-01-01", periods=3)])
    assert stored["value"].tolist() == [0, 1, 2]


def test_arrow_hands_freed_memory_back() -> None:
    """Arrow allocates from the C library's allocator once the warehouse is imported (as every run
    does), not from pyarrow's mimalloc, which kept freed frames' memory mapped."""
    assert pa.default_memory_pool().backend_name == "system"
