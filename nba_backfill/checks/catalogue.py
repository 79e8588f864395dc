"""The check catalogue: which rule guards which table, and the Dagster checks built from it.

Every check is partitioned by game date. Run for one partition it returns that date's result; run
inside a range run (one run covering many dates) it records one evaluation per date and returns a
summary, so the dashboard shows a result per partition however the partition was materialized
(reference/dagster-1.13-measured.md §9). The checks of one asset run as one step over one read of
their data (a ``multi_asset_check``); each keeps its own key, blocking flag and results.
"""

import datetime as dt
import warnings
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import dagster as dg
import pandas as pd
from dagster import AssetCheckExecutionContext

from nba_backfill.calendar import game_dates
from nba_backfill.checks import rules
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.lines_matched import lines_matched
from nba_backfill.checks.outcomes import ERROR, Outcome, evaluation, result, summary
from nba_backfill.checks.rules import not_null, positive
from nba_backfill.naming import asset_key, is_scraped, table_name
from nba_backfill.phases.failed_dates import dates_failed
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_PBP
from nba_backfill.storage.accepted_gaps import GAME_FEED
from nba_backfill.storage.io_managers import partition_dates


@dataclass(frozen=True)
class Check:
    asset: str
    name: str
    rule: rules.Rule
    description: str
    blocking: bool = False

    @property
    def key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(asset_key(self.asset), self.name)


#: The key of each table: no two rows may share it.
GRAINS = {
    "nba_raw/nbac_schedule": ["game_id"],
    "nba_raw/nbac_gamebook_player_stats": ["game_id", "player_lookup"],
    "nba_raw/nbac_team_boxscore": ["game_id", "team_abbr"],
    "nba_raw/nbac_play_by_play": ["game_id", "action_number"],
    "nba_raw/odds_api_player_points_props": ["game_id", "player_lookup", "bookmaker", "snapshot_timestamp"],
    "nba_raw/odds_api_game_lines": ["game_id", "bookmaker_key", "market_key", "outcome_name", "snapshot_timestamp"],
    "nba_analytics/team_offense_game_summary": ["game_date", "team_abbr"],
    "nba_analytics/team_defense_game_summary": ["game_date", "defending_team_abbr"],
    "nba_analytics/player_game_summary": ["game_date", "player_lookup"],
    "nba_analytics/upcoming_player_game_context": ["game_date", "player_lookup"],
    "nba_analytics/upcoming_team_game_context": ["game_date", "team_abbr"],
    "nba_precompute/team_defense_zone_analysis": ["game_date", "team_abbr"],
    "nba_precompute/player_shot_zone_analysis": ["game_date", "player_lookup"],
    "nba_precompute/player_daily_cache": ["game_date", "player_lookup"],
    "nba_precompute/player_composite_factors": ["game_date", "player_lookup"],
    "nba_precompute/ml_feature_store": ["game_date", "player_lookup"],
    "nba_predictions/player_prop_predictions": ["game_date", "player_lookup", "system_id"],
    "nba_predictions/prediction_accuracy": ["game_date", "player_lookup", "system_id"],
}

#: Rows per scheduled final game (None: at least one).
ROWS_PER_GAME = {
    "nba_raw/nbac_team_boxscore": 2,
    "nba_raw/nbac_gamebook_player_stats": None,
    "nba_raw/nbac_play_by_play": None,
    "nba_analytics/team_offense_game_summary": 2,
    "nba_analytics/team_defense_game_summary": 2,
    "nba_analytics/player_game_summary": None,
}


#: Tables fed by one scraped feed whose accepted gaps (nba_meta.accepted_gaps) are not missing rows:
#: every game table comes from the box score, the shot table from the play-by-play.
GAP_FEEDS = {
    "nba_raw/nbac_play_by_play": FEED_PBP,
    **{
        a: GAME_FEED
        for a in (
            "nba_raw/nbac_team_boxscore",
            "nba_raw/nbac_gamebook_player_stats",
            "nba_analytics/team_offense_game_summary",
            "nba_analytics/team_defense_game_summary",
            "nba_analytics/player_game_summary",
        )
    },
}


def _active(df: pd.DataFrame) -> pd.Series:
    return df["is_active"]


def _zones(df: pd.DataFrame) -> pd.Series:
    """Rows whose shot zones exist. A game without play-by-play has none: whether that gap is
    accepted is judged once, on nba_raw.nbac_play_by_play (rows_match_schedule); a shot-zone field
    is judged only where the zones it is computed from exist."""
    flag = "shot_zones_available" if "shot_zones_available" in df else "shot_zone_data_available"
    return df[flag].astype("boolean").fillna(False)


