"""The local instance's event log: Dagster's SQLite history, written through kept-open connections."""

from __future__ import annotations

import dagster as dg

from nba_backfill.backfill import cli
from nba_backfill.storage.event_log import OPEN_RUN_SHARDS, PooledSqliteEventLogStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2024-10-22")


@dg.asset(partitions_def=DAYS)
def box_scores() -> int:
    return 1


@dg.asset_check(asset=box_scores, blocking=True)
def has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _materialize(instance: dg.DagsterInstance, day: str) -> None:
    assert dg.materialize([box_scores, has_rows], partition_key=day, instance=instance).success


def test_the_local_instance_reads_and_extends_the_history_dagsters_default_storage_wrote(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as plain:  # a home from before this storage
        _materialize(plain, "2024-10-22")
    (home / "dagster.yaml").write_text(cli.instance_yaml(home))
    days = [f"2024-11-{d:02d}" for d in range(1, OPEN_RUN_SHARDS + 4)]  # more runs than shards kept open

    with dg.DagsterInstance.from_config(str(home)) as pooled:
        assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
        for day in days:
            _materialize(pooled, day)
        assert len(pooled.event_log_storage._engines) <= OPEN_RUN_SHARDS + 1  # the index and the newest runs

    with dg.DagsterInstance.from_config(str(home)) as reader:  # another process, e.g. dagster dev
        assert len(reader.get_run_records()) == 1 + len(days)
        assert reader.get_materialized_partitions(box_scores.key) == {"2024-10-22", *days}
        checked = reader.event_log_storage.get_asset_check_partition_info([has_rows.check_key])
        assert {i.partition_key for i in checked if i.partition_key} == {"2024-10-22", *days}
        run = reader.get_run_records(limit=1)[0].dagster_run
        assert any(e.dagster_event.is_step_success for e in reader.all_logs(run.run_id) if e.is_dagster_event)


def test_a_wiped_instance_forgets_its_runs_through_the_kept_open_connections(tmp_path):
    (tmp_path / "dagster.yaml").write_text(cli.instance_yaml(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        _materialize(instance, "2024-10-22")
        old_run = instance.get_run_records()[0].dagster_run.run_id
        assert instance.all_logs(old_run)

        instance.wipe()
        assert instance.all_logs(old_run) == []  # not read from the deleted file through an open engine
        _materialize(instance, "2024-10-23")
        assert instance.get_materialized_partitions(box_scores.key) == {"2024-10-23"}
