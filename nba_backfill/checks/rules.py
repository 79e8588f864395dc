"""The rules behind the checks: each turns the data of some dates into one Outcome per date.

They replace the original platform's validation scripts (reference/source-system.md §3):
preflight (schedule reconciliation), verify_backfill_range (rows, keys, recency),
validate_backfill_coverage --reconcile (player coverage), validate_cascade_contamination
(critical fields), verify_phase3_for_phase4 (lookback readiness), and the placeholder-line runbook.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nba_backfill.calendar import days_into_season, window, window_start
from nba_backfill.checks import box_score
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.outcomes import ERROR, WARN, Outcome, capped, valid_share_band
from nba_backfill.phases.lookback import window_gaps
from nba_backfill.phases.phase3_analytics.lines import PLACEHOLDER_LINE
from nba_backfill.storage.accepted_gaps import GAME_FEED, absent_games

SCHEDULE = "nba_raw.nbac_schedule"
PGS = "nba_analytics.player_game_summary"

Rule = Callable[[Sequence[dt.date], CheckData], list[Outcome]]


def _by_date(df: pd.DataFrame, columns: Sequence[str]) -> Mapping[dt.date, pd.DataFrame]:
    """Date -> its rows (``game_date`` and ``columns``, what the caller reads), as slices of the
    frame in date order: a groupby would copy every column of every date (the most of a season's
    check time); a slice of sorted rows copies nothing, but costs a little per column (a wide
    table's slices took a second a season), hence the columns named."""
    if df.empty or "game_date" not in df.columns:
        return {}
    df = df.loc[df["game_date"].notna(), ["game_date", *columns]]
    if not df["game_date"].is_monotonic_increasing:
        df = df.sort_values("game_date", kind="stable")
    days, starts = np.unique(df["game_date"].to_numpy(), return_index=True)
    ends = [*starts[1:], len(df)]
    return {pd.Timestamp(day).date(): df.iloc[a:b] for day, a, b in zip(days, starts, ends)}


def _dates(df: pd.DataFrame) -> set[dt.date]:
    """The dates with rows in ``df`` (the keys :func:`_by_date` would give)."""
    if df.empty or "game_date" not in df.columns:
        return set()
    return {pd.Timestamp(day).date() for day in np.unique(df["game_date"].dropna().to_numpy())}


def _final_games(data: CheckData, dates: Sequence[dt.date]) -> Mapping[dt.date, pd.DataFrame]:
    schedule = data.table(SCHEDULE, dates)
    if schedule.empty:
        return {}
    return _by_date(schedule[schedule["game_status"] == 3], ["game_id", "nba_game_id"])


#: A date without final games, shaped as :func:`_final_games` gives one.
_NO_GAMES = pd.DataFrame(columns=["game_date", "game_id", "nba_game_id"])


def _per_day(figures: pd.Series) -> dict[dt.date, int]:
    """A count per date, from a Series indexed by ``game_date`` (a value_counts, a groupby)."""
    return {day.date(): int(n) for day, n in figures.items()}


def _rows_per_game(df: pd.DataFrame) -> dict[dt.date, dict[str, int]]:
    """Date -> game id -> its rows, counted in one groupby over the range."""
    if df.empty or "game_date" not in df.columns:
        return {}
    out: dict[dt.date, dict[str, int]] = {}
    for (day, game), n in df.groupby(["game_date", "game_id"]).size().items():
        out.setdefault(day.date(), {})[game] = int(n)
    return out


def _unwritten(data: CheckData, table: str, day: dt.date) -> Outcome:
    return Outcome(day, False, ERROR, f"{table} has no partition for {day}", {"unwritten_table": table})


# --- schedule reconciliation (preflight) ------------------------------------------------------


def rows_match_schedule(table: str, rows_per_game: int | None, gap_feed: str | None = None) -> Rule:
    """Every final game of the schedule has its rows (exactly ``rows_per_game``, if given), and no
    game appears that the schedule does not know. A date without games passes with games: 0. A
    game whose ``gap_feed`` gap is accepted (nba_meta.accepted_gaps) is not missing."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        finals, rows = _final_games(data, dates), _rows_per_game(data.table(table, dates))
        gaps = data.accepted_games(gap_feed, dates) if gap_feed else {}
        outcomes = []
        for day in dates:
            if day not in data.written(SCHEDULE, [day]) or day not in data.written(table, [day]):
                outcomes.append(_unwritten(data, SCHEDULE if day not in data.written(SCHEDULE, [day]) else table, day))
                continue
            games = finals.get(day, _NO_GAMES)
            expected, counts = set(games["game_id"].tolist()), rows.get(day, {})
            accepted = absent_games(games, gaps)
            missing = expected - set(counts) - accepted
            unexpected = set(counts) - expected
            wrong = {g for g, n in counts.items() if g in expected and rows_per_game and n != rows_per_game}
            passed = not (missing or unexpected or wrong)
            outcomes.append(
                Outcome(
                    day,
                    passed,
                    ERROR,
                    "" if passed else f"{len(missing)} scheduled game(s) missing, {len(wrong)} with wrong row counts",
                    {
                        "games": len(expected),
                        "rows": sum(counts.values()),
                        "missing_games": capped(missing),
                        "accepted_gaps": capped(accepted - set(counts)),
                        "unscheduled_games": capped(unexpected),
                        "games_with_wrong_row_count": capped(wrong),
                    },
                )
            )
        return outcomes

    return rule


def raw_files_match_schedule(prefix: str, folder: Callable[[str], str], gap_feed: str) -> Rule:
    """Every final game has a raw file under ``prefix/{date}/{folder(nba_game_id)}/``, but for a
    game whose ``gap_feed`` gap is accepted (it will never come)."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        finals, gaps = _final_games(data, dates), data.accepted_games(gap_feed, dates)
        outcomes = []
        for day in dates:
            games = finals.get(day, _NO_GAMES)
            present = {path.split("/")[-2] for path in data.raw_files(prefix, day)}
            absent = absent_games(games, gaps)
            missing = [
                gid
                for nba, gid in zip(games["nba_game_id"], games["game_id"])
                if folder(nba) not in present and gid not in absent
            ]
            outcomes.append(
                Outcome(
                    day,
                    not missing,
                    ERROR,
                    f"{len(missing)} game(s) without a raw file" if missing else "",
                    {"games": len(games), "files": len(present), "missing_games": capped(missing)},
                )
            )
        return outcomes

    return rule


# --- box score shape --------------------------------------------------------------------------

MIN_ACTIVE_PLAYERS = 8
REGULATION_TEAM_MINUTES = 240
OVERTIME_TEAM_MINUTES = 25


def _box_scores(dates: Sequence[dt.date], data: CheckData) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dt.date]]:
    """The players' and teams' box-score rows of the dates that have both, and each game's date.

    A game id is one game on one date: the box-score rules judge the whole range at once (a
    groupby and a join, not one per date) and file each offender, labelled ``game ...``, under its
    game's date."""
    players = data.table("nba_raw.nbac_gamebook_player_stats", dates)
    teams = data.table("nba_raw.nbac_team_boxscore", dates)
    both = [pd.Timestamp(d) for d in _dates(players) & _dates(teams)]
    if not both:
        return players, teams, {}
    players, teams = players[players["game_date"].isin(both)], teams[teams["game_date"].isin(both)]
    day_of = {g: d.date() for frame in (players, teams) for g, d in zip(frame["game_id"], frame["game_date"])}
    return players, teams, day_of


