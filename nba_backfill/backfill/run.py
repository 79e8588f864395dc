"""Execute a plan: phase by phase, dates in range runs, failing dates named or isolated by bisection.

A run over contiguous dates is the fast path (one Dagster run per asset group and stretch of
dates, cut in chunks of ``CHUNK_DATES`` so that a kill loses one chunk at most; an asset and the
parents it reads within its phase share their runs when they share their dates). When it fails,
the assets that completed the whole stretch are kept. A step that names the dates it failed on (a
scraper meeting an outage, a raw file that cannot be parsed, a blocking check failing at ERROR:
phases/failed_dates.py) has them recorded as failed and the rest of its stretch re-run without
them, at once; a stretch whose failure names no date is split in halves and retried, down to single
dates, so one bad date costs only itself. Before a phase starts, partitions whose inputs failed or
are still missing are reported as blocked and not attempted. One run at a time: DuckDB admits a
single writer. A run is in this process, or with ``parallel`` (a warehouse that admits concurrent
writers) a process per step for phases 2-5.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill.backfill.execute import RangeResult, materialize_range
from nba_backfill.backfill.plan import Graph, Partitions, Plan
from nba_backfill.backfill.progress import Progress
from nba_backfill.calendar import PHASES
from nba_backfill.checks.matrix import GOOD
from nba_backfill.naming import asset_key
from nba_backfill.phases.failed_dates import named_in
from nba_backfill.sources.credits import ODDS_REBUY_TAG
from nba_backfill.storage.kept import OPERATION_TAG, new_operation_id

#: On every run of a command-line backfill: its target range, which the completeness report shows.
TARGET_TAG = "nba_backfill/target"
#: Never in parallel: each API takes one call at a time, and the local instance's pools count runs.
SCRAPERS = "phase1"
#: Dates per range run at most. A run killed mid-step loses its chunk only: each finished step is in
#: the partition ledger, which the resume plans from. Chosen by measurement (`bench/season.py
#: --chunk-dates`, a season from empty on an idle machine; time, peak RSS, longest run = what a kill
#: loses at most): 31 dates 59.4 s, 506 MiB, 3.0 s; 62 44.3 s, 544 MiB, 3.8 s; 124 39.2 s, 602 MiB, 5.7 s;
#: the whole 204 36.2 s, 667 MiB, 9.3 s. 124 is within 10% of the one-run time at a kill's cost of seconds.
CHUNK_DATES = 124


def waits_for(asset: str, dates: Iterable[dt.date]) -> str:
    """Why a partition is blocked, as the report words it: the upstream asset and its first dates."""
    wanted = sorted(dates)
    return f"{asset} {', '.join(map(str, wanted[:3]))}{' …' if len(wanted) > 3 else ''}"


@dataclass
class Outcome:
    done: Partitions = field(default_factory=dict)
    failed: dict[tuple[str, dt.date], str] = field(default_factory=dict)  # (asset, date) -> why
    blocked: dict[tuple[str, dt.date], str] = field(default_factory=dict)  # (asset, date) -> what it waits for
    operation: str | None = None  # the id its kept copies are filed under (nba-backfill rollback --run-id)


def unfinished(matrix: pd.DataFrame, phases: Iterable[str]) -> dict[str, list[str]]:
    """Dates of a completeness matrix whose ``phases`` are not all complete (or whose schedule is
    not loaded), with each such phase's state: what keeps a run from having finished its range."""
    found: dict[str, list[str]] = {}
    for row in matrix.itertuples():
        states = [f"{p} {getattr(row, p)}" for p in phases if getattr(row, p) not in GOOD]
        if states or pd.isna(row.games):
            found[str(row.date)] = states or ["schedule not loaded"]
    return found


def stretches(dates: set[dt.date]) -> list[list[dt.date]]:
    """Consecutive runs of dates: ``{1, 2, 3, 7}`` -> ``[[1, 2, 3], [7]]``."""
    out: list[list[dt.date]] = []
    for day in sorted(dates):
        if out and day - out[-1][-1] == dt.timedelta(days=1):
            out[-1].append(day)
        else:
            out.append([day])
    return out


def chunks(stretch: list[dt.date]) -> list[list[dt.date]]:
    """A stretch cut into runs of at most ``CHUNK_DATES`` dates, in date order."""
    return [stretch[i : i + CHUNK_DATES] for i in range(0, len(stretch), CHUNK_DATES)]


