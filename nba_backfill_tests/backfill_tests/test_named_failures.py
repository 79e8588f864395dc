"""A scraper outage on some dates of a range: the dates are named by the failing step, the rest of
the range runs in one more run per stretch between them, and nothing is searched for by bisection."""

from __future__ import annotations

import dagster as dg

SCHEDULE_STEP = "scraped__nbac_schedule"
RANGE = "dagster/asset_partition_range_"


def schedule_runs(instance_dir: str) -> list[tuple[str, str, str]]:
    """(status, first date, last date) of each run that executed the schedule scraper's step."""
    with dg.DagsterInstance.from_config(instance_dir) as instance:
        return sorted(
            (step.status.value, run.tags[f"{RANGE}start"], run.tags[f"{RANGE}end"])
            for run in instance.get_runs()
            for step in instance.get_run_step_stats(run.run_id)
            if step.step_key == SCHEDULE_STEP
        )


def test_an_outage_of_two_dates_costs_one_failed_run_and_one_more_per_stretch(nba, monkeypatch):
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-10-25..2024-10-26")
    code, report = nba.json("run", "--start-date", "2024-10-22", "--end-date", "2024-10-30", "--phases", "1")
    assert code == 1
    assert sorted(report["failed"]) == ["2024-10-25", "2024-10-26"]
    assert "HTTP 503" in " ".join(report["failed"]["2024-10-25"])
    # The run over the whole range fails naming both dates; then the two stretches around them run.
    assert schedule_runs(report["results"]["dagster_instance"]) == [
        ("FAILURE", "2024-10-22", "2024-10-30"),
        ("SUCCESS", "2024-10-22", "2024-10-24"),
        ("SUCCESS", "2024-10-27", "2024-10-30"),
    ]
