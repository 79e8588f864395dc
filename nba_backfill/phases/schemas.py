"""The columns of every warehouse table, and their types: declared, not inferred.

A table's types used to come from the first frame written to it, and a first write without
values (a date without games, a column with no lines yet) cannot say whether a column holds
numbers or text. Every table asset's output is conformed to its schema here before it is
written, and the schema is shown in the Dagster UI (``dagster/column_schema``).
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

STRING, INT, FLOAT, BOOL = "string", "int", "float", "bool"
DATE = "date"  # game_date: a datetime64 day in frames, a DATE in the warehouse
TIMESTAMP, LOCAL_TIMESTAMP = "timestamp", "local_timestamp"  # UTC instants / wall-clock times

DTYPES = {
    STRING: pd.StringDtype("pyarrow"), INT: pd.Int64Dtype(), FLOAT: "float64", BOOL: pd.BooleanDtype(),
    DATE: "datetime64[ns]", TIMESTAMP: "datetime64[ns, UTC]", LOCAL_TIMESTAMP: "datetime64[ns]",
}


def columns(**types: str) -> dict[str, str]:
    return types


SCHEMAS: dict[str, dict[str, str]] = {
    "nba_raw/nbac_gamebook_player_stats": columns(
        game_id=STRING, nba_game_id=STRING, game_date=DATE, season_year=INT, team_abbr=STRING,
        opponent_team_abbr=STRING, is_home=BOOL, player_id=INT, player_name_original=STRING,
        player_lookup=STRING, player_status=STRING, dnp_reason=STRING, starter=BOOL, minutes=STRING,
        minutes_decimal=FLOAT, points=INT, field_goals_made=INT, field_goals_attempted=INT,
        three_pointers_made=INT, three_pointers_attempted=INT, free_throws_made=INT,
        free_throws_attempted=INT, offensive_rebounds=INT, defensive_rebounds=INT,
        total_rebounds=INT, assists=INT, steals=INT, blocks=INT, turnovers=INT, personal_fouls=INT,
        plus_minus=INT, source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_raw/nbac_play_by_play": columns(
        game_id=STRING, nba_game_id=STRING, game_date=DATE, season_year=INT, action_number=INT,
        period=INT, clock=STRING, team_abbr=STRING, player_id=INT, player_name_i=STRING,
        shot_made=BOOL, shot_value=INT, shot_distance=FLOAT, x_legacy=INT, y_legacy=INT,
        shot_zone=STRING, is_assisted=BOOL, action_type=STRING, sub_type=STRING,
        source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_raw/nbac_schedule": columns(
        game_id=STRING, nba_game_id=STRING, game_code=STRING, game_date=DATE, season_year=INT,
        season_nba_format=STRING, game_date_est=LOCAL_TIMESTAMP, game_time_utc=TIMESTAMP,
        game_status=INT, game_status_text=STRING, home_team_id=INT, home_team_tricode=STRING,
        home_team_name=STRING, away_team_id=INT, away_team_tricode=STRING, away_team_name=STRING,
        is_regular_season=BOOL, is_playoffs=BOOL, arena_name=STRING, neutral_site_flag=BOOL,
        home_team_score=INT, away_team_score=INT, winning_team_tricode=STRING,
        source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_raw/nbac_team_boxscore": columns(
        game_id=STRING, nba_game_id=STRING, game_date=DATE, season_year=INT, team_id=INT,
        team_abbr=STRING, opponent_team_abbr=STRING, is_home=BOOL, minutes=STRING, fg_made=INT,
        fg_attempted=INT, fg_pct=FLOAT, three_pt_made=INT, three_pt_attempted=INT,
        three_pt_pct=FLOAT, ft_made=INT, ft_attempted=INT, ft_pct=FLOAT, offensive_rebounds=INT,
        defensive_rebounds=INT, total_rebounds=INT, assists=INT, steals=INT, blocks=INT,
        turnovers=INT, personal_fouls=INT, points=INT, plus_minus=INT, overtime_periods=INT,
        source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_raw/odds_api_game_lines": columns(
        snapshot_timestamp=TIMESTAMP, previous_snapshot_timestamp=TIMESTAMP,
        next_snapshot_timestamp=TIMESTAMP, game_id=STRING, odds_api_event_id=STRING,
        commence_time=TIMESTAMP, game_date=DATE, home_team=STRING, away_team=STRING,
        home_team_abbr=STRING, away_team_abbr=STRING, bookmaker_key=STRING, bookmaker_title=STRING,
        bookmaker_last_update=TIMESTAMP, market_key=STRING, market_last_update=TIMESTAMP,
        outcome_name=STRING, outcome_price=FLOAT, outcome_point=FLOAT, minutes_before_tipoff=INT,
        data_source=STRING, source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_raw/odds_api_player_points_props": columns(
        game_id=STRING, odds_api_event_id=STRING, game_date=DATE, game_start_time=TIMESTAMP,
        home_team_abbr=STRING, away_team_abbr=STRING, snapshot_timestamp=TIMESTAMP,
        snapshot_tag=STRING, minutes_before_tipoff=INT, bookmaker=STRING, player_name=STRING,
        player_lookup=STRING, points_line=FLOAT, over_price=FLOAT, under_price=FLOAT,
        over_price_american=INT, under_price_american=INT, bookmaker_last_update=TIMESTAMP,
        data_source=STRING, source_file_path=STRING, processed_at=TIMESTAMP,
    ),
    "nba_analytics/player_game_summary": columns(
        player_lookup=STRING, player_id=INT, player_name=STRING, game_id=STRING, game_date=DATE,
        season_year=INT, team_abbr=STRING, opponent_team_abbr=STRING, home_game=BOOL,
        starter_flag=BOOL, is_active=BOOL, is_dnp=BOOL, player_status=STRING, dnp_reason=STRING,
        points=INT, minutes_played=FLOAT, assists=INT, offensive_rebounds=INT,
        defensive_rebounds=INT, total_rebounds=INT, steals=INT, blocks=INT, turnovers=INT,
        personal_fouls=INT, plus_minus=INT, fg_attempts=INT, fg_makes=INT, three_pt_attempts=INT,
        three_pt_makes=INT, ft_attempts=INT, ft_makes=INT, paint_attempts=INT, paint_makes=INT,
        mid_range_attempts=INT, mid_range_makes=INT, three_attempts_pbp=INT, three_makes_pbp=INT,
        has_complete_shot_zones=BOOL, assisted_fg_makes=INT, unassisted_fg_makes=INT,
        usage_rate=FLOAT, usage_rate_valid=BOOL, ts_pct=FLOAT, efg_pct=FLOAT, win_flag=BOOL,
        points_line=FLOAT, opening_line=FLOAT, line_movement=FLOAT, over_under_result=STRING,
        margin=FLOAT, processed_at=TIMESTAMP,
    ),
    "nba_analytics/team_defense_game_summary": columns(
        game_id=STRING, game_date=DATE, season_year=INT, defending_team_abbr=STRING,
        opponent_team_abbr=STRING, home_game=BOOL, points_allowed=INT, opp_fg_attempts=INT,
        opp_fg_makes=INT, opp_three_pt_attempts=INT, opp_three_pt_makes=INT, opp_ft_attempts=INT,
        opp_ft_makes=INT, opp_rebounds=INT, opp_assists=INT, turnovers_forced=INT,
        fouls_committed=INT, defensive_rebounds=INT, opp_paint_attempts=INT, opp_paint_makes=INT,
        opp_mid_range_attempts=INT, opp_mid_range_makes=INT, points_in_paint_allowed=INT,
        mid_range_points_allowed=INT, three_pt_points_allowed=INT, defensive_rating=FLOAT,
        opponent_pace=FLOAT, win_flag=BOOL, margin_of_victory=INT, shot_zones_available=BOOL,
        processed_at=TIMESTAMP,
    ),
    "nba_analytics/team_offense_game_summary": columns(
        game_id=STRING, nba_game_id=STRING, game_date=DATE, season_year=INT, team_abbr=STRING,
        opponent_team_abbr=STRING, home_game=BOOL, points_scored=INT, fg_attempts=INT, fg_makes=INT,
        three_pt_attempts=INT, three_pt_makes=INT, ft_attempts=INT, ft_makes=INT,
        offensive_rebounds=INT, rebounds=INT, assists=INT, turnovers=INT, personal_fouls=INT,
        team_paint_attempts=INT, team_paint_makes=INT, team_mid_range_attempts=INT,
        team_mid_range_makes=INT, possessions=INT, pace=FLOAT, offensive_rating=FLOAT, ts_pct=FLOAT,
        game_minutes=INT, win_flag=BOOL, margin_of_victory=INT, overtime_periods=INT,
        shot_zones_available=BOOL, is_partial_game_data=BOOL, processed_at=TIMESTAMP,
    ),
    "nba_analytics/upcoming_player_game_context": columns(
        game_date=DATE, player_lookup=STRING, team_abbr=STRING, game_id=STRING, nba_game_id=STRING,
        season_year=INT, opponent_team_abbr=STRING, home_game=BOOL, games_in_sample=INT,
        points_avg_last_5=FLOAT, points_avg_last_10=FLOAT, usage_rate_last_3=FLOAT,
        usage_rate_last_10=FLOAT, prop_over_streak=FLOAT, prop_under_streak=FLOAT, days_rest=FLOAT,
        games_in_last_7_days=FLOAT, games_in_last_14_days=FLOAT, back_to_backs_last_14_days=FLOAT,
        minutes_in_last_7_days=FLOAT, minutes_in_last_14_days=FLOAT,
        avg_minutes_per_game_last_7=FLOAT, back_to_back=BOOL, early_season_flag=BOOL,
        quality_score=INT, current_points_line=FLOAT, opening_points_line=FLOAT,
        line_movement=FLOAT, line_bookmaker=STRING, has_prop_line=BOOL, game_spread=FLOAT,
        game_total=FLOAT, processed_at=TIMESTAMP,
    ),
    "nba_analytics/upcoming_team_game_context": columns(
        game_date=DATE, team_abbr=STRING, game_id=STRING, nba_game_id=STRING, season_year=INT,
        opponent_team_abbr=STRING, home_game=BOOL, games_in_sample=INT, team_pace_last_10=FLOAT,
        team_off_rating_last_10=FLOAT, team_win_streak_entering=INT, team_loss_streak_entering=INT,
        last_game_margin=FLOAT, team_days_rest=FLOAT, games_in_last_7_days=INT,
        games_in_last_14_days=INT, back_to_backs_last_14_days=INT, last_game_result=STRING,
        is_back_to_back=BOOL, early_season_flag=BOOL, game_spread=FLOAT, game_total=FLOAT,
        processed_at=TIMESTAMP,
    ),
    "nba_precompute/ml_feature_store": columns(
        game_date=DATE, player_lookup=STRING, game_id=STRING, team_abbr=STRING,
        opponent_team_abbr=STRING, points_avg_last_5=FLOAT, points_avg_last_10=FLOAT,
        points_avg_season=FLOAT, points_std_last_10=FLOAT, games_in_last_7_days=FLOAT,
        fatigue_score=INT, shot_zone_mismatch_score=FLOAT, pace_score=FLOAT,
        usage_spike_score=FLOAT, opponent_strength_score=FLOAT, days_rest=FLOAT, back_to_back=FLOAT,
        home_away=FLOAT, opponent_def_rating=FLOAT, opponent_pace=FLOAT, pct_paint=FLOAT,
        pct_mid_range=FLOAT, pct_three=FLOAT, team_pace=FLOAT, team_off_rating=FLOAT,
        minutes_avg_last_10=FLOAT, vegas_points_line=FLOAT, vegas_opening_line=FLOAT,
        vegas_line_move=FLOAT, has_vegas_line=FLOAT, feature_count=INT, missing_feature_count=INT,
        shot_zone_data_available=BOOL, games_in_sample=INT, quality_score=INT, quality_tier=STRING, early_season_flag=BOOL,
        data_source=STRING, processed_at=TIMESTAMP,
    ),
    "nba_precompute/player_composite_factors": columns(
        game_date=DATE, player_lookup=STRING, game_id=STRING, team_abbr=STRING,
        opponent_team_abbr=STRING, analysis_date=LOCAL_TIMESTAMP, fatigue_score=INT,
        shot_zone_mismatch_score=FLOAT, pace_score=FLOAT, usage_spike_score=FLOAT,
        opponent_strength_score=FLOAT, total_composite_adjustment=FLOAT, shot_zone_data_available=BOOL,
        games_in_sample=INT,
        early_season_flag=BOOL, quality_score=INT, processed_at=TIMESTAMP,
    ),
    "nba_precompute/player_daily_cache": columns(
        game_date=DATE, team_abbr=STRING, player_lookup=STRING, game_id=STRING,
        games_in_last_7_days=FLOAT, games_in_last_14_days=FLOAT, minutes_in_last_7_days=FLOAT,
        back_to_backs_last_14_days=FLOAT, games_played_season=INT, points_avg_last_5=FLOAT,
        points_avg_last_10=FLOAT, points_avg_season=FLOAT, points_std_last_10=FLOAT,
        minutes_avg_last_10=FLOAT, usage_rate_last_10=FLOAT, ts_pct_last_10=FLOAT,
        player_usage_rate_season=FLOAT, team_pace_last_10=FLOAT, team_off_rating_last_10=FLOAT,
        primary_scoring_zone=STRING, paint_rate_last_10=FLOAT, three_pt_rate_last_10=FLOAT,
        assisted_rate_last_10=FLOAT, shot_zone_data_available=BOOL, cache_date=LOCAL_TIMESTAMP,
        early_season_flag=BOOL, quality_score=INT, processed_at=TIMESTAMP,
    ),
    "nba_precompute/player_shot_zone_analysis": columns(
        game_date=DATE, player_lookup=STRING, game_id=STRING, team_abbr=STRING,
        games_in_sample_10=INT, total_shots_last_10=FLOAT, paint_rate_last_10=FLOAT,
        mid_range_rate_last_10=FLOAT, three_pt_rate_last_10=FLOAT, paint_pct_last_10=FLOAT,
        mid_range_pct_last_10=FLOAT, three_pt_pct_last_10=FLOAT, paint_attempts_per_game=FLOAT,
        mid_range_attempts_per_game=FLOAT, three_pt_attempts_per_game=FLOAT,
        assisted_rate_last_10=FLOAT, unassisted_rate_last_10=FLOAT, primary_scoring_zone=STRING,
        sample_quality_10=STRING, shot_zone_data_available=BOOL, analysis_date=LOCAL_TIMESTAMP,
        early_season_flag=BOOL,
        quality_score=INT, processed_at=TIMESTAMP,
    ),
    "nba_precompute/team_defense_zone_analysis": columns(
        game_date=DATE, team_abbr=STRING, game_id=STRING, games_in_sample=INT,
        paint_pct_allowed_last_15=FLOAT, mid_range_pct_allowed_last_15=FLOAT,
        three_pt_pct_allowed_last_15=FLOAT, paint_attempts_allowed_per_game=FLOAT,
        paint_points_allowed_per_game=FLOAT, mid_range_attempts_allowed_per_game=FLOAT,
        mid_range_points_allowed_per_game=FLOAT, three_pt_attempts_allowed_per_game=FLOAT,
        three_pt_points_allowed_per_game=FLOAT, defensive_rating_last_15=FLOAT,
        opponent_points_per_game=FLOAT, opponent_pace=FLOAT, paint_defense_vs_league_avg=FLOAT,
        mid_range_defense_vs_league_avg=FLOAT, three_pt_defense_vs_league_avg=FLOAT,
        strongest_zone=STRING, weakest_zone=STRING, data_quality_tier=STRING,
        shot_zone_data_available=BOOL, analysis_date=LOCAL_TIMESTAMP, early_season_flag=BOOL, quality_score=INT,
        processed_at=TIMESTAMP,
    ),
    "nba_predictions/player_prop_predictions": columns(
        game_date=DATE, player_lookup=STRING, game_id=STRING, team_abbr=STRING,
        opponent_team_abbr=STRING, quality_score=INT, early_season_flag=BOOL,
        fatigue_adjustment=FLOAT, shot_zone_adjustment=FLOAT, pace_adjustment=FLOAT,
        usage_adjustment=FLOAT, home_away_adjustment=FLOAT, back_to_back_adjustment=FLOAT,
        system_id=STRING, predicted_points=FLOAT, confidence_score=FLOAT, current_points_line=FLOAT,
        has_prop_line=BOOL, line_source=STRING, line_margin=FLOAT, recommendation=STRING,
        processed_at=TIMESTAMP,
    ),
    "nba_predictions/prediction_accuracy": columns(
        game_date=DATE, player_lookup=STRING, game_id=STRING, system_id=STRING,
        predicted_points=FLOAT, confidence_score=FLOAT, recommendation=STRING, has_prop_line=BOOL,
        quality_score=INT, early_season_flag=BOOL, actual_points=INT, minutes_played=FLOAT,
        line_value=FLOAT, confidence_decile=INT, is_voided=BOOL, void_reason=STRING,
        signed_error=FLOAT, absolute_error=FLOAT, prediction_correct=BOOL, within_3_points=BOOL,
        within_5_points=BOOL, processed_at=TIMESTAMP,
    ),
}


def column_schema(key: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in SCHEMAS[key].items()])


def conform(key: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its table's columns, in order and typed. A column the schema does not know, or
    one it expects that a frame with rows lacks, is an error naming both (a frame without rows
    has nothing to lose: its missing columns are added empty)."""
    schema = SCHEMAS[key]
    unknown = [c for c in df.columns if c not in schema]
    missing = [c for c in schema if c not in df.columns]
    if unknown or (missing and len(df)):
        raise ValueError(f"{key}: the computed columns do not match nba_backfill/phases/schemas.py "
                         f"(not declared: {unknown}; declared but not computed: {missing})")
    frame = df.reindex(columns=list(schema))
    for name, kind in schema.items():
        try:
            frame[name] = frame[name].astype(DTYPES[kind])
        except (TypeError, ValueError) as err:
            raise ValueError(f"{key}: column {name} does not fit its declared type {kind}: {err}") from err
    return frame
