"""Phase 4 precompute: rolling profiles and composite factors for each game date.

History comes only from the lookback window (strictly before the date, never across seasons).
Every player or team with a game gets a row; where history is thin the row says so through
``games_in_sample``, ``quality_score`` and ``early_season_flag`` and uses defaults, rather than
being skipped.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from nba_backfill.calendar import FULL_SAMPLE_GAMES
from nba_backfill.phases.phase3_analytics.transforms import schedule_teams
from nba_backfill.phases.windows import attach, history_in_window, on_dates, quality_score, with_columns

PLAYER_SAMPLE_GAMES = 10
TEAM_SAMPLE_GAMES = 15
#: League shooting by zone when too few teams have a full sample (reference §2, TDZA).
DEFAULT_LEAGUE_PCT = {"paint": 0.580, "mid_range": 0.410, "three_pt": 0.355}
MIN_TEAMS_FOR_LEAGUE_AVERAGE = 10
MIN_GAMES_FOR_LEAGUE_AVERAGE = 10
LEAGUE_PACE = 100.0
ZONE_SUM_TOLERANCE = 2.0


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype("float64")


def _sums(window: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    return window.groupby(keys)[columns].sum()


def _finish(out: pd.DataFrame, games: str) -> pd.DataFrame:
    out[games] = out[games].fillna(0).astype("int64")
    out["early_season_flag"] = out[games] < FULL_SAMPLE_GAMES
    out["quality_score"] = quality_score(out[games])
    return out


# --- team defence by zone ----------------------------------------------------------------------


def _zone_allowed(window: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    s = _sums(
        window,
        keys,
        [
            "opp_paint_makes",
            "opp_paint_attempts",
            "opp_mid_range_makes",
            "opp_mid_range_attempts",
            "opp_three_pt_makes",
            "opp_three_pt_attempts",
        ],
    )
    return pd.DataFrame(
        {
            "paint": _ratio(s["opp_paint_makes"], s["opp_paint_attempts"]),
            "mid_range": _ratio(s["opp_mid_range_makes"], s["opp_mid_range_attempts"]),
            "three_pt": _ratio(s["opp_three_pt_makes"], s["opp_three_pt_attempts"]),
        }
    )


def league_zone_pct(history: pd.DataFrame, dates: pd.Series) -> pd.DataFrame:
    """League FG% allowed by zone over each date's window, from teams with a decent sample;
    the fixed defaults while fewer than ten teams have one."""
    targets = pd.DataFrame({"game_date": dates.unique()}).assign(k=1)
    window = history_in_window(targets, history.assign(k=1), on=["k"])
    games = window.groupby(["game_date", "defending_team_abbr"]).size().rename("games").reset_index()
    qualified = games[games["games"] >= MIN_GAMES_FOR_LEAGUE_AVERAGE]
    teams = qualified.groupby("game_date").size()
    qualified = qualified[qualified["game_date"].isin(teams[teams >= MIN_TEAMS_FOR_LEAGUE_AVERAGE].index)]
    league = _zone_allowed(window.merge(qualified, on=["game_date", "defending_team_abbr"]), ["game_date"])
    return league.reindex(pd.Index(targets["game_date"], name="game_date")).fillna(DEFAULT_LEAGUE_PCT)


def team_defense_zone_analysis(
    dates: list[dt.date], team_defense: pd.DataFrame, schedule: pd.DataFrame
) -> pd.DataFrame:
    keys = ["game_date", "team_abbr"]
    targets = schedule_teams(schedule, dates)[["game_date", "team_abbr", "game_id"]]
    history = with_columns(team_defense, ["game_date", "defending_team_abbr"]).rename(
        columns={"defending_team_abbr": "team_abbr"}
    )
    window = history_in_window(targets[keys], history, on=["team_abbr"])
    window = window[window["recency"] <= TEAM_SAMPLE_GAMES]
    zones = _zone_allowed(
        window.rename(columns={"team_abbr": "defending_team_abbr"}), ["game_date", "defending_team_abbr"]
    )
    zones.index.names = keys
    per_game = window.groupby(keys)[
        [
            "opp_paint_attempts",
            "points_in_paint_allowed",
            "opp_mid_range_attempts",
            "mid_range_points_allowed",
            "opp_three_pt_attempts",
            "three_pt_points_allowed",
            "points_allowed",
            "opponent_pace",
            "defensive_rating",
        ]
    ].mean()
    out = attach(
        targets,
        keys,
        games_in_sample=window.groupby(keys).size(),
        paint_pct_allowed_last_15=zones["paint"].round(3),
        mid_range_pct_allowed_last_15=zones["mid_range"].round(3),
        three_pt_pct_allowed_last_15=zones["three_pt"].round(3),
        paint_attempts_allowed_per_game=per_game["opp_paint_attempts"].round(1),
        paint_points_allowed_per_game=per_game["points_in_paint_allowed"].round(1),
        mid_range_attempts_allowed_per_game=per_game["opp_mid_range_attempts"].round(1),
        mid_range_points_allowed_per_game=per_game["mid_range_points_allowed"].round(1),
        three_pt_attempts_allowed_per_game=per_game["opp_three_pt_attempts"].round(1),
        three_pt_points_allowed_per_game=per_game["three_pt_points_allowed"].round(1),
        defensive_rating_last_15=per_game["defensive_rating"].round(2),
        opponent_points_per_game=per_game["points_allowed"].round(1),
        opponent_pace=per_game["opponent_pace"].round(1),
    )
    league = league_zone_pct(history.rename(columns={"team_abbr": "defending_team_abbr"}), out["game_date"])
    # Games in the window whose shot zones exist: a game without play-by-play has none to give.
    out = attach(out, keys, zone_games=window[window["opp_paint_attempts"].notna()].groupby(keys).size())
    out["shot_zone_data_available"] = out.pop("zone_games").fillna(0) > 0
    unknown = (out["games_in_sample"].fillna(0) > 0) & ~out["shot_zone_data_available"]
    for zone in ("paint", "mid_range", "three_pt"):
        # Percentage points above the league: positive means a worse defence in that zone. A team
        # with no sample yet is scored as league average; one whose games have no shot zones
        # (no play-by-play) has no paint or mid-range figure: NULL, never made up.
        diff = 100 * (out[f"{zone}_pct_allowed_last_15"] - league[zone].reindex(out["game_date"]).to_numpy())
        from_pbp = zone != "three_pt"  # threes allowed come from the box score
        out[f"{zone}_defense_vs_league_avg"] = diff.fillna(0.0).round(2).mask(unknown & from_pbp)
    vs = out[[f"{z}_defense_vs_league_avg" for z in ("paint", "mid_range", "three_pt")]].to_numpy()
    names = np.array(["paint", "mid_range", "three_pt"])
    # Strongest and weakest zones need all three: none without play-by-play.
    out["strongest_zone"] = pd.Series(names[vs.argmin(axis=1)] if len(out) else [], index=out.index, dtype=object).mask(
        unknown
    )
    out["weakest_zone"] = pd.Series(names[vs.argmax(axis=1)] if len(out) else [], index=out.index, dtype=object).mask(
        unknown
    )
    out["data_quality_tier"] = np.select(
        [out["games_in_sample"] >= TEAM_SAMPLE_GAMES, out["games_in_sample"] >= 10], ["high", "medium"], "low"
    )
    out["analysis_date"] = out["game_date"]
    return _finish(out, "games_in_sample")


# --- player shot zones ------------------------------------------------------------------------


def primary_zone(paint: pd.Series, mid: pd.Series, three: pd.Series) -> pd.Series:
    """paint if paint ≥ 40% of shots, perimeter if threes ≥ 40%, mid_range if ≥ 35%, else balanced."""
    return pd.Series(
        np.select([paint >= 40, three >= 40, mid >= 35], ["paint", "perimeter", "mid_range"], "balanced"),
        index=paint.index,
    ).where(paint.notna())


def player_shot_zone_analysis(
    dates: list[dt.date], player_game_summary: pd.DataFrame, upcoming_player_context: pd.DataFrame
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    targets = on_dates(with_columns(upcoming_player_context, [*keys, "game_id", "team_abbr"]), dates)[
        [*keys, "game_id", "team_abbr"]
    ]
    history = with_columns(
        player_game_summary, ["game_date", "player_lookup", "is_active", "fg_attempts", "minutes_played"]
    )
    shooting = history[
        history["is_active"].astype(bool) & ((history["minutes_played"] > 0) | (history["fg_attempts"] > 0))
    ]
    window = history_in_window(targets[keys], shooting, on=["player_lookup"])
    window = window[window["recency"] <= PLAYER_SAMPLE_GAMES]
    complete = window[window["has_complete_shot_zones"].astype(bool)]
    s = _sums(
        complete,
        keys,
        [
            "paint_attempts",
            "paint_makes",
            "mid_range_attempts",
            "mid_range_makes",
            "three_attempts_pbp",
            "three_makes_pbp",
            "fg_makes",
            "assisted_fg_makes",
        ],
    )
    total = s["paint_attempts"] + s["mid_range_attempts"] + s["three_attempts_pbp"]
    rates = pd.DataFrame(
        {
            "paint": 100 * _ratio(s["paint_attempts"], total),
            "mid": 100 * _ratio(s["mid_range_attempts"], total),
            "three": 100 * _ratio(s["three_attempts_pbp"], total),
        }
    )
    # Rates only from a full set of zones that add up: mixed sources once gave threes = 100%.
    trustworthy = (rates.sum(axis=1) - 100).abs() <= ZONE_SUM_TOLERANCE
    rates = rates.where(trustworthy, axis=0)
    games = complete.groupby(keys).size()
    out = attach(
        targets,
        keys,
        games_in_sample_10=window.groupby(keys).size(),
        total_shots_last_10=total,
        paint_rate_last_10=rates["paint"].round(1),
        mid_range_rate_last_10=rates["mid"].round(1),
        three_pt_rate_last_10=rates["three"].round(1),
        paint_pct_last_10=_ratio(s["paint_makes"], s["paint_attempts"]).round(3),
        mid_range_pct_last_10=_ratio(s["mid_range_makes"], s["mid_range_attempts"]).round(3),
        three_pt_pct_last_10=_ratio(s["three_makes_pbp"], s["three_attempts_pbp"]).round(3),
        paint_attempts_per_game=_ratio(s["paint_attempts"], games).round(1),
        mid_range_attempts_per_game=_ratio(s["mid_range_attempts"], games).round(1),
        three_pt_attempts_per_game=_ratio(s["three_attempts_pbp"], games).round(1),
        assisted_rate_last_10=(100 * _ratio(s["assisted_fg_makes"], s["fg_makes"])).round(1),
    )
    out["unassisted_rate_last_10"] = (100 - out["assisted_rate_last_10"]).round(1)
    # Zones exist for games with play-by-play (PGS leaves them NULL otherwise), complete or not.
    out = attach(out, keys, zone_games=window[window["paint_attempts"].notna()].groupby(keys).size())
    out["shot_zone_data_available"] = out.pop("zone_games").fillna(0) > 0
    out["primary_scoring_zone"] = primary_zone(
        out["paint_rate_last_10"], out["mid_range_rate_last_10"], out["three_pt_rate_last_10"]
    )
    sample = out["games_in_sample_10"].fillna(0)
    out["sample_quality_10"] = np.select(
        [sample >= PLAYER_SAMPLE_GAMES, sample >= 7, sample >= 5], ["excellent", "good", "limited"], "insufficient"
    )
    out["analysis_date"] = out["game_date"]
    return _finish(out, "games_in_sample_10")


# --- player daily cache -----------------------------------------------------------------------


def player_daily_cache(
    dates: list[dt.date],
    player_game_summary: pd.DataFrame,
    team_offense: pd.DataFrame,
    upcoming_player_context: pd.DataFrame,
    shot_zones: pd.DataFrame,
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    context = on_dates(with_columns(upcoming_player_context, [*keys, "game_id", "team_abbr"]), dates)
    targets = context[
        [
            *keys,
            "game_id",
            "team_abbr",
            "games_in_last_7_days",
            "games_in_last_14_days",
            "minutes_in_last_7_days",
            "back_to_backs_last_14_days",
        ]
    ]
    history = with_columns(player_game_summary, ["game_date", "player_lookup", "is_active", "minutes_played"])
    played = history[history["is_active"].astype(bool) & (history["minutes_played"] > 0)]
    window = history_in_window(targets[keys], played, on=["player_lookup"])
    last10 = window[window["recency"] <= 10].groupby(keys)
    team_keys = ["game_date", "team_abbr"]
    team_window = history_in_window(
        targets[team_keys].drop_duplicates(), with_columns(team_offense, ["game_date", "team_abbr"]), on=["team_abbr"]
    )
    team10 = team_window[team_window["recency"] <= 10].groupby(team_keys)
    out = attach(
        targets,
        keys,
        games_played_season=window.groupby(keys).size(),
        points_avg_last_5=window[window["recency"] <= 5].groupby(keys)["points"].mean().round(1),
        points_avg_last_10=last10["points"].mean().round(1),
        points_avg_season=window.groupby(keys)["points"].mean().round(1),
        points_std_last_10=last10["points"].std(ddof=0).round(2),
        minutes_avg_last_10=last10["minutes_played"].mean().round(1),
        usage_rate_last_10=last10["usage_rate"].mean().round(2),
        ts_pct_last_10=last10["ts_pct"].mean().round(3),
        player_usage_rate_season=window.groupby(keys)["usage_rate"].mean().round(2),
    )
    out = attach(
        out,
        team_keys,
        team_pace_last_10=team10["pace"].mean().round(1),
        team_off_rating_last_10=team10["offensive_rating"].mean().round(2),
    )
    zones = on_dates(
        with_columns(
            shot_zones,
            [*keys, "primary_scoring_zone", "paint_rate_last_10", "three_pt_rate_last_10", "assisted_rate_last_10"],
        ),
        dates,
    )
    out = out.merge(
        zones[[*keys, "primary_scoring_zone", "paint_rate_last_10", "three_pt_rate_last_10", "assisted_rate_last_10"]],
        on=keys,
        how="left",
    )
    out["shot_zone_data_available"] = out["paint_rate_last_10"].notna()
    out["cache_date"] = out["game_date"]
    return _finish(out, "games_played_season")


# --- composite factors ------------------------------------------------------------------------


def fatigue_score(ctx: pd.DataFrame) -> pd.Series:
    """100 = fresh; penalties for back-to-backs, dense schedules and heavy minutes (reference §2)."""
    score = pd.Series(100.0, index=ctx.index)
    score -= 15 * ctx["back_to_back"].astype(bool)
    score += 5 * (ctx["days_rest"] >= 3)
    score -= 10 * (ctx["games_in_last_7_days"] >= 4)
    score -= 10 * (ctx["minutes_in_last_7_days"] > 240)
    score -= 8 * (ctx["avg_minutes_per_game_last_7"] > 35)
    b2b = ctx["back_to_backs_last_14_days"]
    score -= np.where(b2b >= 2, 12, np.where(b2b == 1, 5, 0))
    return score.clip(0, 100).round().astype("int64")


ZONE_OF_PRIMARY = {"paint": "paint", "mid_range": "mid_range", "perimeter": "three_pt"}
RATE_OF_ZONE = {
    "paint": "paint_rate_last_10",
    "mid_range": "mid_range_rate_last_10",
    "three_pt": "three_pt_rate_last_10",
}


def shot_zone_mismatch(row_zone: pd.Series, zones: pd.DataFrame, defense: pd.DataFrame) -> pd.Series:
    """The opponent's vs-league number in the player's main zone, scaled by how much he lives there."""
    vs = pd.Series(np.nan, index=zones.index)
    rate = pd.Series(np.nan, index=zones.index)
    for zone in ("paint", "mid_range", "three_pt"):
        here = row_zone == zone
        vs[here] = defense.loc[here, f"{zone}_defense_vs_league_avg"]
        rate[here] = zones.loc[here, RATE_OF_ZONE[zone]]
    score = vs * np.minimum(rate / 50, 1)
    score = score.where(score.abs() <= 5, score * 1.2)
    return score.clip(-10, 10).round(2)


def main_zone(zones: pd.DataFrame) -> pd.Series:
    """The player's primary zone; a balanced shooter is judged on the zone he uses most."""
    rates = zones[list(RATE_OF_ZONE.values())]
    most = pd.Series(
        np.array(list(RATE_OF_ZONE))[rates.fillna(-1).to_numpy().argmax(axis=1)] if len(rates) else [],
        index=zones.index,
    )
    mapped = zones["primary_scoring_zone"].map(ZONE_OF_PRIMARY)
    return mapped.fillna(most).where(rates.notna().all(axis=1))


