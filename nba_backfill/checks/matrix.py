"""The completeness matrix: for each date and phase, one state an operator can act on.

| state | meaning |
| --- | --- |
| complete | every table of the phase is written for the date, checks green, nothing upstream newer |
| accepted | as complete, with a known gap accepted in one of its feeds (nba_meta.accepted_gaps) |
| no games | as complete, on a date without scheduled games (complete when empty) |
| missing | a table of the phase was never written for the date |
| blocked | missing, and what it reads (the phase before, or a lookback date) is not complete |
| failed | the last materialization attempt failed, or a check failed at ERROR |
| stale | written, but a partition it reads was rewritten after it |

Computed from the warehouse's partition ledger and, when given, the Dagster instance (failed
attempts and check results).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg
import pandas as pd

from nba_backfill.calendar import PHASE_OF_GROUP, PHASES, date_range, game_dates, lookback, window, window_start
from nba_backfill.checks.catalogue import Check
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.rules import SCHEDULE
from nba_backfill.naming import asset_key, asset_name, table_name
from nba_backfill.phases.gate import failed_checks
from nba_backfill.storage import accepted_gaps

GOOD = {"complete", "no games", "accepted"}


def phase_of(asset: dg.AssetsDefinition) -> str:
    return PHASE_OF_GROUP[asset.group_names_by_key[asset.key]]


def phase_tables(assets: Sequence[dg.AssetsDefinition]) -> dict[str, list[str]]:
    tables = {p: [] for p in PHASES}
    for asset in assets:
        tables[phase_of(asset)].append(table_name(asset.key))
    return tables


def window_readers(assets: Sequence[dg.AssetsDefinition]) -> dict[str, set[str]]:
    """Phase -> the phases it reads over the lookback window (besides the same date), from the
    assets' partition mappings."""
    phases = {a.key: phase_of(a) for a in assets}
    found: dict[str, set[str]] = {}
    for asset in assets:
        for parent in asset.dependency_keys:
            if parent in phases and asset.get_partition_mapping(parent) == lookback:
                found.setdefault(phases[asset.key], set()).add(phases[parent])
    return found


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


def _failures(
    instance: dg.DagsterInstance, tables: Mapping[str, list[str]], checks: Sequence[Check], dates: list[dt.date]
) -> dict[tuple[str, dt.date], list[str]]:
    """(phase, date) -> what failed in the phase's tables."""
    phase_of = {t: p for p, names in tables.items() for t in names}
    found: dict[tuple[str, dt.date], list[str]] = {}
    for (table, day), why in failed_partitions(instance, list(phase_of), checks, dates).items():
        found.setdefault((phase_of[table], day), []).extend(why)
    return found


def accepted_by_phase(
    data: CheckData, tables: Mapping[str, list[str]], dates: Sequence[dt.date]
) -> dict[tuple[str, dt.date], list[str]]:
    """(phase, date) -> the accepted gaps of the feeds its tables hold (a feed is the table's name)."""
    gaps = data.table(accepted_gaps.TABLE, dates).reindex(columns=accepted_gaps.COLUMNS)
    found: dict[tuple[str, dt.date], list[str]] = {}
    for (feed, day), rows in gaps.groupby(["feed", gaps["game_date"].dt.date]) if len(gaps) else []:
        note = f"{feed}: {len(rows)} accepted ({rows['reason'].iloc[0]})"
        for phase, names in tables.items():
            if any(t.rsplit(".", 1)[-1] == feed for t in names):
                found.setdefault((phase, day), []).append(note)
    return found


def games_by_date(data: CheckData, dates: Sequence[dt.date]) -> dict[dt.date, int]:
    """Scheduled games per date, for the dates whose schedule partition is loaded (others unknown)."""
    schedule = data.table(SCHEDULE, dates)
    counts = schedule.groupby(schedule["game_date"].dt.date).size().to_dict() if not schedule.empty else {}
    return {d: int(counts.get(d, 0)) for d in data.written(SCHEDULE, dates)}


def completeness_matrix(
    start: dt.date,
    end: dt.date,
    data: CheckData,
    assets: Sequence[dg.AssetsDefinition],
    checks: Sequence[Check],
    instance: dg.DagsterInstance | None = None,
) -> pd.DataFrame:
    """One row per date of ``start``..``end``: ``date``, ``games`` (None if the schedule is not
    loaded), ``phase1``..``phase5`` states and ``reasons`` (phase -> what is wrong)."""
    tables, readers = phase_tables(assets), window_readers(assets)
    dates = date_range(window_start(start), end) if window_start(start) < start else date_range(start, end)
    ledger = data.ledger.assign(day=lambda f: f["game_date"].dt.date)
    written = {(t, d): at for t, d, at in zip(ledger["table_name"], ledger["day"], ledger["written_at"])}
    games = games_by_date(data, dates)
    failures = _failures(instance, tables, checks, dates) if instance is not None else {}
    accepted = accepted_by_phase(data, tables, dates)
    stale_rules = {table_name(c.asset): c.rule for c in checks if c.name == "fresh_against_upstream"}
    stale_days = {
        (t, o.game_date)
        for t, rule in stale_rules.items()
        for o in rule(dates, data)
        if not o.passed and o.metadata.get("newer_upstream")
    }

    states: dict[tuple[str, dt.date], str] = {}
    rows = []
    for day in dates:
        row: dict = {"date": day, "games": games.get(day), "reasons": {}}
        for i, phase in enumerate(PHASES):
            unwritten = [t for t in tables[phase] if (t, day) not in written]
            upstream = [states[(PHASES[i - 1], day)]] if i else []
            upstream += [states.get((read, d), "complete") for read in readers.get(phase, ()) for d in window(day)]
            failed, blocked = (phase, day) in failures, any(s not in GOOD for s in upstream)
            if blocked and (failed or unwritten):  # skipped or refused because of what it reads
                state, why = "blocked", unwritten or failures[(phase, day)]
            elif failed:
                state, why = "failed", failures[(phase, day)]
            elif unwritten:
                state, why = "missing", unwritten
            elif any((t, day) in stale_days for t in tables[phase]):
                state, why = "stale", [t for t in tables[phase] if (t, day) in stale_days]
            elif (phase, day) in accepted:
                state, why = "accepted", accepted[(phase, day)]
            else:
                state, why = ("no games" if row["games"] == 0 else "complete"), []
            states[(phase, day)] = row[phase] = state
            if why:
                row["reasons"][phase] = sorted(why)[:5]
        rows.append(row)
    matrix = pd.DataFrame(rows, columns=["date", "games", *PHASES, "reasons"])
    matrix["games"] = matrix["games"].astype("Int64")
    return matrix[matrix["date"] >= start].reset_index(drop=True)
