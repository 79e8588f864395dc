"""Phase 3 analytics: per-game summaries and the pre-game context of each date.

Pure functions of DataFrames. The summaries read the same date's raw tables; the two context
tables read history over the lookback window (strictly before the date) and the date's schedule,
roster and lines, which are all known before tip-off.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from nba_backfill.calendar import FULL_SAMPLE_GAMES, window_start
from nba_backfill.phases.phase3_analytics.identity import match_players
from nba_backfill.phases.phase3_analytics.lines import player_lines, team_lines
from nba_backfill.phases.windows import attach, history_in_window, on_dates, quality_score, with_columns

REGULATION_MINUTES = 48
OVERTIME_MINUTES = 5
ZONES = ("paint", "mid_range", "three")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype("float64")


def possessions(fga: pd.Series, fta: pd.Series, oreb: pd.Series, tov: pd.Series) -> pd.Series:
    """The standard team possession estimate."""
    return fga + 0.44 * fta - oreb + tov


def zone_counts(play_by_play: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Attempts and makes per zone (``paint_attempts``, ``paint_makes``, …) grouped by ``by``."""
    pbp = with_columns(play_by_play, [*by, "shot_zone", "shot_made", "is_assisted"])
    grouped = pbp.groupby([*by, "shot_zone"]).agg(attempts=("shot_made", "size"), makes=("shot_made", "sum"))
    wide = grouped.unstack("shot_zone", fill_value=0)
    wide.columns = [f"{zone}_{stat}" for stat, zone in wide.columns]
    wide = wide.reindex(columns=[f"{z}_{s}" for z in ZONES for s in ("attempts", "makes")], fill_value=0)
    assisted = pbp[pbp["shot_made"].astype(bool)].groupby(by)["is_assisted"].agg(["sum", "size"])
    wide["assisted_fg_makes"] = assisted["sum"].reindex(wide.index).fillna(0)
    wide["unassisted_fg_makes"] = (assisted["size"] - assisted["sum"]).reindex(wide.index).fillna(0)
    return wide.astype("int64").reset_index()


def team_offense_game_summary(
    dates: list[dt.date], team_boxscore: pd.DataFrame, play_by_play: pd.DataFrame
) -> pd.DataFrame:
    tb = with_columns(team_boxscore, ["game_id", "team_abbr"])
    zones = zone_counts(play_by_play, ["game_id", "team_abbr"])
    df = tb.merge(zones, on=["game_id", "team_abbr"], how="left", indicator=True)
    poss = possessions(df["fg_attempted"], df["ft_attempted"], df["offensive_rebounds"], df["turnovers"])
    game_minutes = REGULATION_MINUTES + OVERTIME_MINUTES * df["overtime_periods"]
    out = pd.DataFrame(
        {
            "game_id": df["game_id"],
            "nba_game_id": df["nba_game_id"],
            "game_date": df["game_date"],
            "season_year": df["season_year"],
            "team_abbr": df["team_abbr"],
            "opponent_team_abbr": df["opponent_team_abbr"],
            "home_game": df["is_home"],
            "points_scored": df["points"],
            "fg_attempts": df["fg_attempted"],
            "fg_makes": df["fg_made"],
            "three_pt_attempts": df["three_pt_attempted"],
            "three_pt_makes": df["three_pt_made"],
            "ft_attempts": df["ft_attempted"],
            "ft_makes": df["ft_made"],
            "offensive_rebounds": df["offensive_rebounds"],
            "rebounds": df["total_rebounds"],
            "assists": df["assists"],
            "turnovers": df["turnovers"],
            "personal_fouls": df["personal_fouls"],
            "team_paint_attempts": df["paint_attempts"],
            "team_paint_makes": df["paint_makes"],
            "team_mid_range_attempts": df["mid_range_attempts"],
            "team_mid_range_makes": df["mid_range_makes"],
            "possessions": poss.round().astype("int64"),
            "pace": (poss * REGULATION_MINUTES / game_minutes).round(1),
            "offensive_rating": (100 * _ratio(df["points"], poss)).round(2),
            "ts_pct": _ratio(df["points"], 2 * (df["fg_attempted"] + 0.44 * df["ft_attempted"])).round(3),
            "home_game_minutes": game_minutes,
            "win_flag": df["plus_minus"] > 0,
            "margin_of_victory": df["plus_minus"],
            "overtime_periods": df["overtime_periods"],
            "shot_zones_available": df["_merge"] == "both",
            "is_partial_game_data": df["fg_attempted"] < 50,
        }
    )
    return out.rename(columns={"home_game_minutes": "game_minutes"})


