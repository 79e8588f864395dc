"""nba-backfill: the backfill runbook as one command line.

  plan      what a backfill of the range needs: ranges per phase, partitions to run, Odds API credits
  status    the completeness matrix: one row per date, one state per phase
  run       materialize what plan says, phase by phase; re-running resumes
  validate  run the asset checks over the range without materializing
  rollback  put back the partitions a run replaced (its kept copies)
  ui        dagster dev on the same instance (DAGSTER_HOME prepared, workspace.yaml loaded)

Ordering and lookbacks come from the asset graph; nothing is computed by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from nba_backfill import settings
from nba_backfill.backfill.lock import LockHeld, operator_lock, setup_lock
from nba_backfill.calendar import FIRST_GAME_DATE
from nba_backfill.errors import ConfigurationError, WarehouseError

EXAMPLES = {
    "plan": "nba-backfill plan --start-date 2024-11-08 --end-date 2024-11-14 --phases 4-5",
    "status": "nba-backfill status --start-date 2024-10-22 --end-date 2024-11-14",
    "run": "nba-backfill run --start-date 2024-10-22 --end-date 2024-11-14",
    "validate": "nba-backfill validate --start-date 2024-11-01 --end-date 2024-11-14 --strict",
    "rollback": "nba-backfill rollback --run-id run-20241115T093000-1a2b3c",
}
#: The commands that write (or, validate, read what a writer would be halfway through): one at a time per home.
WRITERS = ("run", "validate", "rollback")


def instance_yaml(home: Path) -> str:
    """The dagster.yaml of the local instance at ``home``, shared by nba-backfill and `dagster dev`."""
    return f"""\
# The local Dagster instance shared by nba-backfill and `dagster dev` (SQLite storage).
telemetry:
  enabled: false
# Dagster's SQLite event log in its usual place, with connections kept open: reconnecting for each
# of a season's tens of thousands of events cost more than the season's computation.
event_log_storage:
  module: nba_backfill.storage.event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {json.dumps(str(home / "history" / "runs"))}  # where Dagster keeps it by default
concurrency:
  runs:
    # DuckDB admits one writing process per file, and a run is one process (in-process executor):
    # one run at a time, so two runs never write the warehouse together (no lock errors).
    max_concurrent_runs: 1
  pools:
    # The scrapers' pools (nba_stats_api, odds_api): one at a time per API. Counted per run, not
    # per op: `nba-backfill run` executes in process, and an op slot held by a killed process
    # would stall every later run (here no daemon frees it).
    granularity: run
    default_limit: 1
"""


class UsageError(Exception):
    """A bad argument: reported in one line with exit code 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nba-backfill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{plan,status,run,validate,rollback,ui}")
    helps = {"plan": "what a backfill of the range needs", "status": "completeness per date and phase",
             "run": "materialize the range (resumes where it stopped)", "validate": "run the asset checks only"}
    for name, text in helps.items():
        sub = commands.add_parser(name, help=text, description=text, epilog=f"example: {EXAMPLES[name]}")
        sub.add_argument("--start-date", type=_date, required=True, help="first game date, YYYY-MM-DD")
        sub.add_argument("--end-date", type=_date, required=True, help="last game date, YYYY-MM-DD")
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
        if name in ("plan", "run"):
            sub.add_argument("--phases", default="1-5", help="target phases, e.g. 4-5 or 2,3 (default 1-5)")
            mode = sub.add_mutually_exclusive_group()
            mode.add_argument("--only-missing", action="store_true", default=True,
                              help="run missing and failed partitions only (default)")
            mode.add_argument("--force", action="store_true", help="recompute the target range even if complete")
        if name == "run":
            sub.add_argument("--allow-over-budget", action="store_true",
                             help="start even if the estimated Odds API credits exceed what remains")
            sub.add_argument("--parallel", action="store_true",
                             help="compute the independent assets of phases 2-5 at once, a process per step "
                             "(a warehouse that admits concurrent writers only: BigQuery, not DuckDB; "
                             "a submitted backfill on BigQuery always runs so)")
            sub.add_argument("--submit", action="store_true",
                             help="launch it as one Dagster backfill, run by the daemon and shown in the UI")
            sub.add_argument("--url", help="submit through this Dagster webserver, e.g. http://127.0.0.1:3000 "
                             "(implies --submit; default: in this process, against DAGSTER_HOME)")
        if name == "validate":
            sub.add_argument("--strict", action="store_true", help="exit 1 if any check fails at ERROR")
    rollback = commands.add_parser("rollback", help="put back what a run replaced", epilog=f"example: {EXAMPLES['rollback']}",
                                   description="put back, byte for byte, the partitions a run (or a Dagster backfill) "
                                   "replaced; its id is in run's report")
    what = rollback.add_mutually_exclusive_group(required=True)
    what.add_argument("--run-id", help="the run whose replacements to undo (newest first)")
    what.add_argument("--list", action="store_true", help="the runs whose kept copies can be put back")
    what.add_argument("--prune", type=int, metavar="DAYS", help="drop kept copies older than DAYS days")
    rollback.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    for name in WRITERS:
        commands.choices[name].add_argument("--no-wait", action="store_true",
                                            help="exit 2 at once, naming it, if another command holds this home")
    commands.add_parser("ui", help="dagster dev -w workspace.yaml on this instance (arguments after it go to dagster dev)")
    return parser


