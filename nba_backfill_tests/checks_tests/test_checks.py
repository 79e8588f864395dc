"""Every check passes on a clean backfill and fails, naming the offenders, on bad data.

One clean backfill (opening night of 2024-25 to four weeks in) is shared; each failing case
corrupts a copy of its warehouse (or raw store) the way the original platform's failure modes
did, then evaluates the one check.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from nba_backfill.checks.catalogue import LINE_COLUMNS, evaluate
from nba_backfill.checks.data import CheckData
from nba_backfill.graph import checks as CATALOGUE
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill.storage.warehouse import DuckDBWarehouse

START, END = dt.date(2024, 10, 20), dt.date(2024, 11, 16)
DAY = dt.date(2024, 11, 14)
DATES = [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
pytestmark = pytest.mark.nba_range(START, END)


@pytest.fixture(scope="module")
def clean(nba_backfilled):
    return nba_backfilled.platform.resources


def check(asset: str, name: str):
    return next(c for c in CATALOGUE if c.asset == asset and c.name == name)


def corrupted(clean, tmp_path, *statements: str, raw: bool = False) -> CheckData:
    """A copy of the clean warehouse (and raw store) with ``statements`` applied."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(clean["warehouse"].path, path)
    warehouse = DuckDBWarehouse(path=str(path))
    with warehouse._connect() as con:
        for sql in statements:
            con.execute(sql).fetchall()
    store = clean["raw_store"]
    if raw:
        shutil.copytree(store.root, tmp_path / "raw")
        store = LocalRawStore(root=str(tmp_path / "raw"))
    return CheckData(warehouse, store)


def outcome(data: CheckData, asset: str, name: str, day: dt.date = DAY):
    return next(o for o in check(asset, name).rule([day], data) if o.game_date == day)


def test_the_catalogue_covers_every_table_and_every_kind_of_check():
    tables = {c.asset for c in CATALOGUE if c.name == "unique_grain"}
    assert len(tables) == 18
    assert {c.name for c in CATALOGUE} >= {
        "raw_files_match_schedule",
        "rows_match_schedule",
        "box_scores_add_up",
        "box_score_consistent",
        "unique_grain",
        "critical_fields_valid",
        "lookback_ready",
        "players_covered",
        "no_placeholder_lines",
        "real_line_share",
        "quality_distribution",
        "fresh_against_upstream",
    }


def test_a_clean_backfill_passes_every_check_on_every_date(clean):
    results = evaluate(CATALOGUE, DATES, CheckData(clean["warehouse"], clean["raw_store"]))
    assert len(results) == len(CATALOGUE) * len(DATES)
    failed = results[~results["passed"]]
    assert failed.empty, failed[["asset", "check", "game_date", "description"]].head(20).to_string()


def test_a_quiet_day_passes_schedule_reconciliation_with_zero_games(clean):
    quiet = outcome(
        CheckData(clean["warehouse"], clean["raw_store"]),
        "nba_raw/nbac_team_boxscore",
        "rows_match_schedule",
        dt.date(2024, 10, 20),
    )
    assert quiet.passed and quiet.metadata["games"] == 0


def test_partial_team_rows_reported_as_success_are_caught(clean, tmp_path):
    # The original's overnight run "saved 2 of 16 teams" on some dates and reported success.
    data = corrupted(
        clean,
        tmp_path,
        f"DELETE FROM nba_analytics.team_offense_game_summary WHERE game_date = '{DAY}' "
        f"AND team_abbr NOT IN (SELECT min(team_abbr) FROM nba_analytics.team_offense_game_summary WHERE game_date = '{DAY}')",
    )
    o = outcome(data, "nba_analytics/team_offense_game_summary", "rows_match_schedule")
    assert not o.passed and o.severity.value == "ERROR"
    assert o.metadata["missing_games"] and all(g.startswith("20241114_") for g in o.metadata["missing_games"])


