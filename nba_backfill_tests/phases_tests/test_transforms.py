"""Phase 3-5 transforms, the window slicing and the gap verification on tiny frames: a few rows
written here, each expected value worked out by hand (no Dagster, no warehouse)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_backfill.calendar import lookback as lookback_mapping
from nba_backfill.calendar import mapped_dates, window, window_start
from nba_backfill.phases.lookback import describe_gaps, window_gaps, window_pairs
from nba_backfill.phases.phase3_analytics import lines
from nba_backfill.phases.phase3_analytics import transforms as p3
from nba_backfill.phases.phase4_precompute import transforms as p4
from nba_backfill.phases.phase5_predictions import transforms as p5
from nba_backfill.phases.windows import history_in_window, on_dates, quality_score

OPENING = dt.date(2024, 10, 22)  # the 2024-25 season's opening night
D = dt.date(2024, 11, 30)


def ts(day: dt.date | str) -> pd.Timestamp:
    return pd.Timestamp(str(day))


# --- the window ---------------------------------------------------------------------------------


def test_the_window_is_the_30_days_before_d_from_the_mapping():
    assert mapped_dates(lookback_mapping, D) == [D - dt.timedelta(days=k) for k in range(30, 0, -1)]
    assert window(D) == mapped_dates(lookback_mapping, D)  # late enough in the season: nothing clipped


def test_the_window_never_reaches_into_the_previous_season():
    day = OPENING + dt.timedelta(days=3)
    assert window_start(day) == OPENING
    assert window(day) == [OPENING, OPENING + dt.timedelta(days=1), OPENING + dt.timedelta(days=2)]
    assert window(OPENING) == []  # opening night has no history


def test_history_in_window_keeps_only_the_games_inside_each_dates_window_most_recent_first():
    targets = pd.DataFrame({"player": ["a", "a"], "game_date": [ts("2024-11-30"), ts("2024-12-02")]})
    history = pd.DataFrame(
        {
            "player": ["a", "a", "a", "a", "b"],
            "game_date": [ts("2024-10-20"), ts("2024-11-28"), ts("2024-11-30"), ts("2024-12-01"), ts("2024-11-29")],
            "points": [99, 10, 20, 30, 40],
        }
    )
    joined = history_in_window(targets, history, ["player"])
    by_date = {d.date(): list(zip(g["points"], g["recency"])) for d, g in joined.groupby("game_date")}
    # 30 Nov: the 28 Nov game only (30 Nov itself is D: no look-ahead; 20 Oct is last season).
    assert by_date[dt.date(2024, 11, 30)] == [(10, 1)]
    # 2 Dec: 1 Dec, 30 Nov, 28 Nov, most recent first; player b's game is not a's.
    assert by_date[dt.date(2024, 12, 2)] == [(30, 1), (20, 2), (10, 3)]


def test_on_dates_and_quality_score():
    frame = pd.DataFrame({"game_date": [ts("2024-11-01"), ts("2024-11-02")], "x": [1, 2]})
    assert on_dates(frame, [dt.date(2024, 11, 2)])["x"].tolist() == [2]
    assert quality_score(pd.Series([0, 3, 10, 14, None])).tolist() == [0, 30, 100, 100, 0]


# --- the gap verification -----------------------------------------------------------------------


def schedule(rows: list[tuple[str, str, int]], loaded: list[dt.date]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["game_date", "game_id", "game_status"]).assign(
        game_date=lambda f: pd.to_datetime(f["game_date"])
    )
    frame.attrs["present_dates"] = loaded
    return frame


def test_window_pairs_one_row_per_analysis_date_and_window_date():
    day = OPENING + dt.timedelta(days=2)
    pairs = window_pairs([day])
    assert list(zip(pairs["analysis_date"], pairs["game_date"])) == [
        (day, OPENING),
        (day, OPENING + dt.timedelta(days=1)),
    ]


def test_a_complete_window_has_no_gaps():
    day = OPENING + dt.timedelta(days=2)
    sched = schedule([("2024-10-22", "g1", 3), ("2024-10-23", "g2", 3)], [OPENING, OPENING + dt.timedelta(days=1)])
    history = {"nba_analytics.player_game_summary": pd.DataFrame({"game_id": ["g1", "g2"]})}
    assert window_gaps([day], sched, history).empty


def test_gaps_name_the_unloaded_schedule_date_and_the_missing_final_game():
    day = OPENING + dt.timedelta(days=2)
    # 23 Oct's schedule was never loaded; 22 Oct's final game g1 is missing from the history table,
    # its unfinished game g0 (status 1) is not expected.
    sched = schedule([("2024-10-22", "g1", 3), ("2024-10-22", "g0", 1)], [OPENING])
    history = {"nba_analytics.player_game_summary": pd.DataFrame({"game_id": ["other"]})}
    gaps = window_gaps([day], sched, history)
    assert sorted(zip(gaps["table"], gaps["missing_date"], gaps["game_id"].fillna("-"))) == [
        ("nba_analytics.player_game_summary", OPENING, "g1"),
        ("nba_raw.nbac_schedule", OPENING + dt.timedelta(days=1), "-"),
    ]
    text = describe_gaps(gaps)
    assert text.startswith("lookback window incomplete for 2024-10-24: ")
    assert "nba_analytics.player_game_summary: 1 date(s) 2024-10-22 (1 game(s): g1)" in text
    assert "nba_raw.nbac_schedule: 1 date(s) 2024-10-23" in text


# --- Phase 3 ------------------------------------------------------------------------------------


def team_box(team: str, opponent: str, **stats) -> dict:
    base = {
        "game_id": "g1",
        "nba_game_id": "0022400001",
        "game_date": ts("2024-11-01"),
        "season_year": 2024,
        "team_abbr": team,
        "opponent_team_abbr": opponent,
        "is_home": team == "BOS",
        "points": 100,
        "fg_attempted": 80,
        "fg_made": 40,
        "three_pt_attempted": 30,
        "three_pt_made": 10,
        "ft_attempted": 25,
        "ft_made": 10,
        "offensive_rebounds": 10,
        "total_rebounds": 45,
        "assists": 20,
        "turnovers": 14,
        "personal_fouls": 18,
        "overtime_periods": 0,
        "plus_minus": 5,
    }
    return base | stats


def test_team_offense_possessions_pace_rating_and_zones():
    box = pd.DataFrame([team_box("BOS", "NYK"), team_box("NYK", "BOS", points=95, plus_minus=-5, overtime_periods=1)])
    pbp = pd.DataFrame(
        {
            "game_id": ["g1"] * 3,
            "team_abbr": ["BOS"] * 3,
            "shot_zone": ["paint", "paint", "three"],
            "shot_made": [True, False, True],
            "is_assisted": [True, False, False],
        }
    )
    out = p3.team_offense_game_summary([dt.date(2024, 11, 1)], box, pbp).set_index("team_abbr")
    # possessions = 80 + 0.44 x 25 - 10 + 14 = 95
    assert out.loc["BOS", "possessions"] == 95 and out.loc["BOS", "pace"] == 95.0
    assert out.loc["NYK", "pace"] == round(95 * 48 / 53, 1) and out.loc["NYK", "game_minutes"] == 53
    assert out.loc["BOS", "offensive_rating"] == round(100 * 100 / 95, 2)
    assert out.loc["BOS", "ts_pct"] == round(100 / (2 * (80 + 0.44 * 25)), 3)
    assert (out.loc["BOS", "team_paint_attempts"], out.loc["BOS", "team_paint_makes"]) == (2, 1)
    assert bool(out.loc["BOS", "shot_zones_available"]) and not bool(out.loc["NYK", "shot_zones_available"])
    assert bool(out.loc["BOS", "win_flag"]) and not bool(out.loc["NYK", "win_flag"])


def test_team_defense_is_the_opponents_offence():
    box = pd.DataFrame([team_box("BOS", "NYK"), team_box("NYK", "BOS", points=95, fg_made=35)])
    offense = p3.team_offense_game_summary([dt.date(2024, 11, 1)], box, pd.DataFrame())
    defense = p3.team_defense_game_summary([dt.date(2024, 11, 1)], offense).set_index("defending_team_abbr")
    assert defense.loc["BOS", "points_allowed"] == 95 and defense.loc["BOS", "opp_fg_makes"] == 35
    assert defense.loc["NYK", "points_allowed"] == 100
    assert defense.loc["BOS", "defensive_rebounds"] == 45 - 10
    assert defense.loc["BOS", "defensive_rating"] == round(100 * 95 / 95, 2)


def test_prop_result_over_under_push_and_no_line():
    points = pd.Series([25, 18, 20, 30, 30])
    line = pd.Series([20.5, 20.5, 20.0, None, 20.5])
    active = pd.Series([True, True, True, True, False])
    result = p3.prop_result(points, line, active)
    assert result.tolist()[:2] == ["OVER", "UNDER"] and result.iloc[2:].isna().all()


def test_usage_rate_is_the_share_of_team_possessions_used_on_the_floor():
    player = pd.DataFrame(
        {
            "fg_attempts": [20],
            "ft_attempts": [10],
            "turnovers": [3],
            "team_fg_attempts": [80],
            "team_ft_attempts": [25],
            "team_turnovers": [14],
            "minutes_played": [36],
            "team_minutes": [240],
        }
    )
    used, team = 20 + 4.4 + 3, 80 + 11 + 14
    assert p3.usage_rate(player).tolist() == [round(100 * used * 48 / (36 * team), 2)]


def test_rest_load_and_streak_from_a_window():
    targets = pd.DataFrame({"player": ["a"], "game_date": [ts("2024-11-30")]})
    history = pd.DataFrame(
        {
            "player": ["a"] * 3,
            "minutes": [30, 20, 10],
            "game_date": [ts("2024-11-28"), ts("2024-11-27"), ts("2024-11-10")],
        }
    )
    win = history_in_window(targets, history, ["player"])
    load = p3.rest_and_load(win, ["player"], "minutes")
    key = ("a",) if isinstance(load["days_rest"].index, pd.MultiIndex) else "a"
    assert load["days_rest"].loc[key] == 1  # last played the 28th: one day off
    assert load["games_in_last_7_days"].loc["a"] == 2 and load["minutes_in_last_7_days"].loc["a"] == 50
    assert load["back_to_backs_last_14_days"].loc["a"] == 1  # the 27th and the 28th
    assert p3.streak(win, ["player"], win["minutes"] >= 20).loc["a"] == 2  # 30 and 20, then 10 breaks it


def test_player_lines_takes_the_priority_bookmakers_latest_pre_tip_line_and_its_opening():
    props = pd.DataFrame(
        {
            "game_date": [ts("2024-11-01")] * 5,
            "player_lookup": ["a"] * 5,
            "bookmaker": ["fanduel", "draftkings", "draftkings", "draftkings", "draftkings"],
            "snapshot_timestamp": [
                ts("2024-11-01 18:00"),
                ts("2024-11-01 10:00"),
                ts("2024-11-01 17:00"),
                ts("2024-11-01 23:00"),
                ts("2024-11-01 16:00"),
            ],
            "minutes_before_tipoff": [60, 540, 120, -60, 180],
            "points_line": [22.5, 20.5, 21.5, 25.5, 20.0],  # in-play and the 20.0 placeholder never count
        }
    )
    out = lines.player_lines(props)
    assert out.to_dict("records") == [
        {
            "game_date": ts("2024-11-01"),
            "player_lookup": "a",
            "current_points_line": 21.5,
            "opening_points_line": 20.5,
            "line_movement": 1.0,
            "line_bookmaker": "draftkings",
        }
    ]


# --- Phase 4 ------------------------------------------------------------------------------------


def test_primary_zone_and_quality_tier():
    zone = p4.primary_zone(
        pd.Series([45.0, 30.0, 30.0, 30.0, None]),
        pd.Series([20.0, 20.0, 36.0, 30.0, None]),
        pd.Series([35.0, 41.0, 34.0, 39.0, None]),
    )
    assert zone.tolist()[:4] == ["paint", "perimeter", "mid_range", "balanced"] and pd.isna(zone.iloc[4])
    assert p4.quality_tier(pd.Series([100, 80, 50, 30, 10])).tolist() == [
        "gold",
        "silver",
        "bronze",
        "poor",
        "unusable",
    ]


def test_fatigue_score_penalties():
    ctx = pd.DataFrame(
        {
            "back_to_back": [False, True],
            "days_rest": [3, 0],
            "games_in_last_7_days": [1, 4],
            "minutes_in_last_7_days": [30, 250],
            "avg_minutes_per_game_last_7": [30, 36],
            "back_to_backs_last_14_days": [0, 2],
        }
    )
    # fresh: 100 + 5 for 3 days' rest, capped at 100; tired: 100 - 15 - 10 - 10 - 8 - 12 = 45
    assert p4.fatigue_score(ctx).tolist() == [100, 45]


def test_main_zone_and_mismatch_in_the_players_zone():
    zones = pd.DataFrame(
        {
            "primary_scoring_zone": ["paint", "balanced"],
            "paint_rate_last_10": [60.0, 20.0],
            "mid_range_rate_last_10": [10.0, 45.0],
            "three_pt_rate_last_10": [30.0, 35.0],
        }
    )
    assert p4.main_zone(zones).tolist() == ["paint", "mid_range"]
    defense = pd.DataFrame(
        {
            "paint_defense_vs_league_avg": [4.0, 0.0],
            "mid_range_defense_vs_league_avg": [0.0, 8.0],
            "three_pt_defense_vs_league_avg": [0.0, 0.0],
        }
    )
    # paint 4.0 x min(60/50, 1) = 4.0; mid 8.0 x 45/50 = 7.2, beyond 5 so x1.2 = 8.64
    assert p4.shot_zone_mismatch(p4.main_zone(zones), zones, defense).tolist() == [4.0, 8.64]


# --- Phase 5 ------------------------------------------------------------------------------------


def feature_row(**values) -> dict:
    base = {
        "game_date": ts("2024-11-30"),
        "player_lookup": "a",
        "game_id": "g1",
        "team_abbr": "BOS",
        "opponent_team_abbr": "NYK",
        "quality_score": 100,
        "early_season_flag": False,
        "points_avg_last_5": 20.0,
        "points_avg_last_10": 20.0,
        "points_avg_season": 20.0,
        "points_std_last_10": 3.0,
        "games_in_last_7_days": 3,
        "fatigue_score": 90,
        "shot_zone_mismatch_score": 0.0,
        "pace_score": 0.0,
        "usage_spike_score": 0.0,
        "home_away": 1,
        "back_to_back": 0,
        "vegas_points_line": 17.5,
    }
    return base | values


def test_predictions_baseline_adjustments_confidence_and_recommendation():
    store = pd.DataFrame(
        [
            feature_row(),
            feature_row(player_lookup="b", fatigue_score=40, back_to_back=1, home_away=0, vegas_points_line=None),
            feature_row(player_lookup="c", quality_score=40, points_std_last_10=7.0),
            feature_row(player_lookup="d", game_date=ts("2024-12-01")),
        ]
    )
    out = p5.player_prop_predictions([D], store).set_index("player_lookup")
    assert "d" not in out.index  # another date
    # a: 20 + 0.5 at home = 20.5; confidence 0.5 + 0.10 (3 games in 7 days) = 0.6; edge 3.0 > 2
    assert out.loc["a", "predicted_points"] == 20.5 and out.loc["a", "confidence_score"] == 0.6
    assert out.loc["a", "recommendation"] == "OVER" and out.loc["a", "line_margin"] == 3.0
    # b: 20 - 2.5 (fatigue) - 0.5 (away) - 1.5 (back-to-back) = 15.5, and no line to call
    assert out.loc["b", "predicted_points"] == 15.5 and out.loc["b", "recommendation"] == "NO_LINE"
    assert out.loc["b", "line_source"] == "NO_PROP_LINE"
    # c: quality 40 and a volatile scorer: (0.5 - 0.15 + 0.10) x 0.4 = 0.18 -> floor 0.2; PASS
    assert out.loc["c", "confidence_score"] == 0.2 and out.loc["c", "recommendation"] == "PASS"


def test_accuracy_grades_calls_and_voids_players_who_did_not_play():
    predictions = pd.DataFrame(
        {
            "game_date": [ts("2024-11-30")] * 3,
            "player_lookup": ["a", "b", "c"],
            "game_id": ["g1"] * 3,
            "system_id": ["moving_average"] * 3,
            "predicted_points": [20.5, 15.0, 12.0],
            "confidence_score": [0.6, 0.5, 0.3],
            "recommendation": ["OVER", "UNDER", "PASS"],
            "has_prop_line": [True] * 3,
            "quality_score": [100] * 3,
            "early_season_flag": [False] * 3,
            "current_points_line": [17.5, 16.5, 12.5],
        }
    )
    summary = pd.DataFrame(
        {
            "game_date": [ts("2024-11-30")] * 3,
            "player_lookup": ["a", "b", "c"],
            "points": [16, 0, 14],
            "minutes_played": [30, 0, 25],
            "is_dnp": [False, True, False],
        }
    )
    out = p5.prediction_accuracy([D], predictions, summary).set_index("player_lookup")
    assert out.loc["a", "signed_error"] == 4.5 and out.loc["a", "prediction_correct"] == False  # noqa: E712
    assert not out.loc["a", "within_3_points"] and out.loc["a", "within_5_points"]
    assert out.loc["a", "confidence_decile"] == 7
    assert (
        out.loc["b", "is_voided"]
        and pd.isna(out.loc["b", "signed_error"])
        and pd.isna(out.loc["b", "prediction_correct"])
    )
    assert pd.isna(out.loc["c", "prediction_correct"])  # PASS is not a call
    assert out.loc["c", "absolute_error"] == 2.0
