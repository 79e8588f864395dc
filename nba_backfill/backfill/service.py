"""The backfill service: the platform as the commands, the sensor and the report see it.

Plan, state, run and report over the asset graph, the resources and the Dagster instance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
from functools import cached_property


class UsageError(Exception):
    """A bad argument: reported in one line with exit code 2."""


class Session:
    """The platform as the commands see it: resources, graph, checks, warehouse state, instance."""

    def __init__(self, instance):
        from nba_backfill.backfill.plan import Graph
        from nba_backfill.checks.data import CheckData
        from nba_backfill.graph import all_assets, checks
        from nba_backfill.resources import resources

        self.instance, self.resources = instance, resources()
        self.assets, self.checks, self.graph = all_assets, checks, Graph(all_assets)
        self.data = CheckData(self.resources["warehouse"], self.resources["raw_store"])

    @cached_property
    def written(self) -> dict[str, set[dt.date]]:
        """Asset -> dates written, from the ledger as it stood when first asked (before a run)."""
        ledger = self.data.ledger
        out: dict[str, set[dt.date]] = {}
        for table, day in zip(ledger["table_name"], ledger["game_date"].dt.date):
            out.setdefault(table.replace(".", "/"), set()).add(day)
        return out

    def failed(self, dates: list[dt.date]) -> dict[str, set[dt.date]]:
        from nba_backfill.checks.matrix import failed_partitions

        tables = [a.replace("/", ".") for a in self.graph.phase_of]
        out: dict[str, set[dt.date]] = {}
        for table, day in failed_partitions(self.instance, tables, self.checks, dates):
            out.setdefault(table.replace(".", "/"), set()).add(day)
        return out

    def plan(self, args: argparse.Namespace):
        from nba_backfill.backfill.plan import make_plan, parse_phases
        from nba_backfill.calendar import date_range, window_start
        from nba_backfill.checks.matrix import games_by_date

        try:
            phases = parse_phases(args.phases)
        except ValueError as err:
            raise UsageError(str(err)) from None
        span = date_range(window_start(args.start_date) - dt.timedelta(days=31), args.end_date)
        return make_plan(args.start_date, args.end_date, phases, args.force, self.graph,
                         self.written, self.failed(span), games_by_date(self.data, span))

    def matrix(self, start: dt.date, end: dt.date):
        from nba_backfill.checks.matrix import completeness_matrix

        return completeness_matrix(start, end, self.data, self.assets, self.checks, self.instance)


def summarize(matrix) -> dict:
    from nba_backfill.checks.matrix import GOOD, PHASES

    complete = matrix[list(PHASES)].isin(GOOD).all(axis=1)
    game_dates = matrix["games"].fillna(0) > 0
    unknown = matrix["games"].isna()
    needs_work = matrix[~complete]
    return {
        "dates": len(matrix), "game_dates": int(game_dates.sum()),
        "complete_game_dates": int((game_dates & complete).sum()),
        "dates_without_schedule": int(unknown.sum()),
        "by_phase": {p: matrix.loc[game_dates, p].value_counts().to_dict() for p in PHASES},  # over game dates
        "dates_needing_work": [str(d) for d in needs_work["date"]],
    }


def _resume_command(args: argparse.Namespace) -> str:
    words = ["nba-backfill", "run", "--start-date", str(args.start_date), "--end-date", str(args.end_date)]
    if args.phases != "1-5":
        words += ["--phases", args.phases]
    if args.parallel:
        words.append("--parallel")
    return shlex.join(words)


def _check_budget(session: Session, plan, allow: bool) -> None:
    """Refuse a backfill whose Odds API credits exceed what the account has left (live source)."""
    import dagster as dg

    from nba_backfill.sources.live import OverBudget, check_budget

    league = session.resources["league"]
    if not hasattr(league, "remaining_credits"):  # the simulated league has no quota
        return
    with dg.build_resources({"league": league}) as built:  # resolves the EnvVar-held API key
        remaining = built.league.remaining_credits()
    try:
        check_budget(plan.odds_api_credits(), remaining, allow)
    except OverBudget as err:
        raise UsageError(str(err)) from None


def final_report(session: Session, args: argparse.Namespace, outcome, resume_flags: str = "", **extra) -> int:
    """What a run achieved, over scheduled game dates: failed and blocked dates with why, and the
    exact command that resumes. Exit 1 when anything is left to do."""
    session.data = type(session.data)(session.data.warehouse, session.data.raw_store)  # re-read after writing
    summary = summarize(session.matrix(args.start_date, args.end_date))
    failed_dates = sorted({d for (_, d) in outcome.failed})
    blocked_dates = sorted({d for (_, d) in outcome.blocked} - set(failed_dates))
    resume = " ".join(filter(None, [_resume_command(args), resume_flags]))
    report = {
        "complete_game_dates": summary["complete_game_dates"], "game_dates": summary["game_dates"],
        "ran": {a: len(d) for a, d in outcome.done.items()},
        "failed": {str(d): sorted({f"{a}: {why}" for (a, day), why in outcome.failed.items() if day == d})[:3] for d in failed_dates},
        "blocked": {str(d): sorted({f"{a} waits for {why}" for (a, day), why in outcome.blocked.items() if day == d})[:3] for d in blocked_dates},
        "resume": resume if failed_dates or blocked_dates else None,
        "results": {"warehouse": session.data.warehouse.where(), "raw_files": session.data.raw_store.where(),
                    "dagster_instance": str(session.instance.root_directory)},
        **extra,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['complete_game_dates']} of {report['game_dates']} game dates complete "
              f"({sum(report['ran'].values())} partitions materialized)")
        for title in ("failed", "blocked"):
            for day, reasons in report[title].items():
                print(f"{title}: {day}: {'; '.join(reasons)}")
        if report["resume"]:
            print(f"resume with: {report['resume']}")
        print(f"tables: {report['results']['warehouse']}\nraw files: {report['results']['raw_files']}\n"
              f"runs and checks: DAGSTER_HOME={report['results']['dagster_instance']} dagster dev -w workspace.yaml")
    return 1 if failed_dates or blocked_dates else 0
