"""A range of dates without games (All-Star break, off-season) flows through with zero rows."""

from __future__ import annotations

import datetime as dt

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.environment import resources
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.phases.phase3_analytics import transforms

BREAK = [dt.date(2024, 2, 16), dt.date(2024, 2, 17)]


def test_phase3_summaries_of_dates_without_games_are_empty_not_errors():
    team_offense = transforms.team_offense_game_summary(
        BREAK, parsers.parse_boxscore_teams({}), parsers.parse_play_by_play({})
    )
    summary = transforms.player_game_summary(
        BREAK,
        parsers.parse_boxscore_players({}),
        parsers.parse_play_by_play({}),
        team_offense,
        parsers.parse_player_props({}),
    )
    defense = transforms.team_defense_game_summary(BREAK, team_offense)
    assert team_offense.empty and summary.empty and defense.empty
    assert "usage_rate" in summary.columns and "points_line" in summary.columns


def test_a_warehouse_first_written_on_a_quiet_day_keeps_its_numbers_numeric(home):
    # Types used to be inferred from the first frame: a first run over a date without games
    # stored every column as text, and the first game date after it failed on arithmetic.
    quiet, opening = "2024-10-01", "2024-10-22"
    assert materialize_range(quiet, quiet, log_level="ERROR").success
    assert materialize_range(opening, opening, log_level="ERROR").success
    warehouse = resources()["warehouse"]
    types = warehouse.query(
        "SELECT table_schema || '.' || table_name AS t, column_name AS c, data_type AS k "
        "FROM information_schema.columns WHERE table_schema LIKE 'nba_%'"
    )
    kinds = {(t, c): k for t, c, k in types.itertuples(index=False)}
    assert kinds["nba_precompute.ml_feature_store", "vegas_points_line"] == "DOUBLE"
    assert kinds["nba_raw.nbac_gamebook_player_stats", "points"] == "BIGINT"
    predictions = warehouse.read("nba_predictions.player_prop_predictions", [dt.date(2024, 10, 22)])
    lines = predictions.loc[predictions["has_prop_line"], "current_points_line"]
    assert len(predictions) == 60 and lines.between(0.5, 60).all() and len(lines) > 20  # two games