def _filed(labels: Iterable[str], day_of: Mapping[str, dt.date]) -> dict[dt.date, set[str]]:
    """Offenders labelled ``game ...``, by their game's date."""
    out: dict[dt.date, set[str]] = {}
    for label in labels:
        out.setdefault(day_of[label.split(" ", 1)[0]], set()).add(label)
    return out


def _no_box_scores(day: dt.date) -> Outcome:
    return Outcome(day, True, WARN, "no box scores", {"games": 0})


def box_scores_add_up(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    """At least 8 active players a team, team points = the players' sum, minutes ≈ 240 (+25 per OT)."""
    p, team_rows, day_of = _box_scores(dates, data)
    if not day_of:
        return [_no_box_scores(day) for day in dates]
    per_team = (
        p.assign(active=p["player_status"] == "active")
        .groupby(["game_id", "team_abbr"])
        .agg(active=("active", "sum"), points=("points", "sum"), minutes=("minutes_decimal", "sum"))
    )
    team = team_rows.set_index(["game_id", "team_abbr"])
    joined = per_team.join(team[["points", "overtime_periods"]], rsuffix="_team", how="outer")
    expected_minutes = REGULATION_TEAM_MINUTES + OVERTIME_TEAM_MINUTES * joined["overtime_periods"].fillna(0)

    def offenders(mask: pd.Series) -> dict[dt.date, set[str]]:
        return _filed((f"{g} {t}" for g, t in joined.index[mask]), day_of)

    short = offenders(joined["active"].fillna(0) < MIN_ACTIVE_PLAYERS)
    points = offenders(joined["points"] != joined["points_team"])
    minutes = offenders((joined["minutes"] - expected_minutes).abs() > 1)
    teams = Counter(day_of[g] for g in joined.index.get_level_values("game_id"))
    outcomes = []
    for day in dates:
        if day not in teams:
            outcomes.append(_no_box_scores(day))
            continue
        found = [found_on.get(day, set()) for found_on in (short, points, minutes)]
        bad = set().union(*found)
        outcomes.append(
            Outcome(
                day,
                not bad,
                ERROR,
                f"{len(bad)} team box score(s) do not add up" if bad else "",
                {
                    "teams": teams[day],
                    "too_few_active_players": capped(found[0]),
                    "points_mismatch": capped(found[1]),
                    "minutes_off": capped(found[2]),
                },
            )
        )
    return outcomes


def box_score_consistent(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    """Every internal identity of the date's box scores holds (checks/box_score.py): rebounds,
    team totals against the players' sums, plus-minus against the margin, makes within attempts,
    no negative counts, and minutes for whoever scored."""
    p, team_rows, day_of = _box_scores(dates, data)
    if not day_of:
        return [_no_box_scores(day) for day in dates]
    found = {name: _filed(offenders, day_of) for name, offenders in box_score.violations(p, team_rows).items()}
    games = _per_day(team_rows.groupby("game_date")["game_id"].nunique())
    outcomes = []
    for day in dates:
        if day not in games:
            outcomes.append(_no_box_scores(day))
            continue
        mine = {name: found_on.get(day, set()) for name, found_on in found.items()}
        broken = [name for name, offenders in mine.items() if offenders]
        description = f"box scores contradict themselves: {', '.join(broken)}" if broken else ""
        outcomes.append(
            Outcome(
                day,
                not broken,
                ERROR,
                description,
                {"games": games[day], **{name: capped(offenders) for name, offenders in mine.items()}},
            )
        )
    return outcomes


# --- unique grain -----------------------------------------------------------------------------


def unique_grain(table: str, keys: Sequence[str]) -> Rule:
    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        df = data.table(table, dates)
        grain = ["game_date", *[k for k in keys if k != "game_date"]]
        dupes = df[df.duplicated(grain, keep=False)] if not df.empty else df  # once over the range
        rows = df.groupby(df["game_date"].dt.date).size() if not df.empty else pd.Series(dtype=int)
        outcomes, found_by_date = [], _by_date(dupes, [k for k in keys if k != "game_date"])
        for day, found in ((d, found_by_date.get(d)) for d in dates):
            labels = (
                set()
                if found is None
                else {" ".join(str(v) for v in r) for r in found[list(keys)].itertuples(index=False)}
            )
            outcomes.append(
                Outcome(
                    day,
                    not labels,
                    ERROR,
                    f"{len(labels)} duplicated key(s)" if labels else "",
                    {"rows": int(rows.get(day, 0)), "key": ", ".join(keys), "duplicated_keys": capped(labels)},
                )
            )
        return outcomes

    return rule


# --- cascade contamination --------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalField:
    """A field downstream work depends on. ``needs_history`` fields are judged by the early-season
    rules instead: a row flagged ``early_season_flag`` may lack them."""

    name: str
    valid: Callable[[pd.DataFrame], pd.Series]
    needs_history: bool = True
    applies: Callable[[pd.DataFrame], pd.Series] | None = None


def not_null(column: str, needs_history: bool = True, applies=None) -> CriticalField:
    return CriticalField(f"{column} IS NOT NULL", lambda df: df[column].notna(), needs_history, applies)


def positive(column: str, needs_history: bool = True, applies=None) -> CriticalField:
    return CriticalField(f"{column} > 0", lambda df: df[column].fillna(0) > 0, needs_history, applies)


def critical_fields_valid(table: str, fields: Sequence[CriticalField]) -> Rule:
    """Per date and field, the share of valid rows: ≥ 99% passes, ≥ 50% warns, < 50% is an error."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        # Every field's valid share of every date in one groupby each (the fields judge row by row).
        df = data.table(table, dates)
        if df.empty or "game_date" not in df.columns:
            return [Outcome(day, True, WARN, "no rows", {"rows": 0}) for day in dates]
        on = df["game_date"]
        early = df["early_season_flag"].astype(bool) if "early_season_flag" in df else pd.Series(False, index=df.index)
        share_of: dict[str, dict[dt.date, float]] = {}
        for f in fields:
            judged = ~early if f.needs_history else pd.Series(True, index=df.index)
            if f.applies is not None:
                judged &= f.applies(df).astype(bool)
            valid = f.valid(df)[judged].groupby(on[judged]).mean()
            share_of[f.name] = {d.date(): float(v) for d, v in valid.items()}
        rows, early_rows = _per_day(on.value_counts()), _per_day(early.groupby(on).sum())
        outcomes = []
        for day in dates:
            if not rows.get(day):
                outcomes.append(Outcome(day, True, WARN, "no rows", {"rows": 0}))
                continue
            shares = {name: by_day[day] for name, by_day in share_of.items() if day in by_day}
            worst = min(shares.values(), default=1.0)
            passed, severity = valid_share_band(worst)
            bad = {name: round(100 * share, 1) for name, share in shares.items() if share < 0.99}
            outcomes.append(
                Outcome(
                    day,
                    passed,
                    severity,
                    f"critical fields below 99% valid: {bad}" if bad else "",
                    {
                        "rows": rows[day],
                        "early_season_rows": early_rows[day],
                        "valid_pct": {k: round(100 * v, 1) for k, v in shares.items()},
                    },
                )
            )
        return outcomes

    return rule


# --- lookback readiness -----------------------------------------------------------------------


#: A date whose window lacks nothing, shaped as :func:`lookback_ready` reads a date's gaps.
_NO_GAPS = pd.DataFrame(columns=["missing_date", "game_id", "table"])


def lookback_ready(history_tables: Sequence[str]) -> Rule:
    """The Phase 3 window of the date is complete against the schedule: the very facts the asset's
    own guard raises on (``phases.lookback.window_gaps``); a game whose box score is accepted as
    never coming is known-absent, not missing."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        days = sorted({w for d in dates for w in window(d)})
        schedule = data.table(SCHEDULE, days)
        absent = absent_games(schedule, data.accepted_games(GAME_FEED, days))
        gaps = window_gaps(dates, schedule, {t: data.table(t, days) for t in history_tables}, absent)
        per_date = _by_date(
            gaps.rename(columns={"analysis_date": "game_date"}).assign(
                game_date=lambda g: pd.to_datetime(g["game_date"])
            ),
            _NO_GAPS.columns,
        )
        outcomes = []
        for day in dates:
            g = per_date.get(day, _NO_GAPS)
            outcomes.append(
                Outcome(
                    day,
                    g.empty,
                    ERROR,
                    f"lookback window incomplete: {len(set(g['missing_date']))} date(s)" if len(g) else "",
                    {
                        "window_start": str(window_start(day)),
                        "missing_dates": capped({str(d) for d in g["missing_date"]}),
                        "missing_games": capped({x for x in g["game_id"] if x}),
                        "tables": capped(set(g["table"])),
                    },
                )
            )
        return outcomes

    return rule


# --- player coverage --------------------------------------------------------------------------


def players_covered(table: str) -> Rule:
    """Every player who played on the date (player_game_summary) has a row here: unaccounted = 0.
    Rows are written for every rostered player, so there is no skip list to reconcile against."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        played, rows = _players(data.table(PGS, dates), active=True), _players(data.table(table, dates))
        outcomes = []
        for day in dates:
            if day not in data.written(table, [day]):
                outcomes.append(_unwritten(data, table, day))
                continue
            expected, present = played.get(day, set()), rows.get(day, set())
            unaccounted = expected - present
            outcomes.append(
                Outcome(
                    day,
                    not unaccounted,
                    ERROR,
                    f"{len(unaccounted)} player(s) with a game have no row" if unaccounted else "",
                    {
                        "expected_players": len(expected),
                        "rows": len(present),
                        "unaccounted": len(unaccounted),
                        "unaccounted_players": capped(unaccounted),
                    },
                )
            )
        return outcomes

    return rule


def _players(df: pd.DataFrame, active: bool = False) -> dict[dt.date, set[str]]:
    """Date -> the players with a row (``active``: an active one), the range in one groupby."""
    if df.empty or "game_date" not in df.columns:
        return {}
    if active:
        df = df[df["is_active"].astype(bool)]
    # tolist: a string column converts at once, iterating it converts value by value.
    return {day.date(): set(players.tolist()) for day, players in df.groupby("game_date")["player_lookup"]}


# --- betting lines ----------------------------------------------------------------------------

#: Player-points props exist in the Odds API history from May 2023 (reference §5); before that a
#: missing line is expected and not a gap to backfill.
PROPS_HISTORY_START = dt.date(2023, 5, 3)
#: Books price the ~8-10 rotation players of a 15-man roster: a normal slate has ~55% of rostered
#: players with a line; under 30% the feed was (partly) down.
MIN_LINE_SHARE = 0.3


def no_placeholder_lines(table: str, columns: Sequence[str]) -> Rule:
    """The 20.0 placeholder that once stood in for "no line" appears in none of ``columns``."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        df = data.table(table, dates)
        rows: dict[dt.date, int] = {}
        hits: dict[dt.date, list[str]] = {}
        if not df.empty and "game_date" in df.columns:  # the whole range in one comparison
            rows = _per_day(df["game_date"].value_counts())
            found = df.loc[(df[list(columns)] == PLACEHOLDER_LINE).any(axis=1), ["game_date", "player_lookup"]]
            for day, player in zip(found["game_date"], found["player_lookup"]):
                hits.setdefault(day.date(), []).append(player)
        outcomes = []
        for day in dates:
            hit = hits.get(day, [])
            outcomes.append(
                Outcome(
                    day,
                    not hit,
                    ERROR,
                    f"{len(hit)} row(s) with a placeholder 20.0 line" if hit else "",
                    {"rows": rows.get(day, 0), "placeholder_lines": len(hit), "players": capped(set(hit))},
                )
            )
        return outcomes

    return rule


def real_line_share(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    """Share of predictions with a real line; too low, on a date lines should exist, and the date
    needs a historical odds backfill."""
    rows = _by_date(data.table("nba_predictions.player_prop_predictions", dates), ["has_prop_line"])
    outcomes = []
    for day in dates:
        df = rows.get(day)
        if df is None or df.empty:
            outcomes.append(Outcome(day, True, WARN, "no predictions", {"players": 0}))
            continue
        share = float(df["has_prop_line"].astype(bool).mean())
        expected = day >= PROPS_HISTORY_START
        passed = share >= MIN_LINE_SHARE or not expected
        outcomes.append(
            Outcome(
                day,
                passed,
                WARN,
                "" if passed else f"only {share:.0%} of players have a line: backfill historical odds for {day}",
                {
                    "players": len(df),
                    "with_line_pct": round(100 * share, 1),
                    "lines_expected": expected,
                    "needs_odds_backfill": not passed,
                },
            )
        )
    return outcomes


# --- quality distribution ---------------------------------------------------------------------

EARLY_SEASON_DAYS = 21
MIN_AVERAGE_QUALITY = 70


def quality_distribution(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    """Feature quality per date; a low average is a warning once the season is three weeks old.
    Early-season rows must follow the rule quality = 10 x min(games, 10)."""
    columns = ["quality_score", "games_in_sample", "early_season_flag", "player_lookup"]
    rows = _by_date(data.table("nba_precompute.ml_feature_store", dates), columns)
    outcomes = []
    for day in dates:
        df = rows.get(day)
        if df is None or df.empty:
            outcomes.append(Outcome(day, True, WARN, "no rows", {"players": 0}))
            continue
        q = df["quality_score"]
        off_rule = df[q != 10 * df["games_in_sample"].clip(upper=10)]
        settled = days_into_season(day) > EARLY_SEASON_DAYS
        low = settled and q.mean() < MIN_AVERAGE_QUALITY
        severity = ERROR if len(off_rule) else WARN
        description = (
            f"{len(off_rule)} row(s) break the quality rule"
            if len(off_rule)
            else f"average quality {q.mean():.0f} below {MIN_AVERAGE_QUALITY}"
            if low
            else ""
        )
        outcomes.append(
            Outcome(
                day,
                not (low or len(off_rule)),
                severity,
                description,
                {
                    "players": len(df),
                    "min": int(q.min()),
                    "avg": round(float(q.mean()), 1),
                    "max": int(q.max()),
                    "early_season_rows": int(df["early_season_flag"].sum()),
                    "days_into_season": days_into_season(day),
                    "off_rule_players": capped(set(off_rule["player_lookup"])),
                },
            )
        )
    return outcomes


# --- freshness of reprocessing ----------------------------------------------------------------


def fresh_against_upstream(table: str, same_day: Sequence[str], lookback: Sequence[str]) -> Rule:
    """Stale: an upstream partition this one reads was rewritten after it (re-run downstream)."""

    def rule(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
        ledger = data.written_at
        outcomes = []
        for day in dates:
            mine = ledger.get((table, day))
            if mine is None:
                outcomes.append(_unwritten(data, table, day))
                continue
            reads = [(u, day) for u in same_day] + [(u, d) for u in lookback for d in window(day)]
            newer = sorted({f"{u} {d}" for u, d in reads if (stamp := ledger.get((u, d))) is not None and stamp > mine})
            outcomes.append(
                Outcome(
                    day,
                    not newer,
                    WARN,
                    f"{len(newer)} upstream partition(s) rewritten since" if newer else "",
                    {"written_at": str(mine), "newer_upstream": capped(newer)},
                )
            )
        return outcomes

    return rule
