"""The completeness model: ONE function (:func:`partition_state`) decides the state of a partition
(table, date), and ONE aggregation (:func:`completeness_matrix`) gives each date and phase the
worst state of its tables. ``plan``, ``run`` (and its resume), ``run --submit``, ``status``, the gap
sensor and the completeness report all read these states.

| state | meaning | a plain ``run`` |
| --- | --- | --- |
| complete | written, rows as written, checks green, nothing it reads newer | leaves it |
| accepted | as complete, with a known gap accepted in its feed (nba_meta.accepted_gaps) | leaves it |
| no games | as complete, on a date without scheduled games (complete when empty) | leaves it |
| missing | never written, or rows lost since written (row count differs from the ledger) | writes it |
| blocked | missing or failed, and what it reads is not complete | writes what it reads, then it |
| failed | the last materialization failed, or a check (run or ``validate``) failed at ERROR | rewrites it |
| changed | rows differ from what was written (fingerprint), e.g. an UPDATE outside the tool | re-validates it: kept if its checks pass (its readers turn stale), else failed |
| stale | a partition it reads (same day or lookback window) was rewritten or changed after it | rewrites it |
| provisional | its date is past but its stored schedule has games not final when scraped | re-scrapes it |
| degraded | a final game of its date has no odds rows (props or lines) and no accepted gap | re-scrapes it |

Computed from the warehouse (partition ledger, rows' fingerprints, schedule, odds, accepted gaps)
and, when given, the Dagster instance (failed attempts and check results).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg
import pandas as pd

from nba_backfill.calendar import (
    PHASE_OF_GROUP,
    PHASES,
    date_range,
    game_dates,
    lookback,
    today_et,
    window,
    window_start,
)
from nba_backfill.checks import observed
from nba_backfill.checks.catalogue import Check
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.rules import SCHEDULE
from nba_backfill.naming import asset_key, asset_name, is_scraped, table_name
from nba_backfill.phases.gate import failed_checks

GOOD = {"complete", "no games", "accepted"}
#: Worst first: a phase shows the first of these among its tables' states.
ORDER = [
    "blocked",
    "failed",
    "missing",
    "changed",
    "stale",
    "provisional",
    "degraded",
    "accepted",
    "no games",
    "complete",
]
#: The Phase 1 tables a provisional date re-scrapes, and those a degraded date re-scrapes.
PROVISIONAL_TABLES = ("scraped.nbac_schedule", "scraped.nbac_boxscores", "scraped.nbac_play_by_play")
DEGRADED_TABLES = ("scraped.odds_api_events", "scraped.odds_api_player_props", "scraped.odds_api_game_lines")
State = tuple[str, list[str]]  # (state, reasons)
#: What a partition outside the dates weighed (before the first window) counts as.
GOOD_STATE: State = ("complete", [])


def phase_of(asset: dg.AssetsDefinition) -> str:
    return PHASE_OF_GROUP[asset.group_names_by_key[asset.key]]


def phase_tables(assets: Sequence[dg.AssetsDefinition]) -> dict[str, list[str]]:
    tables = {p: [] for p in PHASES}
    for asset in assets:
        tables[phase_of(asset)].append(table_name(asset.key))
    return tables


def failed_partitions(
    instance: dg.DagsterInstance, tables: Sequence[str], checks: Sequence[Check], dates: list[dt.date]
) -> dict[tuple[str, dt.date], list[str]]:
    """(table, date) -> what failed there: the last materialization attempt, checks at ERROR."""
    keys = [str(d) for d in dates]
    found: dict[tuple[str, dt.date], list[str]] = {}
    for name in tables:
        for key, state in (
            instance.get_status_by_partition(asset_key(asset_name(name)), keys, game_dates) or {}
        ).items():
            if state is not None and state.value == "FAILED":
                found.setdefault((name, dt.date.fromisoformat(key)), []).append(f"{name} materialization")
    check_keys = [c.key for c in checks if table_name(c.key.asset_key) in tables]
    for key, partition in failed_checks(instance, check_keys, keys) if check_keys else []:
        found.setdefault((table_name(key.asset_key), dt.date.fromisoformat(partition)), []).append(
            f"{key.asset_key.to_user_string()}:{key.name}"
        )
    return found


def games_by_date(data: CheckData, dates: Sequence[dt.date]) -> dict[dt.date, int]:
    """Scheduled games per date, for the dates whose schedule partition is loaded (others unknown)."""
    schedule = data.table(SCHEDULE, dates)
    counts = schedule.groupby(schedule["game_date"].dt.date).size().to_dict() if not schedule.empty else {}
    return {d: int(counts.get(d, 0)) for d in data.written(SCHEDULE, dates)}


@dataclass
class Facts:
    """What is known of one partition (table, date); :func:`partition_state` weighs it."""

    written: bool
    games: int | None = None
    lost: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    provisional: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    upstream_bad: list[str] = field(default_factory=list)


def partition_state(f: Facts) -> State:
    """THE state of a partition, with its reasons (see the module's table)."""
    own = f.failed or ([] if f.written else ["never written"]) or f.lost
    if own and f.upstream_bad:  # skipped or refused because of what it reads
        return "blocked", own + [f"reads {u}" for u in f.upstream_bad]
    for state, reasons in (
        ("failed", f.failed),
        ("missing", [] if f.written else ["never written"]),
        ("missing", f.lost),
        ("changed", f.changed),
        ("stale", f.stale),
        ("provisional", f.provisional),
        ("degraded", f.degraded),
        ("accepted", f.accepted),
    ):
        if reasons:
            return state, reasons
    return ("no games" if f.games == 0 else "complete"), []


def table_reads(assets: Sequence[dg.AssetsDefinition]) -> dict[str, list[tuple[str, bool]]]:
    """Table -> the tables it reads, each with whether over the lookback window (else the same
    date), from the assets' partition mappings; in dependency order."""
    by_key = {a.key: a for a in assets}
    order: list[dg.AssetKey] = []

    def visit(key: dg.AssetKey) -> None:
        if key not in order:
            for parent in by_key[key].dependency_keys & by_key.keys():
                visit(parent)
            order.append(key)

    for key in by_key:
        visit(key)
    return {
        table_name(k): [
            (table_name(p), by_key[k].get_partition_mapping(p) == lookback)
            for p in sorted(by_key[k].dependency_keys & by_key.keys())
        ]
        for k in order
    }


def _by_table(found: Mapping[dt.date, list[str]], tables: Sequence[str]) -> dict[tuple[str, dt.date], list[str]]:
    return {(t, day): why for day, why in found.items() for t in tables}


def _accepted(data: CheckData, tables: Sequence[str], dates: Sequence[dt.date]) -> dict[tuple[str, dt.date], list[str]]:
    """(table, date) -> the accepted gaps of its feed: shown on the feed's scraper (Phase 1), whose
    name the feed is, also where a raw table of Phase 2 has the same name."""
    gaps = data.accepted_gaps(dates)
    by_feed = {t.rsplit(".", 1)[-1]: t for t in tables if is_scraped(t)}
    found: dict[tuple[str, dt.date], list[str]] = {}
    for (feed, day), rows in gaps.groupby(["feed", pd.to_datetime(gaps["game_date"]).dt.date]) if len(gaps) else []:
        if feed in by_feed:
            found[(by_feed[feed], day)] = [f"{len(rows)} accepted ({rows['reason'].iloc[0]})"]
    return found


def partition_states(
    dates: Sequence[dt.date],
    data: CheckData,
    assets: Sequence[dg.AssetsDefinition],
    checks: Sequence[Check],
    instance: dg.DagsterInstance | None = None,
    today: dt.date | None = None,
) -> dict[tuple[str, dt.date], State]:
    """(table, date) -> state and reasons, for every table of ``assets`` and every date of ``dates``
    (with the lookback windows before the first date, whose states the later ones depend on)."""
    reads = table_reads(assets)
    phase = {table_name(a.key): phase_of(a) for a in assets}
    days = date_range(min(window_start(min(dates)), min(dates)), max(dates)) if dates else []
    ledger = data.ledger.assign(day=lambda f: f["game_date"].dt.date)
    written = {(t, d): at for t, d, at in zip(ledger["table_name"], ledger["day"], ledger["written_at"])}
    games = games_by_date(data, days)
    failed = failed_partitions(instance, list(reads), checks, days) if instance is not None else {}
    drift = observed.drifted(data, [t for t in reads if not is_scraped(t)], days)
    lost = {
        (r.table_name, r.game_date.date()): [f"{r.row_count} rows written, {int(r.row_count_now)} there now"]
        for r in drift[drift["lost"]].itertuples()
    }
    changed = {
        (r.table_name, r.game_date.date()): ["rows changed outside nba-backfill since written (fingerprint)"]
        for r in drift[drift["changed"]].itertuples()
    }
    provisional = _by_table(observed.provisional(data, days, today or today_et()), PROVISIONAL_TABLES)
    degraded = _by_table(observed.degraded(data, days), DEGRADED_TABLES)
    accepted = _accepted(data, list(reads), days)

    states: dict[tuple[str, dt.date], State] = {}
    for day in days:
        for table, parents in reads.items():
            key = (table, day)
            mine = written.get(key)
            upstream = [(p, d) for p, over_window in parents for d in (window(day) if over_window else [day])]
            newer = [
                f"{p} {d} rewritten since" for p, d in upstream if mine is not None and _after(written, (p, d), mine)
            ]
            newer += [f"{p} {d} changed outside nba-backfill" for p, d in upstream if (p, d) in changed]
            states[key] = partition_state(
                Facts(
                    written=mine is not None,
                    games=games.get(day),
                    lost=lost.get(key, []),
                    failed=failed.get(key, []),
                    changed=changed.get(key, []),
                    stale=sorted(newer),
                    provisional=provisional.get(key, []),
                    degraded=degraded.get(key, []),
                    accepted=accepted.get(key, []),
                    # Blocked by another phase or an earlier date; a same-day gap within the phase
                    # is the phase's own (it runs in waves).
                    upstream_bad=sorted(
                        f"{p} {d} ({states[(p, d)][0]})"
                        for p, d in upstream
                        if (phase[p] != phase[table] or d != day) and states.get((p, d), GOOD_STATE)[0] not in GOOD
                    ),
                )
            )
    return states


def _after(written: Mapping[tuple[str, dt.date], pd.Timestamp], key: tuple[str, dt.date], mine: pd.Timestamp) -> bool:
    stamp = written.get(key)
    return stamp is not None and stamp > mine


def completeness_matrix(
    start: dt.date,
    end: dt.date,
    data: CheckData,
    assets: Sequence[dg.AssetsDefinition],
    checks: Sequence[Check],
    instance: dg.DagsterInstance | None = None,
    states: Mapping[tuple[str, dt.date], State] | None = None,
) -> pd.DataFrame:
    """One row per date of ``start``..``end``: ``date``, ``games`` (None if the schedule is not
    loaded), ``phase1``..``phase5`` (the worst state of the phase's tables) and ``reasons`` (phase
    -> ``table: why``, at most five)."""
    dates = date_range(start, end)
    states = states if states is not None else partition_states(dates, data, assets, checks, instance)
    tables = phase_tables(assets)
    games = games_by_date(data, dates)
    rows = []
    for day in dates:
        row: dict = {"date": day, "games": games.get(day), "reasons": {}}
        for phase in PHASES:
            mine = [(t, states[(t, day)]) for t in tables[phase]]
            row[phase] = min((s for _, (s, _) in mine), key=ORDER.index, default="complete")
            why = [f"{t}: {r}" for t, (s, reasons) in mine if s == row[phase] for r in reasons]
            if why:
                row["reasons"][phase] = sorted(why)[:5]
        rows.append(row)
    matrix = pd.DataFrame(rows, columns=["date", "games", *PHASES, "reasons"])
    matrix["games"] = matrix["games"].astype("Int64")
    return matrix