def test_team_box_scores_missing_for_some_games_are_named(clean, tmp_path):
    game = clean["warehouse"].query(
        f"SELECT min(game_id) AS g FROM nba_raw.nbac_team_boxscore WHERE game_date = '{DAY}'"
    )["g"][0]
    data = corrupted(clean, tmp_path, f"DELETE FROM nba_raw.nbac_team_boxscore WHERE game_id = '{game}'")
    o = outcome(data, "nba_raw/nbac_team_boxscore", "rows_match_schedule")
    assert not o.passed and o.metadata["missing_games"] == [game]


@pytest.mark.parametrize(
    "asset, folder",
    [("scraped/nbac_boxscores", "nba-com/boxscores"), ("scraped/nbac_play_by_play", "nba-com/play-by-play")],
)
def test_a_missing_raw_file_is_named(clean, tmp_path, asset, folder):
    data = corrupted(clean, tmp_path, raw=True)
    victim = data.raw_store.list(f"{folder}/{DAY}/")[0]
    data.raw_store.delete(victim)
    o = outcome(data, asset, "raw_files_match_schedule")
    assert not o.passed and len(o.metadata["missing_games"]) == 1


def test_box_scores_that_do_not_add_up_are_named(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE nba_raw.nbac_gamebook_player_stats SET points = points + 7 WHERE game_date = '{DAY}' "
        f"AND player_lookup = (SELECT min(player_lookup) FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '{DAY}' AND player_status = 'active')",
    )
    o = outcome(data, "nba_raw/nbac_gamebook_player_stats", "box_scores_add_up")
    assert not o.passed and len(o.metadata["points_mismatch"]) == 1


def test_a_box_score_that_contradicts_itself_fails_the_blocking_consistency_check(clean, tmp_path):
    # The issue's case: negative assists and a team assist total that is not the players' sum.
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE nba_raw.nbac_gamebook_player_stats SET assists = -3 WHERE game_date = '{DAY}' "
        f"AND player_lookup = (SELECT min(player_lookup) FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '{DAY}' AND player_status = 'active')",
    )
    o = outcome(data, "nba_raw/nbac_gamebook_player_stats", "box_score_consistent")
    assert (
        not o.passed
        and o.severity.value == "ERROR"
        and check("nba_raw/nbac_gamebook_player_stats", "box_score_consistent").blocking
    )
    assert len(o.metadata["negative_counts"]) == 1 and len(o.metadata["team_totals_not_players_sums"]) == 1
    assert "negative_counts" in o.description and not o.metadata["plus_minus_not_margin"]


ONE_TEAM = (
    f"game_date = '{DAY}' AND (game_id, team_abbr) = (SELECT (game_id, team_abbr) "
    f"FROM nba_raw.nbac_team_boxscore WHERE game_date = '{DAY}' ORDER BY ALL LIMIT 1)"
)


@pytest.mark.parametrize(
    "corruption, named",
    [
        # Four active players left (their points kept, so only the roster is wrong).
        (
            f"SET player_status = 'inactive' WHERE {ONE_TEAM} AND player_lookup NOT IN (SELECT player_lookup FROM "
            f"nba_raw.nbac_gamebook_player_stats WHERE {ONE_TEAM} AND player_status = 'active' ORDER BY points DESC LIMIT 5)",
            "too_few_active_players",
        ),
        # Six minutes too many for one player: the team's 240 is off.
        (
            f"SET minutes_decimal = minutes_decimal + 6 WHERE {ONE_TEAM} AND player_lookup = (SELECT max(player_lookup) "
            f"FROM nba_raw.nbac_gamebook_player_stats WHERE {ONE_TEAM} AND player_status = 'active')",
            "minutes_off",
        ),
    ],
)
def test_a_team_box_score_that_is_wrong_another_way_is_named(clean, tmp_path, corruption, named):
    data = corrupted(clean, tmp_path, f"UPDATE nba_raw.nbac_gamebook_player_stats {corruption}")
    o = outcome(data, "nba_raw/nbac_gamebook_player_stats", "box_scores_add_up")
    flagged = {key for key in ("too_few_active_players", "points_mismatch", "minutes_off") if o.metadata[key]}
    assert not o.passed and flagged == {named} and len(o.metadata[named]) == 1


