"""Partition replacement: exact, atomic, and honest about empty partitions."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from nba_backfill.errors import WarehouseError
from nba_backfill.storage.io_managers import Dates
from nba_backfill.storage.warehouse import DuckDBWarehouse

D1, D2 = dt.date(2024, 11, 8), dt.date(2024, 11, 9)
TABLE = "nba_raw.example"


def rows(day: dt.date, points: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"game_date": pd.Timestamp(day), "player": [f"p{i}" for i in range(len(points))], "points": points}
    )


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
    kind = warehouse.query(
        "SELECT data_type FROM information_schema.columns WHERE table_name='example' AND column_name='game_date'"
    )
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


def hold_the_file(path: str, seconds: float) -> subprocess.Popen:
    """Another process with the warehouse open (a run, or `nba-backfill status` during one)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; con = duckdb.connect({path!r}); "
            f"print('held', flush=True); time.sleep({seconds})",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_warehouse_held_by_another_process_is_waited_for(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10]), [D1])
    holder = hold_the_file(warehouse.path, 2)
    warehouse.replace_partitions(TABLE, rows(D1, [11, 12]), [D1])
    assert holder.wait() == 0
    assert sorted(warehouse.read(TABLE, [D1])["points"]) == [11, 12]


def test_a_warehouse_held_too_long_fails_naming_the_file_and_keeps_the_rows(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10]), [D1])
    holder = hold_the_file(warehouse.path, 30)
    try:
        impatient = warehouse.model_copy(update={"lock_timeout_seconds": 0.5})
        with pytest.raises(WarehouseError, match=rf"{warehouse.path} stayed in use by another process for 0.5 s"):
            impatient.replace_partitions(TABLE, rows(D1, [11]), [D1])
    finally:
        holder.kill()
        holder.wait()
    assert list(warehouse.read(TABLE, [D1])["points"]) == [10]


def test_the_ledger_is_empty_before_the_first_write_and_lists_every_write_after(warehouse):
    assert warehouse.ledger().empty and list(warehouse.ledger().columns) == [
        "table_name",
        "game_date",
        "row_count",
        "written_at",
        "fingerprint",
    ]
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1, D2])
    ledger = warehouse.ledger().sort_values("game_date")
    assert list(zip(ledger.table_name, ledger.game_date.dt.date, ledger.row_count)) == [(TABLE, D1, 2), (TABLE, D2, 0)]


def test_a_ledger_that_cannot_be_read_is_an_error_not_an_empty_ledger(tmp_path):
    (tmp_path / "w.duckdb").write_text("not a database")
    with pytest.raises(duckdb.Error):
        DuckDBWarehouse(path=str(tmp_path / "w.duckdb")).ledger()


def test_the_dates_a_loaded_frame_carries_are_shared_by_what_pandas_derives_not_copied():
    frame = pd.DataFrame({"x": [1, 2]})
    frame.attrs["present_dates"] = Dates([D1, D2])
    derived = frame[frame["x"] > 1].assign(y=1).sort_values("x")
    assert derived.attrs["present_dates"] is frame.attrs["present_dates"]  # pandas deep-copies attrs
    assert set(derived.attrs["present_dates"]) == {D1, D2}


def test_a_new_column_keeps_the_fingerprints_of_unchanged_partitions_matching(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    warehouse.query(f"UPDATE {TABLE} SET points = 6 WHERE points = 5")  # D2 changed outside the tool
    warehouse.replace_partitions(TABLE, rows(D1, [12]).assign(minutes=30), [D1])  # gains a column
    recorded = warehouse.ledger().set_index("game_date")["fingerprint"]
    current = warehouse.current([TABLE]).set_index("game_date")["fingerprint"]
    assert recorded[pd.Timestamp(D1)] == current[pd.Timestamp(D1)]
    assert recorded[pd.Timestamp(D2)] != current[pd.Timestamp(D2)]  # still seen as changed
