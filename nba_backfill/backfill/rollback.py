"""Undo an operation: put back the partitions a run (or a backfill) replaced, from the kept copies.

The warehouse restores rows and ledger entries in one transaction (storage/kept.py says what is
kept). Then the Dagster instance is told, so that ``status`` and ``plan`` read the truth:

- a restored partition gets a runless materialization (metadata: the run it undoes, its rows)
  and fresh results of its asset's checks, computed on the restored rows: the instance's last
  word on it is about the data now in place, not the data rolled back;
- a partition that did not exist before the run is removed (rows and ledger entry), so it reads
  as missing and the next ``run`` computes it again.

A rollback is refused, naming them, when a later operation rewrote some of the same partitions
and was not rolled back first: undo happens newest first. Kept copies stay until pruned
(``rollback --prune DAYS``); a rollback consumes the copies it puts back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.backfill.run import stretches
from nba_backfill.checks.catalogue import Check
from nba_backfill.naming import table_name
from nba_backfill.storage.kept import valid_id
from nba_backfill.storage.warehouse import Warehouse

#: On the check runs a rollback starts: the run it undid.
ROLLBACK_TAG = "nba_backfill/rolled_back"


class RollbackError(Exception):
    """Nothing to roll back, or not yet: one line, exit 2."""


def operations(warehouse: Warehouse) -> list[dict]:
    """Every operation with kept copies, newest first: what a rollback of it would put back."""
    kept = warehouse.kept()
    out = []
    for kept_for, rows in kept.groupby("kept_for"):
        out.append(
            {
                "run_id": kept_for,
                "kept_at": rows["kept_at"].max().isoformat(timespec="seconds"),
                "tables": int(rows["table_name"].nunique()),
                "partitions": len(rows),
                "dates": f"{rows['game_date'].min().date()}..{rows['game_date'].max().date()}",
            }
        )
    return sorted(out, key=lambda o: o["kept_at"], reverse=True)


def _later(kept: pd.DataFrame, kept_for: str) -> list[str]:
    """Operations that replaced one of ``kept_for``'s partitions after it did."""
    mine = kept[kept["kept_for"] == kept_for]
    others = kept[kept["kept_for"] != kept_for].merge(mine, on=["table_name", "game_date"], suffixes=("", "_mine"))
    return sorted(set(others.loc[others["kept_at"] > others["kept_at_mine"], "kept_for"]))


def rollback(warehouse: Warehouse, kept_for: str) -> pd.DataFrame:
    """Restore what ``kept_for`` replaced; returns the kept ledger rows that were put back."""
    try:
        valid_id(kept_for)
    except ValueError as err:
        raise RollbackError(str(err)) from None
    kept = warehouse.kept()
    mine = kept[kept["kept_for"] == kept_for]
    if mine.empty:
        raise RollbackError(
            f"nothing is kept for run id {kept_for} (never run, pruned or rolled back already; "
            "nba-backfill rollback --list shows what can be)"
        )
    later = _later(kept, kept_for)
    if later:
        raise RollbackError(
            f"run id {kept_for}: some of its partitions were rewritten since by "
            f"{', '.join(later)}; roll those back first (newest first)"
        )
    warehouse.restore(kept_for)
    return mine


def record(
    instance: dg.DagsterInstance,
    restored: pd.DataFrame,
    kept_for: str,
    checks: Sequence[Check],
    resources: Mapping[str, Any],
) -> int:
    """Tell the instance what is in place now: a materialization per restored partition, then its
    asset's checks run (a Dagster run per set of dates) on the restored rows. Returns the number
    of check runs that failed to execute (a check that runs and fails is a result, not a failure)."""
    back = restored[restored["row_count"].notna()]
    for r in back.itertuples():
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                asset_key=dg.AssetKey(r.table_name.split(".")),
                partition=str(r.game_date.date()),
                description=f"restored by nba-backfill rollback --run-id {kept_for}",
                metadata={
                    "rolled_back_run": kept_for,
                    "rows": int(r.row_count),
                    "written_at": r.written_at.isoformat(),
                },
            )
        )
    by_dates: dict[frozenset[dt.date], list[dg.AssetCheckKey]] = {}
    for check in checks:
        dates = frozenset(back.loc[back["table_name"] == table_name(check.asset), "game_date"].dt.date)
        if dates:
            by_dates.setdefault(dates, []).append(check.key)
    failed = 0
    for dates, keys in by_dates.items():
        for stretch in stretches(set(dates)):
            result = materialize_range(
                stretch[0],
                stretch[-1],
                selection=dg.AssetSelection.checks(*keys),
                resources=resources,
                instance=instance,
                raise_on_error=False,
                log_level="CRITICAL",
                tags={ROLLBACK_TAG: kept_for},
            )
            failed += not result.success
    return failed


def prunable(warehouse: Warehouse, days: int) -> list[str]:
    """Operations whose copies were all kept more than ``days`` days ago."""
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    return [o["run_id"] for o in operations(warehouse) if dt.datetime.fromisoformat(o["kept_at"]) < cutoff]
