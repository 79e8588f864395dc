"""Phase 3's table transforms on tiny frames: a few rows written here, each expected value worked out
by hand (no Dagster, no warehouse). The helpers they use are tested in test_transforms.py."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_backfill.phases.phase3_analytics import identity, lines
from nba_backfill.phases.phase3_analytics import transforms as p3

D = dt.date(2024, 11, 30)


def ts(day: dt.date | str) -> pd.Timestamp:
    return pd.Timestamp(str(day))


# --- player_game_summary ------------------------------------------------------------------------


def gamebook_row(player: str, game: str = "g1", **values) -> dict:
    base = {
        "game_id": game,
        "player_id": player,
        "player_lookup": player,
        "player_name_original": player.upper(),
        "team_abbr": "BOS",
        "opponent_team_abbr": "NYK",
        "game_date": ts(D),
        "season_year": 2024,
        "is_home": True,
        "starter": True,
        "player_status": "active",
        "dnp_reason": None,
        "points": 20,
        "minutes_decimal": 30.04,
        "assists": 5,
        "offensive_rebounds": 1,
        "defensive_rebounds": 4,
        "total_rebounds": 5,
        "steals": 1,
        "blocks": 0,
        "turnovers": 2,
        "personal_fouls": 3,
        "plus_minus": 4,
        "field_goals_made": 2,
        "field_goals_attempted": 3,
        "three_pointers_made": 1,
        "three_pointers_attempted": 1,
        "free_throws_made": 15,
        "free_throws_attempted": 16,
    }
    return base | values


def team_offense_row(game: str) -> dict:
    return {
        "game_id": game,
        "team_abbr": "BOS",
        "fg_attempts": 80,
        "ft_attempts": 25,
        "turnovers": 14,
        "game_minutes": 48,
        "win_flag": True,
    }


def test_player_game_summary_zones_usage_shooting_and_the_line():
    gamebook = pd.DataFrame(
        [
            gamebook_row("a"),
            gamebook_row(
                "b",
                player_status="inactive",
                dnp_reason="injury",
                minutes_decimal=None,
                points=0,
                field_goals_made=0,
                field_goals_attempted=0,
                three_pointers_made=0,
                three_pointers_attempted=0,
                free_throws_made=0,
                free_throws_attempted=0,
                turnovers=0,
            ),
            gamebook_row("c", game="g2"),  # a game without play-by-play
        ]
    )
    # a: a made assisted paint shot, a missed mid-range, a made unassisted three: 3 zoned attempts = his 3 FGA
    pbp = pd.DataFrame(
        {
            "game_id": ["g1"] * 3,
            "player_id": ["a"] * 3,
            "shot_zone": ["paint", "mid_range", "three"],
            "shot_made": [True, False, True],
            "is_assisted": [True, False, False],
        }
    )
    props = pd.DataFrame(
        {
            "game_date": [ts(D)] * 2,
            "player_lookup": ["a", "a"],
            "player_name": ["A", "A"],
            "bookmaker": ["draftkings"] * 2,
            "snapshot_timestamp": [ts("2024-11-30 10:00"), ts("2024-11-30 17:00")],
            "minutes_before_tipoff": [540, 120],
            "points_line": [18.5, 19.5],
        }
    )
    offense = pd.DataFrame([team_offense_row("g1"), team_offense_row("g2")])
    out = p3.player_game_summary([D], gamebook, pbp, offense, props).set_index("player_lookup")

    a = out.loc["a"]
    assert (a["paint_attempts"], a["paint_makes"], a["mid_range_attempts"], a["three_attempts_pbp"]) == (1, 1, 1, 1)
    assert (a["assisted_fg_makes"], a["unassisted_fg_makes"]) == (1, 1) and a["has_complete_shot_zones"]
    assert a["minutes_played"] == 30.0
    # used = 3 + 0.44 x 16 + 2 = 12.04; team used = 80 + 11 + 14 = 105; team minutes 5 x 48 = 240
    assert a["usage_rate"] == round(100 * 12.04 * (240 / 5) / (30.0 * 105), 2) and a["usage_rate_valid"]
    assert a["ts_pct"] == round(20 / (2 * (3 + 0.44 * 16)), 3)
    assert a["efg_pct"] == round((2 + 0.5) / 3, 3)
    # the latest pre-tip line 19.5 (opened at 18.5); 20 points beat it by 0.5
    assert (a["points_line"], a["opening_line"], a["line_movement"]) == (19.5, 18.5, 1.0)
    assert a["over_under_result"] == "OVER" and a["margin"] == 0.5

    b = out.loc["b"]  # did not play: no minutes, no usage, no result
    assert b["is_dnp"] and not b["is_active"] and b["minutes_played"] == 0.0
    assert pd.isna(b["usage_rate"]) and not b["usage_rate_valid"] and pd.isna(b["ts_pct"])
    # his game has play-by-play: zero zoned attempts (not NULL), which is all of his zero attempts
    assert b["paint_attempts"] == 0 and b["has_complete_shot_zones"]

    c = out.loc["c"]  # no play-by-play for g2: zones are unknown (NULL), not zero
    assert pd.isna(c["paint_attempts"]) and pd.isna(c["assisted_fg_makes"]) and not c["has_complete_shot_zones"]
    assert pd.isna(c["points_line"]) and pd.isna(c["over_under_result"])


def test_a_line_is_matched_among_its_own_dates_players_so_a_range_agrees_with_each_date_alone():
    # Two NBA.com players whose names differ only by a suffix: one plays on D, the other the next
    # day. The book's "Marcus Morris" on D names D's player; across the range the name is ambiguous.
    d2 = D + dt.timedelta(days=1)
    gamebook = pd.DataFrame(
        [
            gamebook_row("marcusmorrissr", player_name_original="Marcus Morris Sr."),
            gamebook_row("marcusmorris2", game="g2", player_name_original="Marcus Morris", game_date=ts(d2)),
        ]
    )
    props = pd.DataFrame(
        {
            "game_date": [ts(D)],
            "player_lookup": ["marcusmorris"],
            "player_name": ["Marcus Morris"],
            "bookmaker": ["draftkings"],
            "snapshot_timestamp": [ts("2024-11-30 17:00")],
            "minutes_before_tipoff": [120],
            "points_line": [9.5],
        }
    )
    pbp = pd.DataFrame(columns=["game_id", "player_id", "shot_zone", "shot_made", "is_assisted"])
    offense = pd.DataFrame([team_offense_row("g1"), team_offense_row("g2")])
    one_day = p3.player_game_summary([D], gamebook[gamebook["game_date"] == ts(D)], pbp, offense, props)
    both = p3.player_game_summary([D, d2], gamebook, pbp, offense, props).set_index("player_lookup")
    assert one_day.set_index("player_lookup").loc["marcusmorrissr", "points_line"] == 9.5
    assert both.loc["marcusmorrissr", "points_line"] == 9.5 and pd.isna(both.loc["marcusmorris2", "points_line"])


# --- the lines and player identity --------------------------------------------------------------


def game_line(book: str, market: str, outcome: str, point: float, stamp: str, before: int = 60) -> dict:
    return {
        "game_id": "g1",
        "bookmaker_key": book,
        "market_key": market,
        "outcome_name": outcome,
        "outcome_point": point,
        "snapshot_timestamp": ts(stamp),
        "minutes_before_tipoff": before,
        "home_team": "Boston Celtics",
        "away_team": "New York Knicks",
        "home_team_abbr": "BOS",
        "away_team_abbr": "NYK",
    }


def test_team_lines_take_the_priority_bookmakers_latest_pre_tip_spread_and_total():
    rows = pd.DataFrame(
        [
            game_line("fanduel", "spreads", "Boston Celtics", -7.0, "2024-11-30 18:00"),
            game_line("draftkings", "spreads", "Boston Celtics", -5.5, "2024-11-30 12:00"),
            game_line("draftkings", "spreads", "Boston Celtics", -6.5, "2024-11-30 17:00"),
            game_line("draftkings", "spreads", "New York Knicks", 6.5, "2024-11-30 17:00"),
            game_line("draftkings", "spreads", "Boston Celtics", -9.5, "2024-11-30 20:00", before=-30),  # in play
            game_line("draftkings", "totals", "Over", 221.5, "2024-11-30 17:00"),
            game_line("draftkings", "totals", "Under", 221.5, "2024-11-30 17:00"),
        ]
    )
    out = lines.team_lines(rows).set_index("team_abbr")
    assert out.loc["BOS", "game_spread"] == -6.5 and out.loc["NYK", "game_spread"] == 6.5
    assert (out["game_total"] == 221.5).all() and len(out) == 2


def test_match_players_moves_a_suffixed_or_aliased_line_to_the_one_nba_player_it_names():
    players = pd.DataFrame(
        {
            "player_lookup": ["jimmybutleriii", "nicclaxton", "jalenwilliams", "jaylinwilliams"],
            "player_name": ["Jimmy Butler III", "Nic Claxton", "Jalen Williams", "Jaylin Williams"],
        }
    )
    props = pd.DataFrame(
        {
            "player_name": ["Jimmy Butler", "Nicolas Claxton", "Jalen Williams", "Nobody Known"],
            "player_lookup": ["jimmybutler", "nicolasclaxton", "jalenwilliams", "nobodyknown"],
        }
    )
    out = identity.match_players(props, players)
    assert out["player_lookup"].tolist() == ["jimmybutleriii", "nicclaxton", "jalenwilliams", "nobodyknown"]
    assert identity.identity_key("Dereck Lively II") == "derecklively"


# --- the pre-game context -----------------------------------------------------------------------


def schedule(*games: tuple[str, str, str, dt.date]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "game_id": g,
                "nba_game_id": f"00{g}",
                "game_date": ts(day),
                "season_year": 2024,
                "home_team_tricode": home,
                "away_team_tricode": away,
            }
            for g, home, away, day in games
        ]
    )


def summary_row(day: str, points: int, minutes: float = 30.0, result: str | None = "OVER", active: bool = True) -> dict:
    return {
        "game_date": ts(day),
        "player_lookup": "a",
        "player_name": "A",
        "team_abbr": "BOS",
        "is_active": active,
        "points": points,
        "minutes_played": minutes,
        "usage_rate": 20.0,
        "over_under_result": result,
    }


def test_upcoming_player_context_averages_the_window_before_d_only():
    history = pd.DataFrame(
        [
            summary_row("2024-11-25", 10),
            summary_row("2024-11-27", 20),
            summary_row("2024-11-29", 30),
            summary_row("2024-11-28", 99, active=False),  # did not play: not a game of his sample
            summary_row("2024-11-30", 50),  # D itself: the game being predicted, never its own input
        ]
    )
    gamebook = pd.DataFrame(
        {"game_date": [ts(D)], "player_lookup": ["a"], "team_abbr": ["BOS"], "player_name_original": ["A"]}
    )
    out = p3.upcoming_player_game_context(
        [D], gamebook, pd.DataFrame(), pd.DataFrame(), history, schedule(("g1", "BOS", "NYK", D))
    )
    row = out.set_index("player_lookup").loc["a"]
    assert row["games_in_sample"] == 3 and row["points_avg_last_5"] == 20.0  # (10 + 20 + 30) / 3
    assert row["days_rest"] == 0 and row["back_to_back"]  # played the 29th
    assert row["games_in_last_7_days"] == 3 and row["minutes_in_last_7_days"] == 90
    assert row["prop_over_streak"] == 3 and row["prop_under_streak"] == 0
    # the early-season rule: 3 games < 10 is an early-season row of quality 30
    assert row["early_season_flag"] and row["quality_score"] == 30
    assert row["opponent_team_abbr"] == "NYK" and row["home_game"] and not row["has_prop_line"]


def test_upcoming_player_context_of_a_slate_without_box_scores_takes_each_players_latest_team():
    history = pd.DataFrame([summary_row("2024-11-20", 10) | {"team_abbr": "NYK"}, summary_row("2024-11-28", 14)])
    out = p3.upcoming_player_game_context(
        [D], pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), history, schedule(("g1", "BOS", "NYK", D))
    )
    assert out[["player_lookup", "team_abbr", "games_in_sample"]].values.tolist() == [["a", "BOS", 2]]


def test_upcoming_team_context_streaks_rest_and_last_result_from_earlier_games_only():
    offense = pd.DataFrame(
        {
            "game_date": [ts("2024-11-24"), ts("2024-11-26"), ts("2024-11-28"), ts("2024-11-30")],
            "team_abbr": ["BOS"] * 4,
            "win_flag": [False, True, True, False],
            "margin_of_victory": [-3, 8, 2, -20],
            "pace": [100.0, 98.0, 96.0, 50.0],
            "offensive_rating": [110.0, 120.0, 115.0, 10.0],
        }
    )
    out = p3.upcoming_team_game_context([D], pd.DataFrame(), offense, schedule(("g1", "BOS", "NYK", D)))
    bos, nyk = out.set_index("team_abbr").loc["BOS"], out.set_index("team_abbr").loc["NYK"]
    assert bos["games_in_sample"] == 3 and bos["team_pace_last_10"] == 98.0  # D's own 50.0 is not in it
    assert bos["team_off_rating_last_10"] == 115.0
    assert (bos["team_win_streak_entering"], bos["team_loss_streak_entering"]) == (2, 0)
    assert bos["last_game_margin"] == 2 and bos["last_game_result"] == "W"
    assert bos["team_days_rest"] == 1 and not bos["is_back_to_back"] and bos["early_season_flag"]
    # the opponent has no history: no streak, no last game, nothing invented
    assert nyk["games_in_sample"] == 0 and nyk["last_game_result"] is None and pd.isna(nyk["team_days_rest"])


# --- roster -------------------------------------------------------------------------------------


def test_a_slate_without_box_scores_takes_each_players_latest_team_without_a_pandas_warning():
    import warnings

    gamebook = pd.DataFrame()  # today's box scores: a partition never written arrives with no columns
    teams = pd.DataFrame({"game_date": [ts(D)], "team_abbr": ["BOS"]})
    played = pd.DataFrame(
        {
            "game_date": [ts(D - dt.timedelta(days=3)), ts(D - dt.timedelta(days=1)), ts(D - dt.timedelta(days=1))],
            "player_lookup": ["ann", "ann", "bob"],
            "team_abbr": ["NYK", "BOS", "NYK"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # concat with an empty frame is deprecated
        got = p3.roster([D], gamebook, teams, played)
    assert got.to_dict("records") == [{"game_date": ts(D), "player_lookup": "ann", "team_abbr": "BOS"}]