#: A shooter with no paint attempts has no paint FG%: valid when known, or when his paint rate is
#: known to be zero; judged where his window has play-by-play (zones that do not add up leave the
#: rate NULL too, so contamination still shows).
PAINT_PCT = rules.CriticalField(
    "paint_pct_last_10 IS NOT NULL unless paint_rate_last_10 = 0",
    lambda df: df["paint_pct_last_10"].notna() | (df["paint_rate_last_10"] == 0),
    applies=_zones,
)


#: Critical fields (validate_cascade_contamination), with the original's two broken ones fixed:
#: opponent strength is now computed and may be negative, so it must be non-NULL rather than
#: "> 0" (which the original's always-0.0 placeholder failed everywhere); and the feature store
#: now has the ``opponent_def_rating`` column the original check queried but never had.
CRITICAL_FIELDS = {
    "nba_analytics/team_defense_game_summary": [
        positive("opp_paint_attempts", False, applies=_zones),
        positive("opp_mid_range_attempts", False, applies=_zones),
        positive("opp_three_pt_attempts", False),
    ],
    "nba_analytics/player_game_summary": [not_null("usage_rate", False, applies=_active)],
    "nba_precompute/team_defense_zone_analysis": [
        not_null("paint_defense_vs_league_avg", applies=_zones),
        not_null("mid_range_defense_vs_league_avg", applies=_zones),
        not_null("three_pt_defense_vs_league_avg"),
    ],
    "nba_precompute/player_shot_zone_analysis": [PAINT_PCT, positive("games_in_sample_10")],
    "nba_precompute/player_daily_cache": [not_null("points_avg_season"), positive("games_played_season")],
    "nba_precompute/player_composite_factors": [
        not_null("opponent_strength_score"),
        not_null("shot_zone_mismatch_score", applies=_zones),
    ],
    "nba_precompute/ml_feature_store": [not_null("opponent_def_rating"), not_null("quality_tier", False)],
    "nba_predictions/player_prop_predictions": [not_null("predicted_points"), not_null("recommendation", False)],
}

PLAYER_TABLES = [
    "nba_analytics/upcoming_player_game_context",
    "nba_precompute/player_shot_zone_analysis",
    "nba_precompute/player_daily_cache",
    "nba_precompute/player_composite_factors",
    "nba_precompute/ml_feature_store",
    "nba_predictions/player_prop_predictions",
    "nba_predictions/prediction_accuracy",
]

#: Every column holding a selected betting line (raw props keep what the books posted: a real 20.0
#: line is possible there; line selection drops it, so no table after it may hold one).
LINE_COLUMNS = {
    "nba_analytics/player_game_summary": ["points_line", "opening_line"],
    "nba_analytics/upcoming_player_game_context": ["current_points_line", "opening_points_line"],
    "nba_precompute/ml_feature_store": ["vegas_points_line", "vegas_opening_line"],
    "nba_predictions/player_prop_predictions": ["current_points_line"],
    "nba_predictions/prediction_accuracy": ["line_value"],
}

#: Scraped per-game feeds: where a game's file lands, and the feed whose accepted gaps excuse it.
RAW_FILES = {
    "scraped/nbac_boxscores": ("nba-com/boxscores", lambda nba_id: nba_id, FEED_BOXSCORE),
    "scraped/nbac_play_by_play": ("nba-com/play-by-play", lambda nba_id: f"game-{nba_id}", FEED_PBP),
}


def _upstream(asset: dg.AssetsDefinition) -> tuple[list[str], list[str]]:
    """The tables an asset reads on its own date and over a window (its partition mappings)."""
    same_day, window = [], []
    for key in asset.dependency_keys:
        mapping = asset.get_partition_mapping(key) if hasattr(asset, "get_partition_mapping") else None
        is_window = isinstance(mapping, dg.TimeWindowPartitionMapping) and mapping.start_offset < 0
        (window if is_window and mapping.end_offset < 0 else same_day).append(table_name(key))
    return same_day, window


