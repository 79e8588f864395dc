"""The backfill service: plan, state, run and report, typed, for every caller alike.

The command line (``backfill/cli.py``), ``--submit`` (``backfill/submit.py``), the gap sensor
(``automation.py``) and the completeness report (``reports.py``) see the platform through a
``Session``: the environment's resources, the asset graph and its checks, the warehouse's partition
ledger and the Dagster instance. Nothing here parses a command line or prints.
"""

from __future__ import annotations

import datetime as dt
import shlex
import warnings
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill.backfill import accept as accepting
from nba_backfill.backfill import preflight, revalidate, rollback
from nba_backfill.backfill.plan import Graph, Partitions, Plan, make_plan, parse_phases, span
from nba_backfill.backfill.progress import Progress
from nba_backfill.backfill.run import Outcome, Runner, unfinished
from nba_backfill.calendar import PHASES, date_range
from nba_backfill.checks.catalogue import evaluate
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.matrix import GOOD, State, completeness_matrix, games_by_date, partition_states
from nba_backfill.environment import resources as default_resources
from nba_backfill.errors import UsageError
from nba_backfill.graph import all_assets, checks
from nba_backfill.naming import asset_name, table_name
from nba_backfill.phases.odds_scrape import odds_to_buy
from nba_backfill.sources.credits import OverBudget, check_budget

Report = dict[str, Any]