def team_defense_game_summary(dates: list[dt.date], team_offense: pd.DataFrame) -> pd.DataFrame:
    """Each team's defence is its opponent's offence in the same game."""
    off = with_columns(team_offense, ["game_id", "team_abbr", "opponent_team_abbr"])
    opp = off.add_prefix("opp_").rename(columns={"opp_game_id": "game_id", "opp_team_abbr": "opponent_team_abbr"})
    df = off[
        [
            "game_id",
            "game_date",
            "season_year",
            "team_abbr",
            "opponent_team_abbr",
            "home_game",
            "win_flag",
            "margin_of_victory",
            "personal_fouls",
            "rebounds",
            "offensive_rebounds",
            "shot_zones_available",
        ]
    ].merge(opp, on=["game_id", "opponent_team_abbr"])
    return pd.DataFrame(
        {
            "game_id": df["game_id"],
            "game_date": df["game_date"],
            "season_year": df["season_year"],
            "defending_team_abbr": df["team_abbr"],
            "opponent_team_abbr": df["opponent_team_abbr"],
            "home_game": df["home_game"],
            "points_allowed": df["opp_points_scored"],
            "opp_fg_attempts": df["opp_fg_attempts"],
            "opp_fg_makes": df["opp_fg_makes"],
            "opp_three_pt_attempts": df["opp_three_pt_attempts"],
            "opp_three_pt_makes": df["opp_three_pt_makes"],
            "opp_ft_attempts": df["opp_ft_attempts"],
            "opp_ft_makes": df["opp_ft_makes"],
            "opp_rebounds": df["opp_rebounds"],
            "opp_assists": df["opp_assists"],
            "turnovers_forced": df["opp_turnovers"],
            "fouls_committed": df["personal_fouls"],
            "defensive_rebounds": df["rebounds"] - df["offensive_rebounds"],
            "opp_paint_attempts": df["opp_team_paint_attempts"],
            "opp_paint_makes": df["opp_team_paint_makes"],
            "opp_mid_range_attempts": df["opp_team_mid_range_attempts"],
            "opp_mid_range_makes": df["opp_team_mid_range_makes"],
            "points_in_paint_allowed": 2 * df["opp_team_paint_makes"],
            "mid_range_points_allowed": 2 * df["opp_team_mid_range_makes"],
            "three_pt_points_allowed": 3 * df["opp_three_pt_makes"],
            "defensive_rating": (100 * _ratio(df["opp_points_scored"], df["opp_possessions"])).round(2),
            "opponent_pace": df["opp_pace"],
            "win_flag": df["win_flag"],
            "margin_of_victory": df["margin_of_victory"],
            "shot_zones_available": df["opp_shot_zones_available"].astype("boolean").fillna(False).astype(bool),
        }
    )


def usage_rate(player: pd.DataFrame) -> pd.Series:
    """USG%: the share of team possessions a player used while on the floor (NULL without team data)."""
    used = player["fg_attempts"] + 0.44 * player["ft_attempts"] + player["turnovers"]
    team_used = player["team_fg_attempts"] + 0.44 * player["team_ft_attempts"] + player["team_turnovers"]
    on_floor = player["minutes_played"] * team_used
    return (100 * used * (player["team_minutes"] / 5) / on_floor.where(on_floor > 0)).round(2)


def prop_result(points: pd.Series, line: pd.Series, active: pd.Series) -> pd.Series:
    """OVER / UNDER against the line; NULL for a push, no line, or a player who did not play."""
    result = pd.Series(np.where(points > line, "OVER", np.where(points < line, "UNDER", None)), index=points.index)
    return result.where(line.notna() & active)


