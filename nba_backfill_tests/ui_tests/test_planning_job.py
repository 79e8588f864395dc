"""The planning job (Launchpad config: dates and phases) submits the plan `nba-backfill plan` makes."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from nba_backfill.backfill.service import Session
from nba_backfill.definitions import defs

CONFIG = {"start_date": "2024-11-08", "end_date": "2024-11-14", "phases": "4-5"}


@pytest.fixture
def persistent(tmp_path):
    """A persistent instance: the job submits through GraphQL on its workspace, which needs one."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance


def _run(instance, **config):
    job = defs.resolve_job_def("planned_backfill")
    return job.execute_in_process(
        run_config={"ops": {"plan_and_submit": {"config": config}}}, instance=instance, raise_on_error=False
    )


def test_phases_4_5_on_an_empty_instance_submit_the_lookback_too(home, persistent):
    instance = persistent
    result = _run(instance, **CONFIG)
    assert result.success
    (backfill,) = instance.get_backfills()
    assert result.output_for_node("plan_and_submit") == backfill.backfill_id
    target = backfill.asset_backfill_data.target_subset
    planned = Session(instance).plan(dt.date(2024, 11, 8), dt.date(2024, 11, 14), "4-5").to_run
    submitted = {
        k.to_user_string(): sorted(target.get_partitions_subset(k).get_partition_keys())
        for k in target.partitions_subsets_by_asset_key
    }
    assert submitted == {a: sorted(str(d) for d in dates) for a, dates in planned.items() if dates}
    assert submitted["nba_analytics/player_game_summary"][0] == "2024-10-09"  # the lookback context
    assert submitted["nba_precompute/ml_feature_store"] == [f"2024-11-{d:02d}" for d in range(8, 15)]
    # Phase 3 on the last date too, which the target phases read only before it: a date is complete
    # when all its phases are, so the plan and `status` agree.
    assert submitted["nba_analytics/team_defense_game_summary"][-1] == "2024-11-14"


@pytest.mark.parametrize(
    "config, said",
    [
        ({"start_date": "2024-11-31", "end_date": "2024-11-14"}, "start_date: '2024-11-31' is not a YYYY-MM-DD date"),
        ({"start_date": "2024-11-14", "end_date": "2024-11-08"}, "end_date 2024-11-08 is before start_date 2024-11-14"),
        ({**CONFIG, "phases": "6"}, "phase"),
    ],
)
def test_bad_config_fails_with_one_clear_line_and_submits_nothing(home, persistent, config, said):
    instance = persistent
    result = _run(instance, **config)
    assert not result.success and instance.get_backfills() == []
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert said in failure.step_failure_data.error.message or said in str(failure.step_failure_data.user_failure_data)