class Session:
    """The platform as the commands see it: resources, graph, checks, warehouse state, instance."""

    def __init__(self, instance: dg.DagsterInstance, resources: Mapping[str, Any] | None = None):
        """``resources`` default to the environment's (``NBA_BACKFILL_*``), as the command line uses."""
        self.instance = instance
        self.resources = dict(resources) if resources is not None else default_resources()
        self.assets, self.checks, self.graph = all_assets, checks, Graph(all_assets)
        self.data = CheckData(self.resources["warehouse"], self.resources["raw_store"])

    @cached_property
    def written(self) -> Partitions:
        """Asset -> dates written, from the ledger as it stood when first asked (before a run)."""
        ledger = self.data.ledger
        out: Partitions = {}
        for table, day in zip(ledger["table_name"], ledger["game_date"].dt.date):
            out.setdefault(asset_name(table), set()).add(day)
        return out

    def states(self, dates: list[dt.date]) -> dict[tuple[str, dt.date], State]:
        """(table, date) -> (state, reasons): the completeness model over ``dates``."""
        return partition_states(dates, self.data, self.assets, self.checks, self.instance)

    def plan(
        self,
        start: dt.date,
        end: dt.date,
        phases: str = "1-5",
        force: bool = False,
        select: str | None = None,
        rebuy_odds: bool | None = None,
        for_run: bool = False,
    ) -> Plan:
        """What a backfill of ``start``..``end`` needs (``phases`` as ``"4-5"`` or ``"2,3"``, or the
        assets of ``select``, Dagster's asset selection syntax), and what its odds scrapes will buy
        (buying again what the raw store holds when ``rebuy_odds``, by default when ``force``).
        ``for_run``: the plan a run executes, partitions changed outside the tool re-validated
        first (see :meth:`revalidate`); without it, planning only reads."""
        if for_run:
            self.revalidate()
        try:
            chosen = parse_phases(phases)
        except ValueError as err:
            raise UsageError(str(err)) from None
        selection = self.selection(select) if select is not None else None
        dates = span(self.graph, start, end, chosen, force, selection)
        plan = make_plan(start, end, chosen, force, self.graph, self.written, self.states(dates), selection)
        plan.rebuy_odds = force if rebuy_odds is None else rebuy_odds
        plan.odds = odds_to_buy(plan.to_run, games_by_date(self.data, dates), self.data.raw_store.list, plan.rebuy_odds)
        return plan

    def selection(self, text: str) -> frozenset[str]:
        """The assets ``text`` selects (as ``dagster asset materialize --select``); a UsageError
        names a selection that does not parse or selects nothing."""
        try:
            with warnings.catch_warnings():  # the selection grammar is marked beta
                warnings.simplefilter("ignore", dg.BetaWarning)
                keys = dg.AssetSelection.from_string(text).resolve(self.assets)
        except dg.DagsterError as err:
            raise UsageError(f"--select {text!r}: {str(err).splitlines()[0]}") from None
        if not keys:
            raise UsageError(f"--select {text!r} selects no asset (asset keys look like scraped/odds_api_events)")
        return frozenset(k.to_user_string() for k in keys)

    def matrix(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        return completeness_matrix(start, end, self.data, self.assets, self.checks, self.instance)

    def validate(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Every check's evaluation over ``start``..``end``, from the warehouse (nothing
        materialized), recorded per partition in the instance (the UI's check dashboards, and the
        completeness model's ``failed``)."""
        results = evaluate(self.checks, date_range(start, end), self.data)
        revalidate.record(self.instance, results, f"nba-backfill validate {start} .. {end}")
        return results

    def revalidate(self) -> dict[str, list[dt.date]]:
        """Judge the partitions changed outside the tool by their checks; adopt those that pass
        (their readers turn stale), see ``backfill/revalidate.py``. Before planning a run."""
        tables = [table_name(a) for a, p in self.graph.phase_of.items() if p != PHASES[0]]  # phase 1: files
        adopted = revalidate.revalidate(self.instance, self.data, self.checks, tables)
        if adopted:  # the ledger moved: read it again
            self.data = CheckData(self.data.warehouse, self.data.raw_store)
        return adopted

    def check_budget(self, plan: Plan, allow: bool) -> int | None:
        """What the Odds API account has left (x-requests-remaining; None for the simulated league,
        which has no balance); refuse a backfill whose credits exceed it unless ``allow``."""
        league = self.resources["league"]
        if not hasattr(league, "remaining_credits"):
            return None
        remaining = preflight.remaining_credits(league)
        try:
            check_budget(plan.odds_api_credits(), remaining, allow)
        except OverBudget as err:
            raise UsageError(str(err)) from None
        return remaining

    def check_parallel(self, parallel: bool) -> None:
        if parallel and not self.resources["warehouse"].concurrent_writers():
            raise UsageError(
                "--parallel needs a warehouse that admits concurrent writers (NBA_BACKFILL_TARGET=gcp); "
                "DuckDB admits one writing process"
            )

    def run(self, plan: Plan, progress: Progress, parallel: bool = False) -> Outcome:
        """Materialize what ``plan`` says, phase by phase, in this process."""
        return Runner(plan, self.graph, self.written, self.resources, self.instance, progress, parallel=parallel).run()

    def report(
        self, start: dt.date, end: dt.date, outcome: Outcome, resume: str, phases: str = "1-5", **extra: Any
    ) -> Report:
        """What a run achieved, over scheduled game dates: failed and blocked dates with why, the
        dates left incomplete in the target ``phases`` (whoever did the work: another run may have
        been writing the same dates), ``resume`` (the command that resumes) when anything is left to
        do, and the rollback that undoes the run."""
        self.data = CheckData(self.data.warehouse, self.data.raw_store)  # re-read after writing
        matrix = self.matrix(start, end)
        failed_dates = sorted({d for (_, d) in outcome.failed})
        blocked_dates = sorted({d for (_, d) in outcome.blocked} - set(failed_dates))
        reported = {str(d) for d in failed_dates + blocked_dates}
        left = unfinished(matrix, parse_phases(phases))
        incomplete = {d: s for d, s in left.items() if d not in reported}
        game_dates = [str(d) for d in matrix.loc[matrix["games"].fillna(0) > 0, "date"]]
        undo = outcome.operation and (outcome.done or outcome.failed)
        return {
            "complete_game_dates": len(set(game_dates) - set(left)),
            "game_dates": len(game_dates),
            "phases": phases,
            "ran": {a: len(d) for a, d in outcome.done.items()},
            "failed": {
                str(d): sorted({f"{a}: {why}" for (a, day), why in outcome.failed.items() if day == d})[:3]
                for d in failed_dates
            },
            "blocked": {
                str(d): sorted({f"{a} waits for {why}" for (a, day), why in outcome.blocked.items() if day == d})[:3]
                for d in blocked_dates
            },
            "incomplete": incomplete,
            "resume": resume if failed_dates or blocked_dates or incomplete else None,
            "undo": f"nba-backfill rollback --run-id {outcome.operation}" if undo else None,
            "results": {
                "warehouse": self.data.warehouse.where(),
                "raw_files": self.data.raw_store.where(),
                "dagster_instance": str(self.instance.root_directory),
            },
            **extra,
        }

    def accept(
        self, feed: str, day: dt.date, game: str | None, reason: str, by: str | None = None, revoke: bool = False
    ) -> tuple[list[dict], int]:
        """Accept (or with ``revoke`` undo the acceptance of) the gap ``feed`` has for ``game`` (None:
        the whole date) on ``day`` (see ``backfill/accept.py``): the rows recorded or removed, and
        how many checks judged the date again."""
        gap = accepting.target(self.data, feed, day, game)
        rows = accepting.revoke(self.data, gap) if revoke else accepting.accept(self.data, gap, reason, by)
        self.data = CheckData(self.data.warehouse, self.data.raw_store)  # re-read after writing
        return accepting.records(rows, gap), accepting.rejudge(
            self.data, self.instance, self.checks, self.resources, gap
        )

    def rollback(self, run_id: str) -> tuple[pd.DataFrame, int]:
        """Put back what run ``run_id`` replaced (see ``backfill/rollback.py``): the partitions
        restored, and how many of the check runs that re-judge them failed to execute."""
        restored = rollback.rollback(self.data.warehouse, run_id)
        return restored, rollback.record(self.instance, restored, run_id, self.checks, self.resources)

    def prune_kept(self, days: int | None) -> tuple[list[str], list[dict]]:
        """Drop the kept copies older than ``days`` (none when ``None``): the runs pruned, and the
        runs whose copies remain."""
        pruned = rollback.prunable(self.data.warehouse, days) if days is not None else []
        self.data.warehouse.prune_kept(pruned)
        return pruned, rollback.operations(self.data.warehouse)


def summarize(matrix: pd.DataFrame) -> dict:
    complete = matrix[list(PHASES)].isin(GOOD).all(axis=1)
    game_dates = matrix["games"].fillna(0) > 0
    unknown = matrix["games"].isna()
    needs_work = matrix[~complete]
    return {
        "dates": len(matrix),
        "game_dates": int(game_dates.sum()),
        "complete_game_dates": int((game_dates & complete).sum()),
        "dates_without_schedule": int(unknown.sum()),
        "by_phase": {p: matrix.loc[game_dates, p].value_counts().to_dict() for p in PHASES},  # over game dates
        "dates_needing_work": [str(d) for d in needs_work["date"]],
    }


def resume_command(
    start: dt.date, end: dt.date, phases: str, parallel: bool, flags: str = "", command: str = "run"
) -> str:
    """The ``nba-backfill run`` (or ``lines``) that resumes a backfill (re-running resumes: plan
    skips what is done)."""
    words = ["nba-backfill", command, "--start-date", str(start), "--end-date", str(end)]
    if phases != "1-5":
        words += ["--phases", phases]
    if parallel:
        words.append("--parallel")
    return " ".join(filter(None, [shlex.join(words), flags]))
