"""Fingerprints in the partition ledger, on both warehouses: a change made outside the tool is
seen, and adopting it records its rows as written now."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.storage.gcp import gcp_storage
from nba_backfill.storage.warehouse import DuckDBWarehouse, Warehouse

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

D1, D2 = dt.date(2024, 11, 8), dt.date(2024, 11, 9)
TABLE = "nba_raw.example"


def rows(day: dt.date, points: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"game_date": pd.Timestamp(day), "player": [f"p{i}" for i in range(len(points))], "points": points}
    )


@pytest.fixture(params=["duckdb", "bigquery"])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "duckdb":
        return DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    request.getfixturevalue("gcp_env")
    return gcp_storage()["warehouse"]


def test_the_ledger_fingerprint_sees_a_change_made_outside_the_tool(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    recorded = warehouse.ledger().set_index("game_date")["fingerprint"]
    current = warehouse.current([TABLE, "nba_raw.never_written"]).set_index("game_date")["fingerprint"]
    assert recorded.notna().all() and recorded.to_dict() == current.to_dict()
    warehouse.query(f"UPDATE {TABLE} SET points = 11 WHERE points = 10")
    after = warehouse.current([TABLE]).set_index("game_date")["fingerprint"]
    assert (
        after[pd.Timestamp(D1)] != recorded[pd.Timestamp(D1)] and after[pd.Timestamp(D2)] == recorded[pd.Timestamp(D2)]
    )


def test_adopting_a_changed_partition_records_its_rows_as_written_now(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    before = warehouse.ledger().set_index("game_date")
    warehouse.query(f"UPDATE {TABLE} SET points = 11 WHERE points = 10")
    warehouse.adopt(TABLE, [D1])
    after = warehouse.ledger().set_index("game_date")
    current = warehouse.current([TABLE]).set_index("game_date")["fingerprint"]
    assert after["fingerprint"].to_dict() == current.to_dict()
    assert after.loc[pd.Timestamp(D1), "written_at"] > before.loc[pd.Timestamp(D1), "written_at"]
    assert after.loc[pd.Timestamp(D2), "written_at"] == before.loc[pd.Timestamp(D2), "written_at"]


def test_a_partition_rewritten_empty_has_no_fingerprint_and_is_not_seen_as_changed(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    warehouse.replace_partitions(TABLE, rows(D1, []), [D1])
    ledger = warehouse.ledger().set_index("game_date")
    assert ledger.loc[pd.Timestamp(D1), "row_count"] == 0 and pd.isna(ledger.loc[pd.Timestamp(D1), "fingerprint"])
    assert pd.notna(ledger.loc[pd.Timestamp(D2), "fingerprint"])


def test_current_reads_only_the_partitions_asked_about(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    everything = warehouse.current([TABLE]).set_index("game_date")
    one = warehouse.current([TABLE], [D2]).set_index("game_date")
    assert list(one.index) == [pd.Timestamp(D2)]
    assert one.loc[pd.Timestamp(D2), "fingerprint"] == everything.loc[pd.Timestamp(D2), "fingerprint"]
