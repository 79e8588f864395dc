"""How the runner cuts a range into Dagster runs: chunks of at most ``CHUNK_DATES`` dates, and
around dates the failing step names (a scraper's outage, a raw file that cannot be parsed): the rest
of the range runs in one more run per stretch between them, and nothing is searched for by bisection."""

from __future__ import annotations

import dagster as dg

from nba_backfill.backfill import run

SCHEDULE_STEP = "scraped__nbac_schedule"
RANGE = "dagster/asset_partition_range_"


def step_runs(instance_dir: str, step_key: str) -> list[tuple[str, str, str]]:
    """(status, first date, last date) of each run that executed the step."""
    with dg.DagsterInstance.from_config(instance_dir) as instance:
        return sorted(
            (step.status.value, run.tags[f"{RANGE}start"], run.tags[f"{RANGE}end"])
            for run in instance.get_runs()
            for step in instance.get_run_step_stats(run.run_id)
            if step.step_key == step_key
        )


def test_an_outage_of_two_dates_costs_one_failed_run_and_one_more_per_stretch(nba, monkeypatch):
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-10-25..2024-10-26")
    code, report = nba.json("run", "--start-date", "2024-10-22", "--end-date", "2024-10-30", "--phases", "1")
    assert code == 1
    assert sorted(report["failed"]) == ["2024-10-25", "2024-10-26"]
    assert "HTTP 503" in " ".join(report["failed"]["2024-10-25"])
    # The scrapers that read the schedule share its runs; skipped where it failed, they are judged
    # again against what it achieved: blocked on the two dates, never failed.
    assert {why.split(":")[0] for whys in report["failed"].values() for why in whys} == {"scraped/nbac_schedule"}
    # The run over the whole range fails naming both dates; then the two stretches around them run.
    assert step_runs(report["results"]["dagster_instance"], SCHEDULE_STEP) == [
        ("FAILURE", "2024-10-22", "2024-10-30"),
        ("SUCCESS", "2024-10-22", "2024-10-24"),
        ("SUCCESS", "2024-10-27", "2024-10-30"),
    ]


def test_a_range_runs_in_chunks_and_a_rerun_does_only_what_is_unfinished(nba, monkeypatch):
    monkeypatch.setattr(run, "CHUNK_DATES", 3)
    args = ["--start-date", "2024-10-22", "--end-date", "2024-10-29", "--phases", "1"]
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-10-27")
    code, report = nba.json("run", *args)
    assert code == 1 and sorted(report["failed"]) == ["2024-10-27"]
    instance = report["results"]["dagster_instance"]
    assert step_runs(instance, SCHEDULE_STEP) == [
        ("FAILURE", "2024-10-25", "2024-10-27"),  # the second chunk names 10-27 ...
        ("SUCCESS", "2024-10-22", "2024-10-24"),
        ("SUCCESS", "2024-10-25", "2024-10-26"),  # ... and runs again without it
        ("SUCCESS", "2024-10-28", "2024-10-29"),
    ]

    monkeypatch.delenv("NBA_SIM_OUTAGES")
    before = set(step_runs(instance, SCHEDULE_STEP))
    code, report = nba.json("run", *args)  # phase 1 alone leaves the schedule unloaded: exit 1 all the same
    assert not report["failed"] and not report["blocked"] and report["ran"]["scraped/nbac_schedule"] == 1
    assert set(step_runs(instance, SCHEDULE_STEP)) - before == {("SUCCESS", "2024-10-27", "2024-10-27")}


def test_an_unparseable_raw_file_names_its_date_and_costs_one_more_run_per_stretch(nba, monkeypatch):
    monkeypatch.setenv("NBA_SIM_CORRUPT", "nbac_boxscores:2024-10-25")
    code, report = nba.json("run", "--start-date", "2024-10-22", "--end-date", "2024-10-30", "--phases", "1-2")
    assert code == 1 and sorted(report["failed"]) == ["2024-10-25"]
    assert all("(game date 2024-10-25): missing key" in why for why in report["failed"]["2024-10-25"])
    # The parse over the whole range fails naming 10-25; the two stretches around it run; no search.
    assert step_runs(report["results"]["dagster_instance"], "nba_raw__nbac_team_boxscore") == [
        ("FAILURE", "2024-10-22", "2024-10-30"),
        ("SUCCESS", "2024-10-22", "2024-10-24"),
        ("SUCCESS", "2024-10-26", "2024-10-30"),
    ]