def player_game_summary(
    dates: list[dt.date],
    gamebook: pd.DataFrame,
    play_by_play: pd.DataFrame,
    team_offense: pd.DataFrame,
    props: pd.DataFrame,
) -> pd.DataFrame:
    g = with_columns(gamebook, ["game_id", "player_id", "team_abbr", "game_date", "player_lookup"])
    zones = zone_counts(play_by_play, ["game_id", "player_id"])
    pbp_games = set(with_columns(play_by_play, ["game_id"])["game_id"])
    team = with_columns(team_offense, ["game_id", "team_abbr"])[
        ["game_id", "team_abbr", "fg_attempts", "ft_attempts", "turnovers", "game_minutes", "win_flag"]
    ].rename(
        columns={
            "fg_attempts": "team_fg_attempts",
            "ft_attempts": "team_ft_attempts",
            "turnovers": "team_turnovers",
            "game_minutes": "team_game_minutes",
        }
    )
    df = g.merge(zones, on=["game_id", "player_id"], how="left").merge(team, on=["game_id", "team_abbr"], how="left")
    df = df.rename(
        columns={
            "player_name_original": "player_name",
            "is_home": "home_game",
            "starter": "starter_flag",
            "field_goals_made": "fg_makes",
            "field_goals_attempted": "fg_attempts",
            "three_pointers_made": "three_pt_makes",
            "three_pointers_attempted": "three_pt_attempts",
            "free_throws_made": "ft_makes",
            "free_throws_attempted": "ft_attempts",
            "three_makes": "three_makes_pbp",
            "three_attempts": "three_attempts_pbp",
        }
    )
    df["minutes_played"] = df["minutes_decimal"].fillna(0.0).round(1)
    df["team_minutes"] = 5 * df["team_game_minutes"]
    has_pbp = df["game_id"].isin(pbp_games)
    for col in (
        "paint_attempts",
        "paint_makes",
        "mid_range_attempts",
        "mid_range_makes",
        "three_attempts_pbp",
        "three_makes_pbp",
        "assisted_fg_makes",
        "unassisted_fg_makes",
    ):
        df[col] = df[col].fillna(0).astype("Int64").where(has_pbp)
    zone_total = df["paint_attempts"] + df["mid_range_attempts"] + df["three_attempts_pbp"]
    df["has_complete_shot_zones"] = (has_pbp & (zone_total == df["fg_attempts"])).astype(bool)
    df["is_active"] = df["player_status"] == "active"
    df["is_dnp"] = ~df["is_active"]
    df["usage_rate"] = usage_rate(df)
    df["usage_rate_valid"] = df["usage_rate"].notna() & (df["usage_rate"] <= 50)
    df["ts_pct"] = _ratio(df["points"], 2 * (df["fg_attempts"] + 0.44 * df["ft_attempts"])).round(3)
    df["efg_pct"] = _ratio(df["fg_makes"] + 0.5 * df["three_pt_makes"], df["fg_attempts"]).round(3)
    # Each date's lines among that date's players: a range run must match as a run of one date does.
    lines = player_lines(match_players(props, nba_names(g), on=["game_date"])).rename(
        columns={"current_points_line": "points_line", "opening_points_line": "opening_line"}
    )
    df = df.merge(lines.drop(columns="line_bookmaker"), on=["game_date", "player_lookup"], how="left")
    df["over_under_result"] = prop_result(df["points"], df["points_line"], df["is_active"])
    df["margin"] = (df["points"] - df["points_line"]).where(df["is_active"])
    df["win_flag"] = df["win_flag"].astype("boolean")
    return df[
        [
            "player_lookup",
            "player_id",
            "player_name",
            "game_id",
            "game_date",
            "season_year",
            "team_abbr",
            "opponent_team_abbr",
            "home_game",
            "starter_flag",
            "is_active",
            "is_dnp",
            "player_status",
            "dnp_reason",
            "points",
            "minutes_played",
            "assists",
            "offensive_rebounds",
            "defensive_rebounds",
            "total_rebounds",
            "steals",
            "blocks",
            "turnovers",
            "personal_fouls",
            "plus_minus",
            "fg_attempts",
            "fg_makes",
            "three_pt_attempts",
            "three_pt_makes",
            "ft_attempts",
            "ft_makes",
            "paint_attempts",
            "paint_makes",
            "mid_range_attempts",
            "mid_range_makes",
            "three_attempts_pbp",
            "three_makes_pbp",
            "has_complete_shot_zones",
            "assisted_fg_makes",
            "unassisted_fg_makes",
            "usage_rate",
            "usage_rate_valid",
            "ts_pct",
            "efg_pct",
            "win_flag",
            "points_line",
            "opening_line",
            "line_movement",
            "over_under_result",
            "margin",
        ]
    ]


