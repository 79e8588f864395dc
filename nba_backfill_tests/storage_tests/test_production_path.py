"""Production wiring end to end, offline: NBA_BACKFILL_TARGET=gcp (GCS and BigQuery emulators) and
NBA_BACKFILL_SOURCE=live (the real API clients, talking to a local server of the simulated league)
run the same backfill through the command line (in parallel where BigQuery allows), and a re-run
has nothing left to do."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from nba_backfill.backfill import cli
from nba_backfill_tests.runs import step_spans
from nba_backfill_tests.sources_tests.simulated_apis import SimulatedApiServer

RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-10-24"]


@pytest.mark.slow
def test_a_backfill_on_gcp_from_the_live_clients_completes_and_resumes_to_nothing(gcp_env, home, monkeypatch, capsys):
    with SimulatedApiServer() as apis:
        monkeypatch.setenv("NBA_BACKFILL_TARGET", "gcp")
        monkeypatch.setenv("NBA_BACKFILL_SOURCE", "live")
        monkeypatch.setenv("ODDS_API_KEY", "test-key-not-real")
        monkeypatch.setenv("NBA_STATS_BASE_URL", f"{apis.url}/stats")
        monkeypatch.setenv("ODDS_API_BASE_URL", apis.url)
        assert cli.main(["run", *RANGE, "--parallel", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["complete_game_dates"] == report["game_dates"] == 3
        assert cli.main(["plan", *RANGE, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["to_run"] == {}
        assert cli.main(["status", *RANGE]) == 0
        assert "test-key-not-real" not in capsys.readouterr().err
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        steps = {r.dagster_run.run_id: step_spans(instance, r.dagster_run.run_id) for r in instance.get_run_records()}
    # --parallel: phases 2-5 compute their independent steps at once, a process each. The scrapers
    # stay in one process: each API takes one call at a time.
    scrapers = {run for run, by_step in steps.items() if any(key.startswith("scraped__") for key in by_step)}
    assert scrapers and all(len({pid for pid, _, _ in steps[run].values()}) == 1 for run in scrapers)
    assert any(_overlapping(by_step.values()) for run, by_step in steps.items() if run not in scrapers)


def _overlapping(spans) -> bool:
    ordered = sorted((started, finished) for _, started, finished in spans)
    return any(later[0] < earlier[1] for earlier, later in zip(ordered, ordered[1:]))