def test_duplicate_keys_are_named(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        f"INSERT INTO nba_analytics.player_game_summary SELECT * FROM nba_analytics.player_game_summary "
        f"WHERE game_date = '{DAY}' LIMIT 1",
    )
    o = outcome(data, "nba_analytics/player_game_summary", "unique_grain")
    assert not o.passed and len(o.metadata["duplicated_keys"]) == 1


def test_contamination_bands_warn_then_error(clean, tmp_path):
    zero_some = corrupted(
        clean,
        tmp_path / "a",
        "UPDATE nba_analytics.team_defense_game_summary SET opp_paint_attempts = 0 "
        f"WHERE game_date = '{DAY}' AND defending_team_abbr IN (SELECT defending_team_abbr FROM "
        f"nba_analytics.team_defense_game_summary WHERE game_date = '{DAY}' ORDER BY 1 LIMIT 2)",
    )
    warn = outcome(zero_some, "nba_analytics/team_defense_game_summary", "critical_fields_valid")
    assert not warn.passed and warn.severity.value == "WARN"
    zero_all = corrupted(
        clean,
        tmp_path / "b",
        f"UPDATE nba_analytics.team_defense_game_summary SET opp_paint_attempts = NULL WHERE game_date = '{DAY}'",
    )
    error = outcome(zero_all, "nba_analytics/team_defense_game_summary", "critical_fields_valid")
    assert (
        not error.passed
        and error.severity.value == "ERROR"
        and error.metadata["valid_pct"]["opp_paint_attempts > 0"] == 0
    )


def test_early_season_rows_are_judged_by_the_early_season_rules(clean):
    opening = outcome(
        CheckData(clean["warehouse"], clean["raw_store"]),
        "nba_precompute/player_shot_zone_analysis",
        "critical_fields_valid",
        dt.date(2024, 10, 22),
    )
    assert opening.passed and opening.metadata["early_season_rows"] == opening.metadata["rows"] > 0


def test_contaminated_precompute_is_an_error_once_rows_have_history(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE nba_precompute.player_composite_factors SET opponent_strength_score = NULL WHERE game_date = '{DAY}'",
    )
    o = outcome(data, "nba_precompute/player_composite_factors", "critical_fields_valid")
    assert not o.passed and o.severity.value == "ERROR"


def test_lookback_readiness_names_the_missing_date_and_games(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        "DELETE FROM nba_analytics.player_game_summary WHERE game_date = '2024-11-02'",
        "DELETE FROM nba_meta.partition_ledger WHERE table_name = 'nba_analytics.player_game_summary' AND game_date = '2024-11-02'",
    )
    o = outcome(data, "nba_precompute/player_shot_zone_analysis", "lookback_ready")
    assert not o.passed and o.metadata["missing_dates"] == ["2024-11-02"]
    assert o.metadata["missing_games"] and o.metadata["tables"] == ["nba_analytics.player_game_summary"]
    assert outcome(data, "nba_precompute/player_shot_zone_analysis", "lookback_ready", dt.date(2024, 11, 2)).passed


def test_a_player_with_a_game_but_no_row_is_unaccounted(clean, tmp_path):
    player = clean["warehouse"].query(
        f"SELECT min(player_lookup) AS p FROM nba_analytics.player_game_summary WHERE game_date = '{DAY}' AND is_active"
    )["p"][0]
    data = corrupted(
        clean,
        tmp_path,
        f"DELETE FROM nba_precompute.player_daily_cache WHERE game_date = '{DAY}' AND player_lookup = '{player}'",
    )
    o = outcome(data, "nba_precompute/player_daily_cache", "players_covered")
    assert not o.passed and o.metadata["unaccounted"] == 1 and o.metadata["unaccounted_players"] == [player]