def nba_names(gamebook: pd.DataFrame) -> pd.DataFrame:
    """NBA.com's players (``game_date``, ``player_lookup``, ``player_name``) in a gamebook, for line
    matching."""
    return with_columns(gamebook, ["game_date", "player_lookup", "player_name_original"]).rename(
        columns={"player_name_original": "player_name"}
    )[["game_date", "player_lookup", "player_name"]]


# --- pre-game context ------------------------------------------------------------------------


def schedule_teams(schedule: pd.DataFrame, dates: list[dt.date]) -> pd.DataFrame:
    """Two rows a scheduled game of ``dates``: team, opponent, home flag."""
    games = on_dates(
        with_columns(
            schedule, ["game_date", "game_id", "nba_game_id", "season_year", "home_team_tricode", "away_team_tricode"]
        ),
        dates,
    )
    base = games[["game_id", "nba_game_id", "game_date", "season_year"]]
    home = base.assign(
        team_abbr=games["home_team_tricode"], opponent_team_abbr=games["away_team_tricode"], home_game=True
    )
    away = base.assign(
        team_abbr=games["away_team_tricode"], opponent_team_abbr=games["home_team_tricode"], home_game=False
    )
    return pd.concat([home, away], ignore_index=True)


def roster(dates: list[dt.date], gamebook: pd.DataFrame, teams: pd.DataFrame, played: pd.DataFrame) -> pd.DataFrame:
    """Players expected on each date: the game's roster, or for a date whose box scores do not
    exist yet (today's slate) each player's team as of his latest game in the window."""
    cols = ["game_date", "player_lookup", "team_abbr"]
    listed = on_dates(with_columns(gamebook, cols), dates)[cols]
    frames = [listed]
    for day, day_teams in teams[~teams["game_date"].isin(set(listed["game_date"]))].groupby("game_date"):
        start = pd.Timestamp(window_start(day.date()))
        recent = played[(played["game_date"] >= start) & (played["game_date"] < day)]
        latest = recent.sort_values("game_date").drop_duplicates("player_lookup", keep="last")
        frames.append(latest[latest["team_abbr"].isin(set(day_teams["team_abbr"]))][cols[1:]].assign(game_date=day))
    # Only frames with rows: pandas deprecates letting an empty one take part in the dtypes.
    return pd.concat([f for f in frames if len(f)] or [listed], ignore_index=True)[cols]


def rest_and_load(window: pd.DataFrame, keys: list[str], minutes: str | None) -> dict[str, pd.Series]:
    """Days of rest and recent workload per key, from its window of earlier games."""
    days_back = (window["game_date"] - window["hist_date"]).dt.days
    last = window[window["recency"] == 1]
    rest = pd.Series(
        ((last["game_date"] - last["hist_date"]).dt.days - 1).to_numpy(), index=pd.MultiIndex.from_frame(last[keys])
    )
    in7, in14 = window[days_back <= 7], window[days_back <= 14]
    ordered = window.sort_values([*keys, "hist_date"])
    gap = ordered.groupby(keys)["hist_date"].diff().dt.days
    b2b14 = ordered[(gap == 1) & ((ordered["game_date"] - ordered["hist_date"]).dt.days <= 14)]
    out = {
        "days_rest": rest,
        "games_in_last_7_days": in7.groupby(keys).size(),
        "games_in_last_14_days": in14.groupby(keys).size(),
        "back_to_backs_last_14_days": b2b14.groupby(keys).size(),
    }
    if minutes:
        out["minutes_in_last_7_days"] = in7.groupby(keys)[minutes].sum()
        out["minutes_in_last_14_days"] = in14.groupby(keys)[minutes].sum()
    return out


def streak(window: pd.DataFrame, keys: list[str], hit: pd.Series) -> pd.Series:
    """How many of the most recent games in a row satisfy ``hit`` (window sorted by recency)."""
    running = hit.fillna(False).astype(int).groupby([window[k] for k in keys]).cumprod()
    return running.groupby([window[k] for k in keys]).sum()