#: How Dagster words the errors it wraps around the one that happened (user code, an IO manager).
WRAPPERS = (
    "Error occurred while executing",
    "Error occurred while handling output",
    "Error occurred while loading input",
)


def _first_error(result: RangeResult) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None and any(w in error.message for w in WRAPPERS):
                error = error.cause
            return f"{event.step_key}: {error.message.strip().splitlines()[0][:300]}"
    return "run failed"


def _named_failures(result: RangeResult, assets: list[str], stretch: list[dt.date]) -> dict[str, dict[dt.date, str]]:
    """Asset -> {date: why} for the failed steps of ``assets`` that named dates of ``stretch``
    (phases/failed_dates.py); a step naming none, or only dates outside the stretch, is left out."""
    named: dict[str, dict[dt.date, str]] = {}
    for event in result.all_events:
        asset = asset_of_step(event.step_key, assets) if event.is_step_failure else None
        dates = {d: f"{event.step_key}: {why}" for d, why in named_in(event).items() if d in stretch} if asset else {}
        if dates:
            named.setdefault(asset, {}).update(dates)
    return named


def asset_of_step(step_key: str, assets: list[str]) -> str | None:
    """The asset a step materializes or checks: its op is the asset's, or ``<asset op>_checks`` (the
    step of all its checks)."""
    owners = [a for a in assets if step_key.startswith(a.replace("/", "__"))]
    return max(owners, key=len) if owners else None


def phase_progress(
    plan: Plan, phase: str, done: Partitions, failed: Mapping[tuple[str, dt.date], Any]
) -> tuple[int, int, int]:
    """(dates whose every planned asset of the phase is done, dates planned, dates with a failure)."""
    assets = [a for a in plan.assets_of(phase) if plan.to_run.get(a)]
    dates = set().union(*(plan.to_run[a] for a in assets)) if assets else set()
    bad = {d for (a, d) in failed if a in assets}
    good = {d for d in dates if all(d in done.get(a, set()) for a in assets if d in plan.to_run[a])}
    return len(good - bad), len(dates), len(bad)