def _validate_dates(args: argparse.Namespace) -> None:
    first = dt.date.fromisoformat(FIRST_GAME_DATE)
    today = dt.date.today()
    if args.end_date < args.start_date:
        raise UsageError(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    if args.start_date < first or args.end_date > today:
        raise UsageError(f"dates must lie within the partitions, {first} .. {today}")


def _prepare_instance() -> None:
    """Point DAGSTER_HOME (in this process's environment) at the instance, writing its dagster.yaml
    on first use."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(instance_yaml(home))
    os.environ["DAGSTER_HOME"] = str(home)


def _instance():
    import dagster as dg

    with setup_lock(settings.home()):  # two commands on an empty home: one creates the instance
        _prepare_instance()
        return dg.DagsterInstance.get()


def _operator(args: argparse.Namespace, argv: Sequence[str]):
    """The home's lock for commands that write: waited for (saying so), or refused with --no-wait."""
    if args.command not in WRITERS:
        return contextlib.nullcontext()

    def waiting(who: str) -> None:
        print(f"nba-backfill {args.command}: waiting for {who} to finish", file=sys.stderr, flush=True)

    return operator_lock(settings.home(), shlex.join(["nba-backfill", *argv]), not args.no_wait, waiting)


def ui(argv: Sequence[str]) -> int:
    """Replace this process with ``dagster dev -w workspace.yaml`` on the nba-backfill instance
    (extra arguments, e.g. ``-p 3001``, are passed on)."""
    if not Path("workspace.yaml").exists():
        print("nba-backfill ui: error: run it from the repository (no workspace.yaml here)", file=sys.stderr)
        return 2
    _prepare_instance()
    dagster = str(Path(sys.executable).parent / "dagster")
    os.execv(dagster, [dagster, "dev", "-w", "workspace.yaml", *argv])
    return 0  # not reached: execv does not return


class Session:
    """The platform as the commands see it: resources, graph, checks, warehouse state, instance."""

    def __init__(self, instance):
        from nba_backfill.backfill.plan import Graph
        from nba_backfill.checks.data import CheckData
        from nba_backfill.definitions import all_assets, checks
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


# --- commands -----------------------------------------------------------------------------------

def cmd_plan(session: Session, args: argparse.Namespace) -> int:
    plan = session.plan(args)
    if args.json:
        print(json.dumps(plan.to_json()))
        return 0
    print(f"backfill {plan.start} .. {plan.end}, target phases {', '.join(plan.phases)}{' (forced)' if plan.force else ''}")
    for phase, span in plan.ranges().items():
        print(f"  {phase}: {span['start']} .. {span['end']}")
    print(f"{'asset':48} {'needed':>7} {'complete':>9} {'to run':>7}")
    for asset, counts in plan.counts().items():
        print(f"{asset:48} {counts['needed']:7} {counts['complete']:9} {counts['to_run']:7}")
    print(f"estimated Odds API credits: {plan.odds_api_credits()}")
    return 0


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


def cmd_status(session: Session, args: argparse.Namespace) -> int:
    import pandas as pd

    from nba_backfill.checks.matrix import PHASES

    matrix = session.matrix(args.start_date, args.end_date)
    summary = summarize(matrix)
    if args.json:
        dates = [{"date": str(r.date), "games": None if pd.isna(r.games) else int(r.games),
                  **{p: getattr(r, p) for p in PHASES}, "reasons": r.reasons} for r in matrix.itertuples()]
        print(json.dumps({"dates": dates, "summary": summary}, default=str))
    else:
        print(f"{'date':10}  {'games':>5}  " + "  ".join(f"{p:9}" for p in PHASES))
        for r in matrix.itertuples():
            games = "?" if pd.isna(r.games) else str(int(r.games))
            print(f"{r.date}  {games:>5}  " + "  ".join(f"{getattr(r, p):9}" for p in PHASES))
        print(f"\n{summary['complete_game_dates']} of {summary['game_dates']} game dates complete"
              + (f"; {summary['dates_without_schedule']} date(s) without a loaded schedule" if summary["dates_without_schedule"] else ""))
        for phase, states in summary["by_phase"].items():
            print(f"  {phase}: " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())))
        if summary["dates_needing_work"]:
            print("needs work: " + ", ".join(summary["dates_needing_work"]))
    everything = summary["complete_game_dates"] == summary["game_dates"] and not summary["dates_without_schedule"]
    return 0 if everything and not summary["dates_needing_work"] else 1


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


