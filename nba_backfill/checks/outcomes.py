"""What a check says about one date, and how that becomes Dagster check results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
#: Offending ids listed in metadata are capped so a bad season stays readable.
LIST_CAP = 20


@dataclass(frozen=True)
class Outcome:
    game_date: dt.date
    passed: bool
    severity: dg.AssetCheckSeverity = ERROR
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


def capped(values: Sequence[Any] | set[Any]) -> list[str]:
    """Sorted, capped list of offenders, with a note of how many were left out."""
    items = sorted(str(v) for v in values)
    return items[:LIST_CAP] + ([f"… and {len(items) - LIST_CAP} more"] if len(items) > LIST_CAP else [])


def valid_share_band(share: float) -> tuple[bool, dg.AssetCheckSeverity]:
    """≥ 99% valid passes; ≥ 50% is a warning; below 50% an error (the contamination bands)."""
    if share >= 0.99:
        return True, WARN
    return False, WARN if share >= 0.5 else ERROR


def evaluation(key: dg.AssetCheckKey, outcome: Outcome) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=outcome.passed,
        partition=str(outcome.game_date),
        severity=outcome.severity,
        description=outcome.description or None,
        metadata=dict(outcome.metadata),
    )


def result(key: dg.AssetCheckKey, outcome: Outcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=outcome.passed,
        severity=outcome.severity,
        description=outcome.description or None,
        metadata=dict(outcome.metadata),
    )


def summary(key: dg.AssetCheckKey, outcomes: Sequence[Outcome]) -> dg.AssetCheckResult:
    """One result for a range run: fails (at the worst severity) if any date failed."""
    failed = [o for o in outcomes if not o.passed]
    severity = ERROR if any(o.severity == ERROR for o in failed) else WARN
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=not failed,
        severity=severity,
        description=f"{len(failed)} of {len(outcomes)} dates failed" if failed else f"all {len(outcomes)} dates passed",
        metadata={"dates": len(outcomes), "failed_dates": capped({o.game_date for o in failed})},
    )
