"""Kept copies: what a write replaced, kept under the id of the operation that replaced it.

Every partition replacement made through the IO managers first keeps the partition as it was
(its rows, and its ledger entry: row count and written_at, or "never written") under the id of
the operation that is writing, in the same transaction as the replacement. An operation is one
``nba-backfill run`` (its runs carry ``OPERATION_TAG``), one Dagster backfill (``dagster/backfill``)
or else one Dagster run. Within an operation only the first replacement of a partition is kept:
that is the state before the operation. ``nba-backfill rollback --run-id ID`` puts them back.

Both warehouses store them alike: ``nba_kept.partition_ledger`` (one row per operation, table and
date) and ``nba_kept.<dataset>__<table>`` (the rows, with a ``kept_for`` column).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping

import pandas as pd

#: On every run of one ``nba-backfill run``: the id its kept copies are filed under.
OPERATION_TAG = "nba_backfill/operation"
BACKFILL_TAG = "dagster/backfill"
KEPT_SCHEMA = "nba_kept"
KEPT_LEDGER = f"{KEPT_SCHEMA}.partition_ledger"
KEPT_LEDGER_COLUMNS = "kept_for, table_name, game_date, row_count, written_at, kept_at"
#: Dagster run ids (uuid), backfill ids and nba-backfill operation ids all have this shape; an id
#: also travels into BigQuery scripts as a literal (the emulator binds no parameters there).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def valid_id(value: str) -> str:
    """``value`` if it has the shape of an operation id, else ValueError naming it."""
    if not _ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a run id (letters, digits, - and _, up to 64)")
    return value


def new_operation_id() -> str:
    """The id one ``nba-backfill run`` files its kept copies under: sortable and unique."""
    return f"run-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def operation_of(tags: Mapping[str, str], run_id: str) -> str:
    """The operation a Dagster run belongs to: its nba-backfill operation, its backfill, or itself."""
    return valid_id(tags.get(OPERATION_TAG) or tags.get(BACKFILL_TAG) or run_id)


def kept_table(table: str) -> str:
    """Where the replaced rows of ``dataset.table`` are kept."""
    dataset, name = table.split(".")
    return f"{KEPT_SCHEMA}.{dataset}__{name}"


def empty_kept() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kept_for": pd.Series(dtype=str),
            "table_name": pd.Series(dtype=str),
            "game_date": pd.Series(dtype="datetime64[ns]"),
            "row_count": pd.Series(dtype="Int64"),
            "written_at": pd.Series(dtype="datetime64[ns, UTC]"),
            "kept_at": pd.Series(dtype="datetime64[ns, UTC]"),
        }
    )
