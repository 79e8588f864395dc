"""The checks of an asset run as one step over one read of their data; a selection of some of them
runs only those, and a failing check fails alone (its siblings in the step keep their own verdict)."""

from __future__ import annotations

import dagster as dg

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.calendar import game_dates
from nba_backfill.checks import catalogue
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.outcomes import Outcome
from nba_backfill.graph import checks as CATALOGUE

TOGS = dg.AssetKey(["nba_analytics", "team_offense_game_summary"])
ROWS, GRAIN = dg.AssetCheckKey(TOGS, "rows_match_schedule"), dg.AssetCheckKey(TOGS, "unique_grain")
DAY = "2024-10-24"


def evaluations(result) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]


def statuses(instance, keys) -> dict[tuple[dg.AssetCheckKey, str], str]:
    return {
        (i.check_key, i.partition_key): i.latest_execution_status.value
        for i in instance.event_log_storage.get_asset_check_partition_info(list(keys))
        if i.partition_key
    }


def test_each_asset_checks_in_one_step_reading_once_with_a_result_per_check_and_partition(
    platform, instance, monkeypatch
):
    made = []

    class Counted(CheckData):
        def __init__(self, *args):
            made.append(self)
            super().__init__(*args)

    monkeypatch.setattr(catalogue, "CheckData", Counted)
    result = materialize_range("2024-10-22", "2024-10-23", resources=platform, instance=instance, log_level="ERROR")
    steps: dict[str, set[dg.AssetCheckKey]] = {}
    for event in evaluations(result):
        steps.setdefault(event.step_key, set()).add(event.event_specific_data.asset_check_key)
    assets = {c.key.asset_key for c in CATALOGUE}
    assert len(steps) == len(assets) == len(made) == 20  # a step, and one CheckData, per checked asset
    assert all(len({k.asset_key for k in keys}) == 1 for keys in steps.values())
    assert set().union(*steps.values()) == {c.key for c in CATALOGUE}
    found = statuses(instance, [c.key for c in CATALOGUE])
    assert {(c.key, d) for c in CATALOGUE for d in ("2024-10-22", "2024-10-23")} <= set(found)


def test_a_selected_check_runs_alone_and_a_failing_check_fails_alone(platform, instance):
    materialize_range("2024-10-22", DAY, resources=platform, instance=instance, with_checks=False, log_level="ERROR")
    only = materialize_range(
        DAY, DAY, selection=dg.AssetSelection.checks(ROWS), resources=platform, instance=instance, log_level="ERROR"
    )
    assert {e.event_specific_data.asset_check_key for e in evaluations(only)} == {ROWS}
    assert statuses(instance, [ROWS, GRAIN]) == {(ROWS, DAY): "SUCCEEDED"}

    with platform["warehouse"]._connect() as con:  # a team's row goes missing: rows fail, the grain holds
        con.execute(
            "DELETE FROM nba_analytics.team_offense_game_summary WHERE game_date = ? AND team_abbr IN "
            "(SELECT min(team_abbr) FROM nba_analytics.team_offense_game_summary WHERE game_date = ?)",
            [DAY, DAY],
        ).fetchall()
    both = materialize_range(
        DAY,
        DAY,
        selection=dg.AssetSelection.checks_for_assets(TOGS),
        resources=platform,
        instance=instance,
        raise_on_error=False,
        log_level="ERROR",
    )
    assert not both.success  # rows_match_schedule is blocking
    found = statuses(instance, [c.key for c in CATALOGUE if c.key.asset_key == TOGS])
    assert found[(ROWS, DAY)] == "FAILED" and found[(GRAIN, DAY)] == "SUCCEEDED"
    assert {v for (k, _), v in found.items() if k != ROWS} == {"SUCCEEDED"}
    failure = next(e for e in both.all_events if e.is_step_failure).event_specific_data.error
    assert f"failed at ERROR on {DAY}: rows_match_schedule" in failure.message and "unique_grain" not in failure.message


def test_a_check_that_cannot_be_evaluated_fails_its_step_naming_it_and_its_siblings_keep_their_results():
    def broken(dates, data):
        raise ValueError("column points is missing\nsecond line")

    def fine(dates, data):
        return [Outcome(d, True, dg.AssetCheckSeverity.ERROR, "fine", {}) for d in dates]

    asset = "nba_analytics/team_offense_game_summary"
    checks = [catalogue.Check(asset, "broken", broken, "raises"), catalogue.Check(asset, "fine", fine, "passes")]
    definition = catalogue.asset_checks(checks)[0]

    @dg.asset(key=TOGS, partitions_def=game_dates)
    def team_offense_game_summary() -> None:
        return None

    result = dg.materialize(
        [team_offense_game_summary, definition],
        partition_key=DAY,
        resources={"warehouse": object(), "raw_store": object()},
        raise_on_error=False,
    )
    judged = {e.event_specific_data.asset_check_key.name: e.event_specific_data.passed for e in evaluations(result)}
    assert judged == {"fine": True}
    failure = next(e for e in result.all_events if e.is_step_failure).event_specific_data.error
    assert failure.message.splitlines()[0].endswith("broken: ValueError: column points is missing")