def upcoming_player_game_context(
    dates: list[dt.date],
    gamebook: pd.DataFrame,
    props: pd.DataFrame,
    game_lines: pd.DataFrame,
    player_game_summary: pd.DataFrame,
    schedule: pd.DataFrame,
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    teams = schedule_teams(schedule, dates)
    history = with_columns(player_game_summary, ["game_date", "player_lookup", "team_abbr", "is_active"])
    played = history[history["is_active"].astype(bool)]
    targets = roster(dates, gamebook, teams, played).merge(teams, on=["game_date", "team_abbr"])
    window = history_in_window(targets[keys], played, on=["player_lookup"])
    games = window.groupby(keys).size()
    load = rest_and_load(window, keys, minutes="minutes_played")
    out = attach(
        targets,
        keys,
        games_in_sample=games,
        points_avg_last_5=window[window["recency"] <= 5].groupby(keys)["points"].mean().round(1),
        points_avg_last_10=window[window["recency"] <= 10].groupby(keys)["points"].mean().round(1),
        usage_rate_last_3=window[window["recency"] <= 3].groupby(keys)["usage_rate"].mean().round(2),
        usage_rate_last_10=window[window["recency"] <= 10].groupby(keys)["usage_rate"].mean().round(2),
        prop_over_streak=streak(window, keys, window["over_under_result"] == "OVER"),
        prop_under_streak=streak(window, keys, window["over_under_result"] == "UNDER"),
        **load,
    )
    out["games_in_sample"] = out["games_in_sample"].fillna(0).astype("int64")
    for col in (
        "games_in_last_7_days",
        "games_in_last_14_days",
        "back_to_backs_last_14_days",
        "minutes_in_last_7_days",
        "minutes_in_last_14_days",
        "prop_over_streak",
        "prop_under_streak",
    ):
        out[col] = out[col].fillna(0)
    out["avg_minutes_per_game_last_7"] = _ratio(out["minutes_in_last_7_days"], out["games_in_last_7_days"]).round(1)
    out["back_to_back"] = (out["days_rest"] == 0).astype(bool)
    out["early_season_flag"] = out["games_in_sample"] < FULL_SAMPLE_GAMES
    out["quality_score"] = quality_score(out["games_in_sample"])
    names = ["player_lookup", "player_name"]
    known = pd.concat([nba_names(gamebook)[names], with_columns(history, ["player_name"])[names]])
    out = out.merge(player_lines(match_players(props, known)), on=keys, how="left")
    out["has_prop_line"] = out["current_points_line"].notna()
    return out.merge(team_lines(game_lines), on=["game_id", "team_abbr"], how="left")


def upcoming_team_game_context(
    dates: list[dt.date], game_lines: pd.DataFrame, team_offense: pd.DataFrame, schedule: pd.DataFrame
) -> pd.DataFrame:
    keys = ["game_date", "team_abbr"]
    targets = schedule_teams(schedule, dates)
    history = with_columns(
        team_offense, ["game_date", "team_abbr", "win_flag", "margin_of_victory", "pace", "offensive_rating"]
    )
    window = history_in_window(targets[keys], history, on=["team_abbr"])
    last = window[window["recency"] == 1].set_index(keys)
    out = attach(
        targets,
        keys,
        games_in_sample=window.groupby(keys).size(),
        team_pace_last_10=window[window["recency"] <= 10].groupby(keys)["pace"].mean().round(1),
        team_off_rating_last_10=window[window["recency"] <= 10].groupby(keys)["offensive_rating"].mean().round(2),
        team_win_streak_entering=streak(window, keys, window["win_flag"].astype(bool)),
        team_loss_streak_entering=streak(window, keys, ~window["win_flag"].astype(bool)),
        last_game_margin=last["margin_of_victory"],
        **rest_and_load(window, keys, minutes=None),
    )
    out["games_in_sample"] = out["games_in_sample"].fillna(0).astype("int64")
    for col in (
        "games_in_last_7_days",
        "games_in_last_14_days",
        "back_to_backs_last_14_days",
        "team_win_streak_entering",
        "team_loss_streak_entering",
    ):
        out[col] = out[col].fillna(0).astype("int64")
    out["last_game_result"] = np.where(
        out["last_game_margin"].isna(), None, np.where(out["last_game_margin"] > 0, "W", "L")
    )
    out["is_back_to_back"] = (out["days_rest"] == 0).astype(bool)
    out = out.rename(columns={"days_rest": "team_days_rest"})
    out["early_season_flag"] = out["games_in_sample"] < FULL_SAMPLE_GAMES
    return out.merge(team_lines(game_lines), on=["game_id", "team_abbr"], how="left")