def catalogue(assets: Sequence[dg.AssetsDefinition]) -> list[Check]:
    checks = [
        Check(
            a,
            "raw_files_match_schedule",
            rules.raw_files_match_schedule(prefix, folder, feed),
            "Every final game of the schedule has its raw file (preflight).",
            blocking=True,
        )
        for a, (prefix, folder, feed) in RAW_FILES.items()
    ]
    checks += [
        Check(
            a,
            "rows_match_schedule",
            rules.rows_match_schedule(table_name(a), n, GAP_FEEDS.get(a)),
            "Every final game of the schedule has its rows" + (f" (exactly {n} a game)." if n else "."),
            blocking=True,
        )
        for a, n in ROWS_PER_GAME.items()
    ]
    checks.append(
        Check(
            "nba_raw/nbac_gamebook_player_stats",
            "box_scores_add_up",
            rules.box_scores_add_up,
            "≥ 8 active players a team, team points = players' sum, minutes ≈ 240 (+25 per OT).",
            blocking=True,
        )
    )
    checks.append(
        Check(
            "nba_raw/nbac_gamebook_player_stats",
            "box_score_consistent",
            rules.box_score_consistent,
            "Box scores agree with themselves: rebounds = offensive + defensive, team totals = the "
            "players' sums, plus-minus = the margin (players: five times it), makes ≤ attempts, no "
            "negative counts, minutes for whoever scored.",
            blocking=True,
        )
    )
    checks += [
        Check(
            a,
            "unique_grain",
            rules.unique_grain(table_name(a), keys),
            f"No two rows share ({', '.join(keys)}).",
            blocking=True,
        )
        for a, keys in GRAINS.items()
    ]
    checks += [
        Check(
            a,
            "critical_fields_valid",
            rules.critical_fields_valid(table_name(a), fields),
            "Critical fields valid: ≥ 99% passes, ≥ 50% warns, < 50% errors (early-season rows exempt "
            "from fields that need history).",
            blocking=True,
        )
        for a, fields in CRITICAL_FIELDS.items()
    ]
    checks += [
        Check(
            a,
            "players_covered",
            rules.players_covered(table_name(a)),
            "Every player with a game has a row: unaccounted = 0.",
        )
        for a in PLAYER_TABLES
    ]
    checks += [
        Check(
            a,
            "no_placeholder_lines",
            rules.no_placeholder_lines(table_name(a), columns),
            f"No 20.0 placeholder in {', '.join(columns)}.",
            blocking=True,
        )
        for a, columns in LINE_COLUMNS.items()
    ]
    checks += [
        Check(
            "nba_predictions/player_prop_predictions",
            "real_line_share",
            rules.real_line_share,
            "Share of players with a real line; dates with too few need a historical odds backfill.",
        ),
        Check(
            "nba_raw/odds_api_player_points_props",
            "lines_matched",
            lines_matched,
            "Lines reach the right player: >= 99% of the lines whose player played are matched; names the unmatched.",
        ),
        Check(
            "nba_precompute/ml_feature_store",
            "quality_distribution",
            rules.quality_distribution,
            "Quality follows 10 x min(games, 10); a low average warns after the first three weeks.",
        ),
    ]
    for asset in assets:
        if is_scraped(asset.key):
            continue
        key = asset.key.to_user_string()
        same_day, window = _upstream(asset)
        if window:
            checks.append(
                Check(
                    key,
                    "lookback_ready",
                    rules.lookback_ready([t for t in window if t != "nba_raw.nbac_schedule"]),
                    "The lookback window is complete against the schedule (verify_phase3_for_phase4).",
                    blocking=True,
                )
            )
        checks.append(
            Check(
                key,
                "fresh_against_upstream",
                rules.fresh_against_upstream(table_name(key), same_day, window),
                "No partition it reads was rewritten after it (re-run it if so).",
            )
        )
    return checks


def _result(context: AssetCheckExecutionContext, check: Check, outcomes: list[Outcome]) -> dg.AssetCheckResult:
    """One check's result: the date's own in a single-partition run; in a range run each date's
    evaluation is logged and a summary returned."""
    if context.has_partition_key:
        return result(check.key, outcomes[0])
    for outcome in outcomes:
        context.op_execution_context.log_event(evaluation(check.key, outcome))
    return summary(check.key, outcomes)


def _blocked(ran: list[tuple[Check, list[Outcome]]]) -> dict[dt.date, list[str]]:
    """Each date where a blocking check failed at ERROR, with the names of those checks."""
    blocked: dict[dt.date, list[str]] = {}
    for check, outcomes in ran:
        for o in outcomes:
            if check.blocking and not o.passed and o.severity == ERROR:
                blocked.setdefault(o.game_date, []).append(check.name)
    return blocked