@pytest.mark.parametrize("asset, column", [(a, c) for a, columns in LINE_COLUMNS.items() for c in columns])
def test_placeholder_lines_are_flagged_in_every_line_column(clean, tmp_path, asset, column):
    table = asset.replace("/", ".")
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE {table} SET {column} = 20.0 WHERE game_date = '{DAY}' AND player_lookup IN "
        f"(SELECT player_lookup FROM {table} WHERE game_date = '{DAY}' AND {column} IS NOT NULL ORDER BY 1 LIMIT 3)",
    )
    o = outcome(data, asset, "no_placeholder_lines")
    assert not o.passed and o.metadata["placeholder_lines"] == 3 and len(o.metadata["players"]) == 3


def test_a_date_without_lines_is_listed_for_an_odds_backfill(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE nba_predictions.player_prop_predictions SET has_prop_line = false, "
        f"current_points_line = NULL, recommendation = 'NO_LINE' WHERE game_date = '{DAY}'",
    )
    o = outcome(data, "nba_predictions/player_prop_predictions", "real_line_share")
    assert not o.passed and o.severity.value == "WARN" and o.metadata["needs_odds_backfill"]
    assert str(DAY) in o.description


def test_quality_rule_breaks_and_low_quality_after_three_weeks_are_flagged(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        f"UPDATE nba_precompute.ml_feature_store SET quality_score = 100 WHERE game_date = '{DAY}' AND games_in_sample = 0",
    )
    broken = outcome(data, "nba_precompute/ml_feature_store", "quality_distribution")
    assert not broken.passed and broken.severity.value == "ERROR" and broken.metadata["off_rule_players"]
    low = corrupted(
        clean,
        tmp_path / "low",
        f"UPDATE nba_precompute.ml_feature_store SET quality_score = 10, games_in_sample = 1 WHERE game_date = '{DAY}'",
    )
    warned = outcome(low, "nba_precompute/ml_feature_store", "quality_distribution")
    assert not warned.passed and warned.severity.value == "WARN" and warned.metadata["avg"] == 10
    assert outcome(low, "nba_precompute/ml_feature_store", "quality_distribution", dt.date(2024, 10, 25)).passed


def test_a_partition_whose_upstream_was_rewritten_after_it_is_stale(clean, tmp_path):
    data = corrupted(
        clean,
        tmp_path,
        "UPDATE nba_meta.partition_ledger SET written_at = now() + INTERVAL 1 HOUR "
        "WHERE table_name = 'nba_analytics.player_game_summary' AND game_date = '2024-11-10'",
    )
    o = outcome(data, "nba_precompute/player_shot_zone_analysis", "fresh_against_upstream")
    assert not o.passed and o.metadata["newer_upstream"] == ["nba_analytics.player_game_summary 2024-11-10"]
    assert outcome(
        data, "nba_precompute/player_shot_zone_analysis", "fresh_against_upstream", dt.date(2024, 11, 10)
    ).passed


def test_a_pure_perimeter_shooter_is_not_contamination_but_missing_zone_data_is(clean, tmp_path):
    asset = "nba_precompute/player_shot_zone_analysis"
    no_paint = corrupted(
        clean,
        tmp_path / "a",
        f"UPDATE nba_precompute.player_shot_zone_analysis SET paint_pct_last_10 = NULL, "
        f"paint_rate_last_10 = 0 WHERE game_date = '{DAY}'",
    )
    assert outcome(no_paint, asset, "critical_fields_valid").passed
    no_zones = corrupted(
        clean,
        tmp_path / "b",
        f"UPDATE nba_precompute.player_shot_zone_analysis SET paint_pct_last_10 = NULL, "
        f"paint_rate_last_10 = NULL WHERE game_date = '{DAY}'",
    )
    o = outcome(no_zones, asset, "critical_fields_valid")
    assert not o.passed and o.severity.value == "ERROR"
