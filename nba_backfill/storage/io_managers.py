"""IO managers: they do the reading and writing so asset bodies stay transformations.

- ``RawFilesIOManager``: a Phase 1 asset returns ``{object path: response body}``. Like the
  original bucket, the raw store keeps every scrape (file names carry the capture time), so a bad
  re-scrape never destroys the last good payload; Phase 2 parses the latest file of each game.
  Downstream assets get a lazy mapping that decodes one file when it is read: a season of
  play-by-play is ~140 MB of JSON but would be ~1.5 GB of Python objects held at once.
- ``WarehouseIOManager``: DataFrames in and out of ``<dataset>.<table>``, a partition at a time.
  A loaded frame carries ``attrs["requested_dates"]`` and ``attrs["present_dates"]`` so a lookback
  consumer can tell a quiet day from a partition that was never written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import dagster as dg
import pandas as pd
from dagster._core.execution.plan.outputs import StepOutputHandle

from nba_backfill import bounded_json
from nba_backfill.errors import RawPayloadError
from nba_backfill.naming import table_name
from nba_backfill.storage.kept import operation_of
from nba_backfill.storage.raw_store import RawStore
from nba_backfill.storage.warehouse import Warehouse

_DATE_SEGMENT = re.compile(r"/(\d{4}-\d{2}-\d{2})/")


class Dates(tuple):
    """Dates a frame carries in ``attrs``: immutable, so never copied. pandas deep-copies a frame's
    attrs into the result of every operation on it; a season's list of dates, copied date by date
    on each, cost a sixth of a check run's time."""

    def __deepcopy__(self, memo: dict) -> Dates:
        return self


def partition_dates(keys: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(k) for k in keys]


def path_date(path: str) -> dt.date:
    found = _DATE_SEGMENT.search(path)
    if not found:
        raise RawPayloadError(path, None, "object path has no /YYYY-MM-DD/ segment")
    return dt.date.fromisoformat(found.group(1))


def keep_as(context: dg.OutputContext) -> str:
    """The operation a write belongs to, under which what it replaces is kept (storage/kept.py)."""
    return operation_of(context.step_context.dagster_run.tags, context.run_id)


def release(context: dg.OutputContext) -> None:
    """Let go of an output once it is stored. An in-process run (``dg.materialize``) keeps every
    step's output in memory to its end, for ``result.output_for_node``, which nothing here reads:
    a chunk's raw files and parsed tables (~150 MiB for 124 dates of Phase 2) stayed alive until
    the run's last step, and its frames until the next run replaced the result."""
    captured = context.step_context.output_capture
    if captured is not None:
        captured.pop(StepOutputHandle(context.step_key, context.name, context.mapping_key), None)


def raw_prefixes(definition_metadata: Mapping[str, Any]) -> list[str]:
    """The object-path prefixes (before the date) that a Phase 1 asset owns."""
    value = definition_metadata["raw_prefixes"]
    return list(value.value if hasattr(value, "value") else value)


def encode(payload: Any) -> bytes:
    """A response body as stored: bytes pass through, decoded JSON is re-encoded compactly."""
    return payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()


class LazyPayloads(Mapping[str, Any]):
    """Object path -> decoded JSON, read from the raw store only when asked for."""

    def __init__(self, store: RawStore, paths: list[str]):
        self._store, self._paths = store, paths

    def __getitem__(self, path: str) -> Any:
        if path not in self._paths:
            raise KeyError(path)
        return bounded_json.load(self._store.read(path), path, path_date(path))

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def on(self, dates: Collection[dt.date]) -> LazyPayloads:
        """The payloads of ``dates`` only (what a block of a range's dates parses)."""
        return LazyPayloads(self._store, [path for path in self._paths if path_date(path) in dates])


class RawFilesIOManager(dg.ConfigurableIOManager):
    store: RawStore
    #: Where the partition ledger lives: scraped partitions are recorded next to the tables'.
    warehouse: Warehouse

    def handle_output(self, context: dg.OutputContext, obj: Mapping[str, Any]) -> None:
        dates = set(partition_dates(context.asset_partition_keys))
        stray = sorted({str(path_date(p)) for p in obj} - {str(d) for d in dates})
        if stray:
            raise ValueError(f"{context.asset_key.to_user_string()}: files for dates outside the run: {stray}")
        for path, payload in obj.items():
            self.store.write(path, encode(payload))
        files_per_date = {day: sum(path_date(p) == day for p in obj) for day in dates}
        self.warehouse.record_partitions(table_name(context.asset_key), files_per_date, keep_as(context))
        context.add_output_metadata({"run_files": len(obj), "run_dates": len(dates)})
        release(context)

    def load_input(self, context: dg.InputContext) -> LazyPayloads:
        prefixes = raw_prefixes(context.upstream_output.definition_metadata)
        days = partition_dates(context.asset_partition_keys)
        paths = [path for day in days for prefix in prefixes for path in self.store.list(f"{prefix}/{day}/")]
        return LazyPayloads(self.store, paths)


class WarehouseIOManager(dg.ConfigurableIOManager):
    warehouse: Warehouse

    @staticmethod
    def table(key: dg.AssetKey) -> str:
        return table_name(key)

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        dates = partition_dates(context.asset_partition_keys)
        table = self.table(context.asset_key)
        if len(obj):
            outside = sorted(set(obj["game_date"].dt.date) - set(dates))
            if outside:
                raise ValueError(f"{table}: rows for dates outside the run's partitions: {outside[:10]}")
        self.warehouse.replace_partitions(table, obj, dates, keep_as(context))
        release(context)

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = self.table(context.asset_key)
        # A lookback of the very first partition maps to no upstream partition at all.
        dates = partition_dates(context.asset_partition_keys)
        columns = context.definition_metadata.get("columns")
        df = self.warehouse.read(table, dates, columns) if dates else pd.DataFrame()
        df.attrs["requested_dates"] = Dates(dates)
        df.attrs["present_dates"] = Dates(sorted(self.warehouse.present_dates(table, dates)) if dates else [])
        return df