class Runner:
    def __init__(
        self,
        plan: Plan,
        graph: Graph,
        written: Partitions,
        resources: Mapping[str, Any],
        instance: dg.DagsterInstance | None,
        progress: Progress,
        parallel: bool = False,
    ):
        self.plan, self.graph, self.resources, self.instance = plan, graph, resources, instance
        self.parallel = parallel
        self.available = {a: set(d) - set(plan.to_run.get(a, ())) for a, d in written.items()}
        self.progress = progress
        self.outcome = Outcome(operation=new_operation_id())
        self.deferred: dict[str, set[dt.date]] = {}  # assets skipped because a parent in their run failed

    def run(self) -> Outcome:
        for phase in PHASES:
            pending = {a: set(self.plan.to_run.get(a, ())) for a in self.plan.assets_of(phase)}
            pending = {a: d for a, d in pending.items() if d}
            while pending:
                work = self._wave(pending)
                self._run_phase(phase, {a: d for a, d in work.items() if d})
                for asset, dates in self.deferred.items():  # skipped for a parent's failure: judged again
                    pending.setdefault(asset, set()).update(dates)
                self.deferred = {}
        return self.outcome

    def _wave(self, pending: dict[str, set[dt.date]]) -> dict[str, set[dt.date]]:
        """What runs next, taken from ``pending``: each asset whose parents within the phase have
        run, with its attemptable dates; and with them each asset whose pending parents are in this
        wave with the very same dates, read on the same day, so that one run computes both in order
        (a run costs about a second of Dagster's own work). Should the parent fail in that run, the
        child's skipped dates come back (``deferred``) and are judged again against what the
        parent achieved."""
        work: dict[str, set[dt.date]] = {}
        added = True
        while added:
            added = False
            for asset in list(pending):
                waiting = {p for p in self._parent_names(asset) if p != asset and (p in pending or p in work)}
                if any(p in pending for p in waiting):
                    continue
                dates = self._attemptable(asset, pending[asset], expected={p: work[p] for p in waiting})
                if any(work[p] != dates or not self._same_day(asset, p, dates) for p in waiting):
                    continue  # not in its parents' runs: the next wave, judged on what they achieved
                work[asset] = dates
                del pending[asset]
                added = True
        return work

    def _same_day(self, asset: str, parent: str, dates: set[dt.date]) -> bool:
        """Whether ``asset`` reads ``parent`` only on its own dates: a lookback window would also
        read dates of the parent that an earlier chunk of the shared runs failed."""
        return self.graph.upstream(asset_key(asset), asset_key(parent), dates) <= dates

    def _parent_names(self, asset: str) -> set[str]:
        return {p.to_user_string() for p in self.graph.assets[asset_key(asset)].dependency_keys}

    def _attemptable(
        self, asset: str, dates: set[dt.date], expected: Mapping[str, set[dt.date]] | None = None
    ) -> set[dt.date]:
        """Drop (and report as blocked) dates whose inputs failed or are missing; ``expected``:
        parents' dates computed in the same runs, before it."""
        key = asset_key(asset)
        for parent in self.graph.assets[key].dependency_keys:
            name = parent.to_user_string()
            have = self.available.get(name, set()) | (expected or {}).get(name, set())
            missing = self.graph.upstream(key, parent, dates) - have
            if not missing:
                continue
            for day in self.graph.downstream(parent, key, missing) & dates:
                self.outcome.blocked.setdefault(
                    (asset, day), waits_for(name, self.graph.upstream(key, parent, [day]) & missing)
                )
        return {d for d in dates if (asset, d) not in self.outcome.blocked}

    def _run_phase(self, phase: str, work: dict[str, set[dt.date]]) -> None:
        groups: dict[frozenset[dt.date], list[str]] = {}
        for asset, asset_dates in work.items():
            groups.setdefault(frozenset(asset_dates), []).append(asset)
        self._report(phase)
        for group_dates, assets in groups.items():
            for stretch in stretches(set(group_dates)):
                for chunk in chunks(stretch):
                    self._run_stretch(phase, assets, chunk)

    def _run_stretch(self, phase: str, assets: list[str], stretch: list[dt.date]) -> None:
        selection = dg.AssetSelection.assets(*[asset_key(a) for a in assets])
        result = materialize_range(
            stretch[0],
            stretch[-1],
            selection=selection,
            resources=self.resources,
            tags={
                TARGET_TAG: f"{self.plan.start}..{self.plan.end}",
                OPERATION_TAG: self.outcome.operation,
                **({ODDS_REBUY_TAG: "true"} if self.plan.rebuy_odds else {}),
            },
            instance=self.instance,
            raise_on_error=False,
            log_level="CRITICAL",
            parallel=self.parallel and phase != SCRAPERS,
        )
        failed_steps = {asset_of_step(e.step_key, assets) for e in result.all_events if e.is_step_failure}
        finished = self._materialized(result, assets, stretch) - failed_steps
        for asset in finished:
            self.available.setdefault(asset, set()).update(stretch)
            self.outcome.done.setdefault(asset, set()).update(stretch)
        skipped = {
            a for a in assets if a not in finished | failed_steps and self._parent_unfinished(a, assets, finished)
        }
        for asset in skipped:  # never attempted: its parent in the same run did not finish
            self.deferred.setdefault(asset, set()).update(stretch)
        rest = [a for a in assets if a not in finished | skipped]
        named = _named_failures(result, rest, stretch)
        excluding: dict[frozenset[dt.date], list[str]] = {}
        for asset, why_by_date in named.items():
            for day, why in why_by_date.items():
                self.outcome.failed[(asset, day)] = why
            excluding.setdefault(frozenset(why_by_date), []).append(asset)
        for dates, group in excluding.items():  # the rest of the range at once: nothing to search for
            for piece in stretches(set(stretch) - dates):
                self._run_stretch(phase, group, piece)
        searched = [a for a in rest if a not in named]
        if searched and len(stretch) == 1:
            why = _first_error(result)
            for asset in searched:
                self.outcome.failed[(asset, stretch[0])] = why
        elif searched:
            middle = len(stretch) // 2
            for half in (stretch[:middle], stretch[middle:]):
                self._run_stretch(phase, searched, half)
        self._report(phase)

    def _parent_unfinished(self, asset: str, assets: list[str], finished: set[str]) -> bool:
        return any(p in assets and p not in finished for p in self._parent_names(asset))

    @staticmethod
    def _materialized(result: RangeResult, assets: list[str], stretch: list[dt.date]) -> set[str]:
        wanted = {str(d) for d in stretch}
        seen: dict[str, set[str]] = {}
        for event in result.get_asset_materialization_events():
            seen.setdefault(event.asset_key.to_user_string(), set()).add(event.partition)
        return {a for a in assets if seen.get(a, set()) >= wanted}

    def _report(self, phase: str) -> None:
        self.progress.update(phase, *phase_progress(self.plan, phase, self.outcome.done, self.outcome.failed))