def player_composite_factors(
    dates: list[dt.date],
    upcoming_player_context: pd.DataFrame,
    upcoming_team_context: pd.DataFrame,
    shot_zones: pd.DataFrame,
    defense_zones: pd.DataFrame,
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    ctx = on_dates(with_columns(upcoming_player_context, [*keys, "team_abbr", "opponent_team_abbr"]), dates)
    teams = with_columns(upcoming_team_context, ["game_date", "team_abbr", "team_pace_last_10"])[
        ["game_date", "team_abbr", "team_pace_last_10"]
    ]
    df = ctx.merge(teams, on=["game_date", "team_abbr"], how="left").merge(
        teams.rename(columns={"team_abbr": "opponent_team_abbr", "team_pace_last_10": "opponent_pace_last_10"}),
        on=["game_date", "opponent_team_abbr"],
        how="left",
    )
    zone_cols = ["primary_scoring_zone", *RATE_OF_ZONE.values(), "games_in_sample_10"]
    df = df.merge(with_columns(shot_zones, [*keys, *zone_cols])[[*keys, *zone_cols]], on=keys, how="left")
    defense_cols = [f"{z}_defense_vs_league_avg" for z in RATE_OF_ZONE] + ["defensive_rating_last_15"]
    defense = with_columns(defense_zones, ["game_date", "team_abbr", *defense_cols])[
        ["game_date", "team_abbr", *defense_cols]
    ]
    df = df.merge(
        defense.rename(columns={"team_abbr": "opponent_team_abbr"}), on=["game_date", "opponent_team_abbr"], how="left"
    )
    df["fatigue_score"] = fatigue_score(df)
    df["shot_zone_mismatch_score"] = shot_zone_mismatch(main_zone(df), df, df)
    # The mismatch needs both sides' zones: the player's shots and the opponent's defence by zone.
    df["shot_zone_data_available"] = df["paint_rate_last_10"].notna() & df["paint_defense_vs_league_avg"].notna()
    expected_pace = (df["team_pace_last_10"] + df["opponent_pace_last_10"]) / 2
    df["pace_score"] = ((expected_pace - LEAGUE_PACE) / 2).clip(-3, 3).round(2)
    df["usage_spike_score"] = ((df["usage_rate_last_3"] - df["usage_rate_last_10"]) * 0.3).clip(-3, 3).round(2)
    # Positive when the opponent defends worse than the league: 10 rating points = 1.0.
    league_rating = df.groupby("game_date")["defensive_rating_last_15"].transform("mean")
    df["opponent_strength_score"] = ((df["defensive_rating_last_15"] - league_rating) / 10).clip(-3, 3).round(2)
    factors = ["shot_zone_mismatch_score", "pace_score", "usage_spike_score", "opponent_strength_score"]
    df["total_composite_adjustment"] = df[factors].fillna(0).sum(axis=1).round(2)
    df["analysis_date"] = df["game_date"]
    df = df.rename(columns={"games_in_sample": "context_games"})
    out = df[
        [
            *keys,
            "game_id",
            "team_abbr",
            "opponent_team_abbr",
            "analysis_date",
            "fatigue_score",
            *factors,
            "total_composite_adjustment",
            "shot_zone_data_available",
            "context_games",
        ]
    ].rename(columns={"context_games": "games_in_sample"})
    return _finish(out, "games_in_sample")


# --- feature store ----------------------------------------------------------------------------

FEATURES = [
    "points_avg_last_5",
    "points_avg_last_10",
    "points_avg_season",
    "points_std_last_10",
    "games_in_last_7_days",
    "fatigue_score",
    "shot_zone_mismatch_score",
    "pace_score",
    "usage_spike_score",
    "opponent_strength_score",
    "days_rest",
    "back_to_back",
    "home_away",
    "opponent_def_rating",
    "opponent_pace",
    "pct_paint",
    "pct_mid_range",
    "pct_three",
    "team_pace",
    "team_off_rating",
    "minutes_avg_last_10",
    "vegas_points_line",
    "vegas_opening_line",
    "vegas_line_move",
    "has_vegas_line",
]


def quality_tier(score: pd.Series) -> pd.Series:
    return pd.Series(
        np.select(
            [score >= 95, score >= 75, score >= 50, score >= 25], ["gold", "silver", "bronze", "poor"], "unusable"
        ),
        index=score.index,
    )


def ml_feature_store(
    dates: list[dt.date],
    upcoming_player_context: pd.DataFrame,
    daily_cache: pd.DataFrame,
    composite_factors: pd.DataFrame,
    shot_zones: pd.DataFrame,
    defense_zones: pd.DataFrame,
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    ctx = on_dates(with_columns(upcoming_player_context, [*keys, "game_id", "opponent_team_abbr"]), dates)
    df = ctx[
        [
            *keys,
            "game_id",
            "team_abbr",
            "opponent_team_abbr",
            "home_game",
            "days_rest",
            "back_to_back",
            "current_points_line",
            "opening_points_line",
            "line_movement",
            "has_prop_line",
        ]
    ]
    # The composite factors' shot_zone_data_available (player and opponent zones) is the one kept.
    cache = with_columns(daily_cache, keys).drop(
        columns=[
            "game_id",
            "team_abbr",
            "processed_at",
            "early_season_flag",
            "quality_score",
            "cache_date",
            "shot_zone_data_available",
        ],
        errors="ignore",
    )
    factors = with_columns(composite_factors, [*keys, "shot_zone_data_available"])[
        [
            *keys,
            "fatigue_score",
            "shot_zone_mismatch_score",
            "pace_score",
            "usage_spike_score",
            "opponent_strength_score",
            "shot_zone_data_available",
        ]
    ]
    zones = with_columns(shot_zones, [*keys, "mid_range_rate_last_10"])[[*keys, "mid_range_rate_last_10"]]
    defense = with_columns(defense_zones, ["game_date", "team_abbr", "defensive_rating_last_15", "opponent_pace"])
    defense = defense[["game_date", "team_abbr", "defensive_rating_last_15", "opponent_pace"]].rename(
        columns={
            "team_abbr": "opponent_team_abbr",
            "defensive_rating_last_15": "opponent_def_rating",
            "opponent_pace": "opponent_pace_allowed",
        }
    )
    df = df.merge(cache, on=keys, how="left").merge(factors, on=keys, how="left").merge(zones, on=keys, how="left")
    df = df.merge(defense, on=["game_date", "opponent_team_abbr"], how="left")
    df = df.assign(
        home_away=df["home_game"].astype(float),
        back_to_back=df["back_to_back"].astype(float),
        opponent_pace=df["opponent_pace_allowed"],
        pct_paint=df["paint_rate_last_10"],
        pct_mid_range=df["mid_range_rate_last_10"],
        pct_three=df["three_pt_rate_last_10"],
        team_pace=df["team_pace_last_10"],
        team_off_rating=df["team_off_rating_last_10"],
        vegas_points_line=df["current_points_line"],
        vegas_opening_line=df["opening_points_line"],
        vegas_line_move=df["line_movement"],
        has_vegas_line=df["has_prop_line"].astype(float),
    )
    df["feature_count"] = len(FEATURES)
    df["missing_feature_count"] = df[FEATURES].isna().sum(axis=1)
    df = _finish(df.rename(columns={"games_played_season": "games_in_sample"}), "games_in_sample")
    df["quality_tier"] = quality_tier(df["quality_score"])
    df["data_source"] = np.where(df["early_season_flag"], "early_season", "phase4")
    return df[
        [
            *keys,
            "game_id",
            "team_abbr",
            "opponent_team_abbr",
            *FEATURES,
            "feature_count",
            "missing_feature_count",
            "shot_zone_data_available",
            "games_in_sample",
            "quality_score",
            "quality_tier",
            "early_season_flag",
            "data_source",
        ]
    ]