def cmd_run(session: Session, args: argparse.Namespace) -> int:
    from nba_backfill.backfill.progress import Progress
    from nba_backfill.backfill.run import Runner

    if args.submit or args.url:
        from nba_backfill.backfill.submit import cmd_submit

        return cmd_submit(session, args)
    if args.parallel and not session.resources["warehouse"].concurrent_writers():
        raise UsageError("--parallel needs a warehouse that admits concurrent writers (NBA_BACKFILL_TARGET=gcp); "
                         "DuckDB admits one writing process")
    plan = session.plan(args)
    _check_budget(session, plan, args.allow_over_budget)
    runner = Runner(plan, session.graph, session.written, session.resources, session.instance,
                    Progress(enabled=not args.json), parallel=args.parallel)
    return final_report(session, args, runner.run())


def final_report(session: Session, args: argparse.Namespace, outcome, resume_flags: str = "", **extra) -> int:
    """What a run achieved, over scheduled game dates: failed and blocked dates with why, and the
    exact command that resumes. Exit 1 unless every date of the range ends complete in the target
    phases (whoever did the work: another run may have been writing the same dates)."""
    from nba_backfill.backfill.plan import parse_phases
    from nba_backfill.backfill.run import unfinished

    session.data = type(session.data)(session.data.warehouse, session.data.raw_store)  # re-read after writing
    matrix = session.matrix(args.start_date, args.end_date)
    failed_dates = sorted({d for (_, d) in outcome.failed})
    blocked_dates = sorted({d for (_, d) in outcome.blocked} - set(failed_dates))
    reported = {str(d) for d in failed_dates + blocked_dates}
    left = unfinished(matrix, parse_phases(args.phases))  # over the target phases: what the run was asked for
    incomplete = {d: s for d, s in left.items() if d not in reported}
    game_dates = [str(d) for d in matrix.loc[matrix["games"].fillna(0) > 0, "date"]]
    resume = " ".join(filter(None, [_resume_command(args), resume_flags]))
    report = {
        "complete_game_dates": len(set(game_dates) - set(left)), "game_dates": len(game_dates),
        "phases": args.phases,
        "ran": {a: len(d) for a, d in outcome.done.items()},
        "failed": {str(d): sorted({f"{a}: {why}" for (a, day), why in outcome.failed.items() if day == d})[:3] for d in failed_dates},
        "blocked": {str(d): sorted({f"{a} waits for {why}" for (a, day), why in outcome.blocked.items() if day == d})[:3] for d in blocked_dates},
        "incomplete": incomplete,
        "resume": resume if failed_dates or blocked_dates or incomplete else None,
        "undo": f"nba-backfill rollback --run-id {outcome.operation}" if outcome.operation and (outcome.done or outcome.failed) else None,
        "results": {"warehouse": session.data.warehouse.where(), "raw_files": session.data.raw_store.where(),
                    "dagster_instance": str(session.instance.root_directory)},
        **extra,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['complete_game_dates']} of {report['game_dates']} game dates complete"
              f"{'' if args.phases == '1-5' else f' in phases {args.phases}'} ({sum(report['ran'].values())} partitions materialized)")
        for title in ("failed", "blocked", "incomplete"):
            for day, reasons in report[title].items():
                print(f"{title}: {day}: {'; '.join(reasons)}")
        if report["resume"]:
            print(f"resume with: {report['resume']}")
        if report["undo"]:
            print(f"undo with: {report['undo']}")
        print(f"tables: {report['results']['warehouse']}\nraw files: {report['results']['raw_files']}\n"
              f"runs and checks: DAGSTER_HOME={report['results']['dagster_instance']} dagster dev -w workspace.yaml")
    return 1 if failed_dates or blocked_dates or incomplete else 0


