"""A range of dates without games (All-Star break, off-season) flows through with zero rows."""

from __future__ import annotations

import datetime as dt

from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.phases.phase3_analytics import transforms

BREAK = [dt.date(2024, 2, 16), dt.date(2024, 2, 17)]


def test_phase3_summaries_of_dates_without_games_are_empty_not_errors():
    team_offense = transforms.team_offense_game_summary(BREAK, parsers.parse_boxscore_teams({}), parsers.parse_play_by_play({}))
    summary = transforms.player_game_summary(BREAK, parsers.parse_boxscore_players({}), parsers.parse_play_by_play({}),
                                             team_offense, parsers.parse_player_props({}))
    defense = transforms.team_defense_game_summary(BREAK, team_offense)
    assert team_offense.empty and summary.empty and defense.empty
    assert "usage_rate" in summary.columns and "points_line" in summary.columns