def _reported(
    results: list[dg.AssetCheckResult], blocked: Mapping[dt.date, list[str]], crashed: list[str]
) -> Iterator[dg.AssetCheckResult]:
    """Every result, then the step's failure if a check could not be evaluated or a blocking check
    failed at ERROR. Dagster would fail the step for the latter too, but would name the checks past
    its message's first line, the one the runner and the alerts report: with a step per check its
    key named the check, a step now holds several. A failure of blocking checks alone names its
    dates (phases/failed_dates.py): the runner then runs the range again without them, instead of
    searching for them by bisection."""
    yield from results
    why = {d: f"blocking check(s) failed at ERROR on {d}: {', '.join(names)}" for d, names in sorted(blocked.items())}
    if crashed:  # names no date: every date of the range is in doubt
        raise dg.Failure("; ".join([f"check(s) could not be evaluated: {'; '.join(crashed)}", *why.values()]))
    if why:
        raise dates_failed(why)


def _evaluated(
    checks: Sequence[Check], selected: AbstractSet[dg.AssetCheckKey], dates: list[dt.date], data: CheckData
) -> tuple[list[tuple[Check, list[Outcome]]], list[str]]:
    """Each selected check's outcomes, and the checks whose rule raised, with the error's first
    line: one check that cannot be evaluated keeps the results of its siblings in the step."""
    ran, crashed = [], []
    for check in (c for c in checks if c.key in selected):
        try:
            ran.append((check, check.rule(dates, data)))
        except Exception as err:  # reported by the step's failure, naming the check
            first_line = (str(err).strip().splitlines() or [""])[0]
            crashed.append(f"{check.name}: {type(err).__name__}: {first_line}")
    return ran, crashed


def _asset_checks_definition(checks: Sequence[Check]) -> dg.AssetChecksDefinition:
    """The checks of one asset as one step sharing one CheckData: its tables and the ledger are
    read once, not once per check. A selection of some of them runs only those (``can_subset``)."""
    # partitions_def on checks is a preview feature in 1.13 (per-partition results are the point).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        specs = [
            dg.AssetCheckSpec(
                c.name,
                asset=c.key.asset_key,
                description=c.description,
                blocking=c.blocking,
                partitions_def=game_dates,
            )
            for c in checks
        ]

        @dg.multi_asset_check(
            name=checks[0].key.asset_key.to_python_identifier("checks"),
            specs=specs,
            can_subset=True,
            required_resource_keys={"warehouse", "raw_store"},
        )
        def _checks(context: AssetCheckExecutionContext):
            data = CheckData(context.resources.warehouse, context.resources.raw_store)
            dates = partition_dates(context.partition_keys)
            ran, crashed = _evaluated(checks, context.selected_asset_check_keys, dates, data)
            results = [_result(context, c, outcomes) for c, outcomes in ran]
            # Evaluated before returning, so the checks' time is the body's own (bench/split.py
            # times the call; a generator body would run only as Dagster drains it).
            return _reported(results, _blocked(ran), crashed)

    return _checks


def blocking_checks(checks: Sequence[Check]) -> dict[dg.AssetKey, list[dg.AssetCheckKey]]:
    """The blocking checks of each asset."""
    found: dict[dg.AssetKey, list[dg.AssetCheckKey]] = {}
    for check in checks:
        if check.blocking:
            found.setdefault(check.key.asset_key, []).append(check.key)
    return found


def asset_checks(checks: Sequence[Check]) -> list[dg.AssetChecksDefinition]:
    """One definition (one step) per checked asset, its checks in catalogue order."""
    by_asset: dict[dg.AssetKey, list[Check]] = {}
    for check in checks:
        by_asset.setdefault(check.key.asset_key, []).append(check)
    return [_asset_checks_definition(of_asset) for of_asset in by_asset.values()]


def evaluate(checks: Sequence[Check], dates: Sequence[dt.date], data: CheckData) -> pd.DataFrame:
    """Every check over ``dates`` without Dagster: one row per check and date (validate, tests)."""
    rows = []
    for check in checks:
        for o in check.rule(list(dates), data):
            rows.append(
                {
                    "asset": check.asset,
                    "check": check.name,
                    "game_date": o.game_date,
                    "passed": o.passed,
                    "severity": o.severity.value,
                    "blocking": check.blocking,
                    "description": o.description,
                    "metadata": dict(o.metadata),
                }
            )
    return pd.DataFrame(
        rows, columns=["asset", "check", "game_date", "passed", "severity", "blocking", "description", "metadata"]
    )
