"""The gcp target (GCS raw store, BigQuery warehouse) against in-process emulators: the same
contract as the local target, and the whole graph running on it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import BadRequest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.resources import simulated_source
from nba_backfill.sources.credits import POLICY_ENV
from nba_backfill.storage.bigquery_warehouse import BigQueryWarehouse, WarehouseError
from nba_backfill.storage.gcp import gcp_storage
from nba_backfill.storage.gcs_raw_store import GCSRawStore
from nba_backfill_tests.storage_tests.conftest import BUCKET, PROJECT

# bqemulator warns about its own DuckDB usage on every query; it says nothing about this code.
pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

D1, D2 = dt.date(2024, 11, 8), dt.date(2024, 11, 9)
TABLE = "nba_raw.example"


def rows(day: dt.date, points: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"game_date": pd.Timestamp(day), "player": [f"p{i}" for i in range(len(points))], "points": points}
    )


@pytest.fixture
def warehouse(gcp_env: str) -> BigQueryWarehouse:
    return gcp_storage()["warehouse"]


@pytest.fixture
def raw_store(gcp_env: str) -> GCSRawStore:
    return gcp_storage()["raw_store"]


def bigquery_client(emulator_url: str, project: str) -> bigquery.Client:
    options = ClientOptions(api_endpoint=emulator_url)
    return bigquery.Client(project, credentials=AnonymousCredentials(), client_options=options)


# -- GCS raw store -----------------------------------------------------------------------------


def test_raw_files_round_trip_under_the_object_prefix(raw_store):
    day = "nba-com/boxscores/2024-11-08"
    raw_store.write(f"{day}/0022400124/20241109_101500.json", b'{"b": 2}')
    raw_store.write(f"{day}/0022400123/20241109_101500.json", b'{"a": 1}')
    raw_store.write("nba-com/boxscores/2024-11-09/0022400130/20241110_101500.json", b"{}")

    assert raw_store.list(f"{day}/") == [
        f"{day}/0022400123/20241109_101500.json",
        f"{day}/0022400124/20241109_101500.json",
    ]
    assert raw_store.read(f"{day}/0022400123/20241109_101500.json") == b'{"a": 1}'
    names = [b.name for b in raw_store.gcs.get_client().list_blobs(raw_store.bucket, prefix=raw_store.prefix)]
    assert f"{raw_store.prefix}/{day}/0022400123/20241109_101500.json" in names

    raw_store.delete(f"{day}/0022400123/20241109_101500.json")
    raw_store.delete(f"{day}/0022400123/20241109_101500.json")  # already gone: no error
    assert raw_store.list(f"{day}/") == [f"{day}/0022400124/20241109_101500.json"]
    with pytest.raises(FileNotFoundError, match="0022400123"):
        raw_store.read(f"{day}/0022400123/20241109_101500.json")
    assert raw_store.list("nba-com/play-by-play/2024-11-08/") == []


# -- BigQuery warehouse: the DuckDBWarehouse contract ------------------------------------------


def test_rewriting_a_partition_replaces_exactly_its_rows_and_is_idempotent(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10, 20]), rows(D2, [5])]), [D1, D2])
    warehouse.replace_partitions(TABLE, rows(D1, [11, 21, 31]), [D1])
    warehouse.replace_partitions(TABLE, rows(D1, [11, 21, 31]), [D1])
    got = warehouse.read(TABLE, [D1, D2])
    assert sorted(got.loc[got.game_date == pd.Timestamp(D1), "points"]) == [11, 21, 31]
    assert list(got.loc[got.game_date == pd.Timestamp(D2), "points"]) == [5]
    ledger = warehouse.query("SELECT game_date, row_count FROM nba_meta.partition_ledger WHERE table_name = ?", [TABLE])
    assert dict(zip(ledger.game_date.dt.date, ledger.row_count)) == {D1: 3, D2: 1}


def test_an_empty_result_clears_the_partition_and_is_recorded_as_written(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1])
    warehouse.replace_partitions(TABLE, rows(D1, []), [D1])
    assert warehouse.read(TABLE, [D1]).empty
    assert warehouse.present_dates(TABLE, [D1, D2]) == {D1}


def test_a_failed_write_leaves_the_previous_rows_and_names_the_table(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1])
    bad = rows(D1, [1]).assign(points="not a number")
    with pytest.raises(WarehouseError, match=rf"{TABLE} {D1}"):
        warehouse.replace_partitions(TABLE, bad, [D1])
    assert sorted(warehouse.read(TABLE, [D1])["points"]) == [10, 20]
    ledger = warehouse.query("SELECT row_count FROM nba_meta.partition_ledger WHERE table_name = ?", [TABLE])
    assert list(ledger.row_count) == [2]


def test_a_never_written_partition_is_absent_from_the_ledger(warehouse):
    assert warehouse.present_dates(TABLE, [D1]) == set()
    assert warehouse.read(TABLE, [D1]).empty
    assert list(warehouse.read(TABLE, [D1], ["points"]).columns) == ["game_date", "points"]


def test_the_ledger_is_empty_before_the_first_write_and_lists_every_write_after(warehouse):
    assert warehouse.ledger().empty
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1, D2])
    ledger = warehouse.ledger().sort_values("game_date")
    assert list(zip(ledger.table_name, ledger.game_date.dt.date, ledger.row_count)) == [(TABLE, D1, 2), (TABLE, D2, 0)]


def test_tables_are_partitioned_by_a_date_typed_game_date(warehouse, gcp_env, bigquery_emulator):
    warehouse.replace_partitions(TABLE, rows(D1, [10]), [D1])
    table = bigquery_client(bigquery_emulator, warehouse.project).get_table(f"{gcp_env}{TABLE}")
    assert (table.time_partitioning.field, table.time_partitioning.type_) == ("game_date", "DAY")
    assert {f.name: f.field_type for f in table.schema}["game_date"] == "DATE"


def test_reads_give_datetime_game_dates_and_arrow_strings_for_the_dates_asked(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10]), rows(D2, [5, 6])]), [D1, D2])
    got = warehouse.read(TABLE, [D2], columns=["points"])
    assert list(got.columns) == ["game_date", "points"]
    assert got.game_date.dtype.kind == "M" and set(got.game_date) == {pd.Timestamp(D2)}
    assert isinstance(warehouse.read(TABLE, [D2])["player"].dtype, pd.StringDtype)
    assert warehouse.present_dates(TABLE, [D1, D2, dt.date(2024, 11, 10)]) == {D1, D2}


def test_a_column_with_no_values_yet_accepts_values_later(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10]).assign(primary_zone=None), [D1])
    warehouse.replace_partitions(TABLE, rows(D2, [5]).assign(primary_zone="paint"), [D2])
    assert list(warehouse.read(TABLE, [D1, D2])["primary_zone"].fillna("-")) == ["-", "paint"]


def test_new_columns_are_added_and_older_rows_read_as_null(warehouse):
    warehouse.replace_partitions(TABLE, rows(D1, [10]), [D1])
    warehouse.replace_partitions(TABLE, rows(D2, [5]).assign(minutes=31.5), [D2])
    warehouse.replace_partitions(TABLE, rows(D2, [6]).assign(minutes=30.0), [D2])
    got = warehouse.read(TABLE, [D1, D2])
    assert got["minutes"].isna().tolist() == [True, False] and got["minutes"].iloc[1] == 30.0


def test_query_takes_positional_parameters_and_maps_datasets_but_not_literals(warehouse):
    warehouse.replace_partitions(TABLE, pd.concat([rows(D1, [10]), rows(D2, [5, 6])]), [D1, D2])
    got = warehouse.query(
        "SELECT count(*) AS n, 'nba_raw.example' AS label FROM nba_raw.example WHERE game_date = ? AND points > ?",
        [D2, 5],
    )
    assert (got.n[0], got.label[0]) == (1, "nba_raw.example")


def test_a_transaction_aborted_by_a_concurrent_update_is_retried(warehouse, monkeypatch):
    real_query, aborted = bigquery.Client.query, []

    def abort_first_transaction(client, sql, *args, **kwargs):
        if sql.startswith("BEGIN TRANSACTION") and not aborted:
            aborted.append(sql)
            raise BadRequest(f"Transaction is aborted due to concurrent update against table {TABLE}")
        return real_query(client, sql, *args, **kwargs)

    monkeypatch.setattr(bigquery.Client, "query", abort_first_transaction)
    warehouse.replace_partitions(TABLE, rows(D1, [10, 20]), [D1])
    assert aborted and sorted(warehouse.read(TABLE, [D1])["points"]) == [10, 20]


def test_reports_name_the_bucket_and_the_project_where_results_are(warehouse, raw_store, gcp_env):
    assert raw_store.where() == f"gs://{BUCKET}/{gcp_env.rstrip('_')}"
    assert warehouse.where() == f"BigQuery project {PROJECT}, datasets {gcp_env}nba_raw .. {gcp_env}nba_predictions"


def test_the_gcp_target_names_a_missing_variable(gcp_env, monkeypatch):
    monkeypatch.delenv("GCP_PROJECT")
    with pytest.raises(ValueError, match="GCP_PROJECT"):
        gcp_storage()


def test_an_emulator_address_without_a_scheme_is_refused(warehouse, monkeypatch):
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050")
    with pytest.raises(ValueError, match="http://127.0.0.1:9050"):
        warehouse.query("SELECT 1 AS one")


# -- the whole graph on the gcp target ---------------------------------------------------------


def test_every_phase_materializes_on_gcp_and_a_rerun_is_idempotent(gcp_env, home, monkeypatch):
    monkeypatch.setenv(POLICY_ENV, "full")  # every table gets rows: past dates' game lines are the full policy's
    platform = gcp_storage() | simulated_source()
    result = materialize_range("2024-10-22", "2024-10-26", resources=platform, log_level="ERROR")
    assert result.success

    warehouse = platform["warehouse"]
    ledger_sql = "SELECT table_name, sum(row_count) AS row_total, count(*) AS dates FROM nba_meta.partition_ledger GROUP BY table_name"
    before = warehouse.query(ledger_sql).set_index("table_name").sort_index()
    tables = [t for t in before.index if not t.startswith("scraped.")]
    assert {t.split(".")[0] for t in tables} == {"nba_raw", "nba_analytics", "nba_precompute", "nba_predictions"}
    assert (before["dates"] == 5).all()
    for table in tables:  # the ledger agrees with the rows the tables hold
        held = warehouse.query(f"SELECT count(*) AS n FROM {table}").n[0]
        assert held == before.loc[table, "row_total"] > 0, table
    assert platform["raw_store"].list("nba-com/schedule/2024-10-22/")

    again = materialize_range("2024-10-24", "2024-10-25", resources=platform, log_level="ERROR")
    assert again.success
    after = warehouse.query(ledger_sql).set_index("table_name").sort_index()
    pd.testing.assert_frame_equal(before, after)


def test_accepted_gaps_are_kept_and_merged_in_bigquery_too(warehouse):
    from nba_backfill.storage import accepted_gaps

    day = dt.date(2025, 11, 3)
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("nbac_play_by_play", day, {"0022500150": "a"}, "source"))
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("odds_api_player_props", day, {None: "b"}, "operator"))
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("nbac_play_by_play", day, {"0022500150": "c"}, "source"))
    rows = accepted_gaps.accepted(warehouse, [day]).sort_values("feed")
    assert rows["reason"].tolist() == ["c", "b"] and rows["nba_game_id"].isna().tolist() == [False, True]
    assert accepted_gaps.accepted_games(rows, "nbac_play_by_play") == {day: {"0022500150"}}
