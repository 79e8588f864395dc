"""The production instance's event log on a real PostgreSQL: deploy/dagster.yaml as deployed, a range
step's bookkeeping and validate's results written in bulk, and everything stored and read the same
as with Dagster's own Postgres storage (a second database of the same server)."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from nba_backfill.storage.postgres_event_log import BulkPostgresEventLogStorage
from nba_backfill_tests.storage_tests.event_history import (
    CONNECTIONS,
    RANGE,
    VALIDATED,
    run_then_validate,
    store_mixed_batches,
    stored,
    stored_rows,
    validate_results,
)
from nba_backfill_tests.storage_tests.postgres import (
    INSTANCE_YAML,
    create_database,
    plain_instance_yaml,
    postgres_server,
)

pytestmark = pytest.mark.slow

PLAIN_DATABASE = "plain"


def test_the_production_event_log_writes_in_bulk_and_stores_what_dagsters_postgres_storage_stores(
    tmp_path, monkeypatch
):
    with postgres_server() as pg:
        for key, value in pg.items():
            monkeypatch.setenv(key, value)
        create_database(pg, PLAIN_DATABASE)
        (tmp_path / "plain").mkdir()
        (tmp_path / "plain" / "dagster.yaml").write_text(plain_instance_yaml(PLAIN_DATABASE))
        (tmp_path / "bulk").mkdir()
        shutil.copy(INSTANCE_YAML, tmp_path / "bulk" / "dagster.yaml")  # the file as deployed

        plain_cost = run_then_validate(tmp_path / "plain", CONNECTIONS)
        bulk_cost = run_then_validate(tmp_path / "bulk", CONNECTIONS)
        plain, bulk = stored(tmp_path / "plain"), stored(tmp_path / "bulk")
        with dg.DagsterInstance.from_config(str(tmp_path / "bulk")) as deployed:
            assert isinstance(deployed.event_log_storage, BulkPostgresEventLogStorage)

    assert bulk == plain  # every stored row, the asset index, the check results and the gate's answer
    assert plain["gate"] == [(VALIDATED[0], RANGE[5])] and len(plain["materialized"]) == len(RANGE)
    assert (str(VALIDATED[1]), RANGE[6], "FAILED") in plain["check_status"]
    # Event by event a connection or two each; in bulk one per step's flush, and one per validate.
    (plain_run, plain_validate), (bulk_run, bulk_validate) = plain_cost, bulk_cost
    assert plain_run > 3 * len(RANGE) and bulk_run < plain_run - 2 * len(RANGE), (plain_cost, bulk_cost)
    assert plain_validate >= 2 * len(validate_results()) and bulk_validate <= 10, (plain_cost, bulk_cost)


def test_every_kind_of_held_event_is_stored_row_for_row_as_dagsters_postgres_storage_stores_it(tmp_path, monkeypatch):
    with postgres_server() as pg:
        for key, value in pg.items():
            monkeypatch.setenv(key, value)
        create_database(pg, PLAIN_DATABASE)
        for name in ("plain", "bulk"):
            (tmp_path / name).mkdir()
        (tmp_path / "plain" / "dagster.yaml").write_text(plain_instance_yaml(PLAIN_DATABASE))
        shutil.copy(INSTANCE_YAML, tmp_path / "bulk" / "dagster.yaml")
        for name in ("plain", "bulk"):
            store_mixed_batches(tmp_path / name)
        plain, bulk = stored_rows(tmp_path / "plain"), stored_rows(tmp_path / "bulk")

    assert bulk == plain  # every row and column, ids included, but when the database wrote it
    assert len(plain["asset_check_executions"]) == 8 and len(plain["asset_event_tags"]) == 4
