"""Backfills are safe by construction: re-runs are idempotent, history never leaks forward,
incomplete windows and bad inputs stop the work with a message that names the problem."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.sources.simulated import SimulatedLeague

RERUN_AFTER_D = (
    "key:nba_analytics/upcoming_player_game_context or key:nba_analytics/upcoming_team_game_context"
    " or group:phase4_precompute or key:nba_predictions/player_prop_predictions"
)


def ledger_counts(warehouse) -> pd.DataFrame:
    return warehouse.query("SELECT table_name, game_date, row_count FROM nba_meta.partition_ledger ORDER BY 1, 2")


def failure_message(result) -> str:
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error is not None:
                messages.append(error.message)
                error = error.cause
    return "\n".join(messages)


def test_rematerializing_dates_leaves_row_counts_and_keys_unchanged(platform):
    materialize_range("2024-10-22", "2024-10-28", resources=platform)
    before = ledger_counts(platform["warehouse"])
    materialize_range("2024-10-25", "2024-10-26", resources=platform)
    after = ledger_counts(platform["warehouse"])
    pd.testing.assert_frame_equal(before, after)
    pgs = platform["warehouse"].query("SELECT game_date, player_lookup FROM nba_analytics.player_game_summary")
    assert len(pgs) > 1000 and not pgs.duplicated().any()


def test_an_empty_rerun_clears_the_partition_and_the_schedule_check_names_the_games(platform, home):
    materialize_range(
        "2024-10-24", "2024-10-24", selection="group:phase1_scrapers or group:phase2_raw", resources=platform
    )
    store = platform["raw_store"]
    for path in store.list("nba-com/boxscores/2024-10-24/"):
        store.delete(path)
    rerun = materialize_range(
        "2024-10-24",
        "2024-10-24",
        selection="key:nba_raw/nbac_gamebook_player_stats",
        resources=platform,
        raise_on_error=False,
    )
    rows = platform["warehouse"].query(
        "SELECT count(*) AS n FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '2024-10-24'"
    )
    assert rows["n"][0] == 0
    check = next(
        e.event_specific_data
        for e in rerun.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "rows_match_schedule"
    )
    assert not check.passed and check.metadata["missing_games"].data


def test_no_look_ahead_history_on_or_after_d_does_not_change_ds_precompute_or_predictions(platform):
    materialize_range("2024-10-22", "2024-11-02", resources=platform)
    warehouse = platform["warehouse"]
    tables = [
        "nba_precompute.player_daily_cache",
        "nba_precompute.player_composite_factors",
        "nba_precompute.ml_feature_store",
        "nba_predictions.player_prop_predictions",
    ]

    def snapshot():
        return {
            t: warehouse.query(f"SELECT * EXCLUDE (processed_at) FROM {t} WHERE game_date = '2024-11-01' ORDER BY ALL")
            for t in tables
        }

    before = snapshot()
    # Rewrite what happened on and after D: every player scores 40 more, every team 100 more.
    with warehouse._connect() as con:
        con.execute(
            "UPDATE nba_analytics.player_game_summary SET points = points + 40, usage_rate = 49 WHERE game_date >= '2024-11-01'"
        ).fetchall()
        con.execute(
            "UPDATE nba_analytics.team_offense_game_summary SET pace = pace + 30 WHERE game_date >= '2024-11-01'"
        ).fetchall()
        con.execute(
            "UPDATE nba_analytics.team_defense_game_summary SET opp_paint_makes = 0 WHERE game_date >= '2024-11-01'"
        ).fetchall()
    materialize_range("2024-11-01", "2024-11-01", selection=RERUN_AFTER_D, resources=platform)
    after = snapshot()
    for t in tables:
        assert len(before[t]) > 100
        pd.testing.assert_frame_equal(before[t], after[t], check_dtype=False, obj=t)


@pytest.fixture
def three_weeks(platform):
    materialize_range("2024-10-22", "2024-11-05", resources=platform)
    return platform


def test_phase4_refuses_a_window_with_a_missing_date(three_weeks):
    warehouse = three_weeks["warehouse"]
    with warehouse._connect() as con:
        con.execute("DELETE FROM nba_analytics.player_game_summary WHERE game_date = '2024-10-28'").fetchall()
        con.execute(
            "DELETE FROM nba_meta.partition_ledger WHERE table_name = 'nba_analytics.player_game_summary' AND game_date = '2024-10-28'"
        ).fetchall()
    before = warehouse.query(
        "SELECT count(*) AS n FROM nba_precompute.player_shot_zone_analysis WHERE game_date = '2024-11-05'"
    )
    result = materialize_range(
        "2024-11-05",
        "2024-11-05",
        selection="key:nba_precompute/player_shot_zone_analysis",
        resources=three_weeks,
        raise_on_error=False,
    )
    assert not result.success
    message = failure_message(result)
    assert "nba_analytics.player_game_summary" in message and "2024-10-28" in message
    assert "20241028_" in message  # the games themselves are named
    after = warehouse.query(
        "SELECT count(*) AS n FROM nba_precompute.player_shot_zone_analysis WHERE game_date = '2024-11-05'"
    )
    assert after["n"][0] == before["n"][0] > 0


def test_phase4_refuses_a_window_missing_one_game(three_weeks):
    warehouse = three_weeks["warehouse"]
    game = warehouse.query(
        "SELECT min(game_id) AS g FROM nba_analytics.team_defense_game_summary WHERE game_date = '2024-10-30'"
    )["g"][0]
    with warehouse._connect() as con:
        con.execute("DELETE FROM nba_analytics.team_defense_game_summary WHERE game_id = ?", [game]).fetchall()
    result = materialize_range(
        "2024-11-05",
        "2024-11-05",
        selection="key:nba_precompute/team_defense_zone_analysis",
        resources=three_weeks,
        raise_on_error=False,
    )
    assert not result.success and game in failure_message(result)


@pytest.mark.nba_league(outages="nbac:2024-10-25")
def test_a_scraper_outage_fails_the_date_with_the_http_status(platform):
    result = materialize_range(
        "2024-10-25", "2024-10-25", selection="group:phase1_scrapers", resources=platform, raise_on_error=False
    )
    assert not result.success
    assert "503" in failure_message(result) and "2024-10-25" in failure_message(result)


def test_a_malformed_box_score_fails_naming_the_file_and_loses_nothing(platform):
    selection = "group:phase1_scrapers or group:phase2_raw"
    materialize_range("2024-10-25", "2024-10-25", selection=selection, resources=platform)
    warehouse = platform["warehouse"]
    before = warehouse.query("SELECT * EXCLUDE (processed_at) FROM nba_raw.nbac_gamebook_player_stats ORDER BY ALL")
    corrupt = platform | {"league": SimulatedLeague(corrupt="nbac_boxscores:2024-10-25")}
    result = materialize_range("2024-10-25", "2024-10-25", selection=selection, resources=corrupt, raise_on_error=False)
    assert not result.success
    message = failure_message(result)
    assert "nba-com/boxscores/2024-10-25/" in message and "game date 2024-10-25" in message
    after = warehouse.query("SELECT * EXCLUDE (processed_at) FROM nba_raw.nbac_gamebook_player_stats ORDER BY ALL")
    pd.testing.assert_frame_equal(before, after)
    # The good scrape is still in the raw store: once the feed is healthy again, a re-run recovers.
    assert materialize_range("2024-10-25", "2024-10-25", selection=selection, resources=platform).success


def test_a_date_refused_once_is_retried_within_the_step(platform, monkeypatch):
    from nba_backfill.errors import SourceUnavailable
    from nba_backfill.phases import phase1_scrapers

    monkeypatch.setenv("NBA_SCRAPER_RETRIES", "1")
    monkeypatch.setattr(phase1_scrapers, "RETRY_WAIT_SECONDS", 0)
    calls: list[str] = []
    schedule = SimulatedLeague.schedule

    def flaky(self, game_date):  # the first call for 2024-10-25 meets a 503, the second is answered
        calls.append(str(game_date))
        if calls.count("2024-10-25") == 1 and str(game_date) == "2024-10-25":
            raise SourceUnavailable("nbac_schedule", game_date, 503, "flaky")
        return schedule(self, game_date)

    monkeypatch.setattr(SimulatedLeague, "schedule", flaky)
    result = materialize_range(
        "2024-10-24", "2024-10-26", selection="key:scraped/nbac_schedule", resources=platform, raise_on_error=False
    )
    assert result.success
    assert calls == ["2024-10-24", "2024-10-25", "2024-10-26", "2024-10-25"]  # only the refused call again
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


@pytest.mark.nba_league(outages="nbac_schedule:2024-10-25,2024-10-27")
def test_the_dates_still_refused_fail_the_step_named(platform, monkeypatch):
    from nba_backfill.phases import phase1_scrapers
    from nba_backfill.phases.failed_dates import named_in

    monkeypatch.setenv("NBA_SCRAPER_RETRIES", "1")
    monkeypatch.setattr(phase1_scrapers, "RETRY_WAIT_SECONDS", 0)
    result = materialize_range(
        "2024-10-24", "2024-10-28", selection="key:scraped/nbac_schedule", resources=platform, raise_on_error=False
    )
    failures = [e for e in result.all_events if e.is_step_failure]
    assert not result.success and len(failures) == 1
    named = named_in(failures[0])
    assert sorted(map(str, named)) == ["2024-10-25", "2024-10-27"]
    assert all("HTTP 503" in why for why in named.values())
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
