"""Partition replacement: exact, atomic, and honest about empty partitions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.storage.warehouse import DuckDBWarehouse

D1, D2 = dt.date(2024, 11, 8), dt.date(2024, 11, 9)
TABLE = "nba_raw.example"


def rows(day: dt.date, points: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"game_date": pd.Timestamp(day), "player": [f"p{i}" for i in range(len(points))], "points": points})


@pytest.fixture
def warehouse(tmp_path) -> DuckDBWarehouse:
    return DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))


def test_rewriting_a_partition_replaces_exactly_its_rows(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    warehouse.replace_partitions(TABLE, rows(D1, [11, 21, 31]), [D1])
    warehouse.replace_partitions(TABLE, rows(D1, [11, 21, 31]), [D1])
    got = warehouse.read(TABLE, [D1, D2])
    assert sorted(got.loc[got.game_date == pd.Timestamp(D1), "points"]) == [11, 21, 31]
    assert list(got.loc[got.game_date == pd.Timestamp(D2), "points"]) == [5]


def test_an_empty_result_clears_the_partition_and_is_recorded_as_written(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1])
    warehouse.replace_partitions(TABLE, rows(D1, [])[["game_date", "player", "points"]], [D1])
    assert warehouse.read(TABLE, [D1]).empty
    assert warehouse.present_dates(TABLE, [D1, D2]) == {D1}


def test_game_date_is_stored_as_a_date(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10]), [D1])
    kind = warehouse.query("SELECT data_type FROM information_schema.columns WHERE table_name='example' AND column_name='game_date'")
    assert kind.iloc[0, 0] == "DATE"


def test_a_failed_write_leaves_the_previous_rows(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1])
    bad = rows(D1, [1]).assign(points="not a number")
    with pytest.raises(Exception):
        warehouse.replace_partitions(TABLE, bad, [D1])
    assert sorted(warehouse.read(TABLE, [D1])["points"]) == [10, 20]
    assert warehouse.present_dates(TABLE, [D1]) == {D1}


def test_a_never_written_partition_is_absent_from_the_ledger(warehouse):
    assert warehouse.present_dates(TABLE, [D1]) == set()
    assert warehouse.read(TABLE, [D1]).empty


def test_a_column_with_no_values_yet_accepts_values_later(warehouse):
    first = rows(D1, [10]).assign(primary_zone=None)
    warehouse.replace_partitions(TABLE, first, [D1])
    warehouse.replace_partitions(TABLE, rows(D2, [5]).assign(primary_zone="paint"), [D2])
    assert list(warehouse.read(TABLE, [D1, D2])["primary_zone"].fillna("-")) == ["-", "paint"]
