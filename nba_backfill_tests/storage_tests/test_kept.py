"""Kept copies: a write keeps what it replaces, restore puts it back byte for byte, on both warehouses."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.storage.gcp import gcp_storage
from nba_backfill.storage.warehouse import DuckDBWarehouse, Warehouse

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

D1, D2, D3 = dt.date(2024, 11, 8), dt.date(2024, 11, 9), dt.date(2024, 11, 10)
TABLE = "nba_raw.example"
SCRAPED = "scraped.example_feed"


def rows(day: dt.date, points: list[float], note: str | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "player": [f"p{i}" for i in range(len(points))],
            "points": points,
            "note": note,
            "at": pd.Timestamp("2024-11-08 19:30:00.123456", tz="UTC"),
        }
    )


@pytest.fixture(params=["duckdb", "bigquery"])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "duckdb":
        return DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    request.getfixturevalue("gcp_env")
    return gcp_storage()["warehouse"]


def table(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.read(TABLE, [D1, D2, D3]).sort_values(["game_date", "player"]).reset_index(drop=True)


def ledger(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.ledger().sort_values(["table_name", "game_date"]).reset_index(drop=True)


def test_restore_puts_back_rows_and_ledger_as_they_were_before_the_operation(warehouse):
    warehouse.replace_partitions(
        TABLE, pd.concat([rows(D1, [10.5, 20.25], "first"), rows(D2, [5.0])]), [D1, D2], "op-1"
    )
    warehouse.record_partitions(SCRAPED, {D1: 3, D2: 1}, "op-1")
    rows_before, ledger_before = table(warehouse), ledger(warehouse)

    # op-2 rewrites D1 twice (the first copy is the state before it), clears D2, first writes D3
    warehouse.replace_partitions(TABLE, rows(D1, [1.0]), [D1], "op-2")
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [2.0, 3.0, 4.0]), rows(D3, [7.0])]), [D1, D2, D3], "op-2")
    warehouse.record_partitions(SCRAPED, {D1: 9}, "op-2")
    assert not table(warehouse).equals(rows_before)
    kept = warehouse.kept()
    mine = kept[kept["kept_for"] == "op-2"].sort_values(["table_name", "game_date"])
    assert list(zip(mine["table_name"], mine["game_date"].dt.date, mine["row_count"])) == [
        (TABLE, D1, 2),
        (TABLE, D2, 1),
        (TABLE, D3, pd.NA),
        (SCRAPED, D1, 3),
    ]

    warehouse.restore("op-2")

    pd.testing.assert_frame_equal(table(warehouse), rows_before)
    pd.testing.assert_frame_equal(ledger(warehouse), ledger_before)  # written_at included; D3 never written again
    assert set(warehouse.kept()["kept_for"]) == {"op-1"}  # the copies put back are consumed


def test_a_failed_write_keeps_nothing(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10.0]), [D1], "op-1")
    with pytest.raises(Exception):
        warehouse.replace_partitions(TABLE, rows(D1, [1.0]).assign(points="not a number"), [D1], "op-2")
    assert set(warehouse.kept()["kept_for"]) == {"op-1"}


def test_prune_drops_the_copies_of_the_named_operations_only(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10.0]), [D1], "op-1")
    warehouse.replace_partitions(TABLE, rows(D1, [11.0]), [D1], "op-2")
    warehouse.prune_kept(["op-1"])
    assert set(warehouse.kept()["kept_for"]) == {"op-2"}
    warehouse.restore("op-2")
    assert list(table(warehouse)["points"]) == [10.0]


def test_an_id_that_is_not_an_id_never_reaches_sql(warehouse):
    with pytest.raises(ValueError, match="is not a run id"):
        warehouse.replace_partitions(TABLE, rows(D1, [10.0]), [D1], "x'; DROP TABLE nba_meta.partition_ledger; --")