def cmd_validate(session: Session, args: argparse.Namespace) -> int:
    from nba_backfill.calendar import date_range
    from nba_backfill.checks.catalogue import evaluate

    results = evaluate(session.checks, date_range(args.start_date, args.end_date), session.data)
    failures = results[~results["passed"]]
    errors = failures[failures["severity"] == "ERROR"]
    if args.json:
        rows = failures.assign(game_date=failures["game_date"].astype(str)).drop(columns=["metadata"]).to_dict("records")
        print(json.dumps({"evaluations": len(results), "failures": rows, "errors": len(errors)}))
    else:
        print(f"{len(results)} check evaluations, {len(failures)} failed ({len(errors)} at ERROR)")
        for r in failures.sort_values(["game_date", "asset", "check"]).itertuples():
            print(f"{r.severity:5}  {r.game_date}  {r.asset}:{r.check}  {r.description}")
    return 1 if args.strict and len(errors) else 0


def cmd_rollback(session: Session, args: argparse.Namespace) -> int:
    from nba_backfill.backfill import rollback as undo

    if args.list or args.prune is not None:
        pruned = undo.prunable(session.data.warehouse, args.prune) if args.prune is not None else []
        session.data.warehouse.prune_kept(pruned)
        listed = undo.operations(session.data.warehouse)
        if args.json:
            print(json.dumps({"pruned": pruned, "kept": listed}))
            return 0
        if args.prune is not None:
            print(f"pruned the kept copies of {len(pruned)} run(s) older than {args.prune} days")
        for op in listed:
            print(f"{op['run_id']}  kept {op['kept_at']}  {op['partitions']} partitions of {op['tables']} tables, {op['dates']}")
        return 0
    restored = undo.rollback(session.data.warehouse, args.run_id)
    unchecked = undo.record(session.instance, restored, args.run_id, session.checks, session.resources)
    back = restored[restored["row_count"].notna()]
    report = {"run_id": args.run_id, "restored": len(back), "removed": len(restored) - len(back),
              "tables": int(restored["table_name"].nunique()), "check_runs_failed": unchecked,
              "dates": f"{restored['game_date'].min().date()}..{restored['game_date'].max().date()}"}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"rolled back {args.run_id}: {report['restored']} partitions of {report['tables']} tables restored, "
              f"{report['removed']} that it first wrote removed ({report['dates']}); their checks ran again"
              + (f" ({unchecked} check run(s) failed to execute: see the Dagster instance)" if unchecked else ""))
    return 1 if unchecked else 0


COMMANDS = {"plan": cmd_plan, "status": cmd_status, "run": cmd_run, "validate": cmd_validate, "rollback": cmd_rollback}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ui"]:  # everything after it is dagster dev's
        return ui(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    from nba_backfill.backfill.rollback import RollbackError

    try:
        if args.command != "rollback":
            _validate_dates(args)
        with _operator(args, argv), _instance() as instance:
            return COMMANDS[args.command](Session(instance), args)
    except (UsageError, ConfigurationError, WarehouseError, LockHeld, RollbackError) as err:  # expected: one line
        print(f"nba-backfill {args.command}: error: {err}", file=sys.stderr)
        return 1 if isinstance(err, WarehouseError) else 2  # the warehouse in use or failing; a bad argument


if __name__ == "__main__":
    sys.exit(main())
