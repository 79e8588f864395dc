"""nba-backfill: the backfill runbook as one command line.

  plan      what a backfill of the range needs: ranges per phase, partitions to run, Odds API credits
  status    the completeness matrix: one row per date, one state per phase
  run       materialize what plan says, phase by phase; re-running resumes
  lines     runbook scenario 5: the betting lines of past dates (odds scrapers and what reads them)
  validate  run the asset checks over the range without materializing
  report    the runbook's per-date quality table and each table's rows and last write
  rollback  put back the partitions a run replaced (its kept copies)
  accept    record that a game's feed or a date's odds will never come (--revoke undoes it)
  ui        dg dev on the same instance (DAGSTER_HOME prepared, workspace.yaml loaded)

Ordering and lookbacks come from the asset graph; nothing is computed by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import pandas as pd
import requests
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nba_backfill import settings
from nba_backfill.alerts import report_message, send
from nba_backfill.backfill import figures, preflight
from nba_backfill.backfill.accept import ACCEPTABLE, PER_GAME
from nba_backfill.backfill.lines import credits_spent, lines_plan
from nba_backfill.backfill.lock import LockHeld, operator_lock, setup_lock
from nba_backfill.backfill.plan import Plan
from nba_backfill.backfill.preflight import BadDates
from nba_backfill.backfill.progress import Progress
from nba_backfill.backfill.refresh import refresh_completeness
from nba_backfill.backfill.rollback import RollbackError
from nba_backfill.backfill.run import Outcome
from nba_backfill.backfill.service import Session, resume_command, summarize
from nba_backfill.backfill.submit import SubmitError, submit
from nba_backfill.calendar import PHASES
from nba_backfill.errors import ConfigurationError, UsageError, WarehouseError
from nba_backfill.sources.credits import POLICIES, POLICY_ENV, policy

EXAMPLES = {
    "plan": "nba-backfill plan --start-date 2024-11-08 --end-date 2024-11-14 --phases 4-5",
    "status": "nba-backfill status --start-date 2024-10-22 --end-date 2024-11-14",
    "run": "nba-backfill run --start-date 2024-10-22 --end-date 2024-11-14",
    "lines": "nba-backfill lines --start-date 2024-11-05 --end-date 2024-11-05",
    "validate": "nba-backfill validate --start-date 2024-11-01 --end-date 2024-11-14 --strict",
    "report": "nba-backfill report --start-date 2024-11-14 --end-date 2024-11-14",
    "rollback": "nba-backfill rollback --run-id run-20241115T093000-1a2b3c",
    "accept": "nba-backfill accept --date 2024-11-05 --feed nbac_boxscores --game 0022400123 "
    '--reason "NBA.com never published it"',
}
#: The commands that write (or, validate, read what a writer would be halfway through): one at a time per home.
WRITERS = ("run", "lines", "validate", "rollback", "accept")


def instance_yaml(home: Path) -> str:
    """The dagster.yaml of the local instance at ``home``, shared by nba-backfill and `dg dev`."""
    return f"""\
# The local Dagster instance shared by nba-backfill and `dg dev` (SQLite storage).
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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nba-backfill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{plan,status,run,lines,validate,report,rollback,accept,ui}"
    )
    helps = {
        "plan": "what a backfill of the range needs",
        "status": "completeness per date and phase",
        "run": "materialize the range (resumes where it stopped)",
        "lines": "the betting lines of past dates: odds scrapers, the tables that read them, nothing of NBA.com",
        "validate": "run the asset checks only",
        "report": "per date: the quality table, each table's rows and last write",
    }
    for name, text in helps.items():
        sub = commands.add_parser(name, help=text, description=text, epilog=f"example: {EXAMPLES[name]}")
        sub.add_argument("--start-date", type=_date, required=True, help="first game date, YYYY-MM-DD")
        sub.add_argument("--end-date", type=_date, required=True, help="last game date, YYYY-MM-DD")
        sub.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
        if name in ("plan", "run"):
            target = sub.add_mutually_exclusive_group()
            target.add_argument("--phases", default="1-5", help="target phases, e.g. 4-5 or 2,3 (default 1-5)")
            target.add_argument(
                "--select",
                help="target assets in Dagster's asset selection syntax (as dagster asset materialize "
                "--select), e.g. 'key:\"scraped/odds_api_events\"+' or 'group:phase5_predictions'",
            )
            mode = sub.add_mutually_exclusive_group()
            mode.add_argument(
                "--only-missing",
                action="store_true",
                default=True,
                help="run missing and failed partitions only (default)",
            )
            mode.add_argument("--force", action="store_true", help="recompute the target range even if complete")
        if name == "lines":
            sub.add_argument("--force", action="store_true", help="buy again the odds the raw store already holds")
            sub.set_defaults(phases="1-5", parallel=False)
        if name in ("plan", "run", "lines"):
            sub.add_argument(
                "--allow-over-budget",
                action="store_true",
                help="go ahead even if the Odds API credits needed exceed what the account has left",
            )
            sub.add_argument(
                "--odds-policy",
                choices=sorted(POLICIES),
                help=f"snapshots and markets bought for past dates (default: ${POLICY_ENV} or closing: one "
                "snapshot before each tip-off, player_points only; full: 3 snapshots, props, spreads, totals)",
            )
            sub.add_argument(
                "--parallel",
                action="store_true",
                help="compute the independent assets of phases 2-5 at once, a process per step "
                "(a warehouse that admits concurrent writers only: BigQuery, not DuckDB; "
                "a submitted backfill on BigQuery always runs so)",
            )
            sub.add_argument(
                "--submit",
                action="store_true",
                help="launch it as one Dagster backfill, run by the daemon and shown in the UI",
            )
            sub.add_argument(
                "--url",
                help="submit through this Dagster webserver, e.g. http://127.0.0.1:3000 "
                "(implies --submit; default: in this process, against DAGSTER_HOME)",
            )
        if name == "validate":
            sub.add_argument("--strict", action="store_true", help="exit 1 if any check fails at ERROR")
    rollback = commands.add_parser(
        "rollback",
        help="put back what a run replaced",
        epilog=f"example: {EXAMPLES['rollback']}",
        description="put back, byte for byte, the partitions a run (or a Dagster backfill) "
        "replaced; its id is in run's report",
    )
    what = rollback.add_mutually_exclusive_group(required=True)
    what.add_argument("--run-id", help="the run whose replacements to undo (newest first)")
    what.add_argument("--list", action="store_true", help="the runs whose kept copies can be put back")
    what.add_argument("--prune", type=int, metavar="DAYS", help="drop kept copies older than DAYS days")
    rollback.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    _accept_parser(commands)
    for name in WRITERS:
        commands.choices[name].add_argument(
            "--no-wait", action="store_true", help="exit 2 at once, naming it, if another command holds this home"
        )
    commands.add_parser("ui", help="dg dev -w workspace.yaml on this instance (arguments after it go to dg dev)")
    return parser


def _accept_parser(commands: argparse._SubParsersAction) -> None:
    accept = commands.add_parser(
        "accept",
        help="accept a gap that will never be filled",
        epilog=f"example: {EXAMPLES['accept']}\nundo it: the same with --revoke (no --reason)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="record that a game's box score or play-by-play, or a date's odds, will never come: "
        "windows and checks then count the game as known-absent and status shows the date 'accepted'",
    )
    accept.add_argument("--date", type=_date, required=True, help="the game date, YYYY-MM-DD")
    accept.add_argument(
        "--feed",
        required=True,
        help=f"{', '.join(ACCEPTABLE)} (odds_api: all of the date's odds)",
    )
    accept.add_argument("--game", help=f"the game's NBA.com id, e.g. 0022400123 (required for {', '.join(PER_GAME)})")
    accept.add_argument("--reason", help="why it will never come (required unless --revoke)")
    accept.add_argument("--by", help="who accepts it (default: the account running the command)")
    accept.add_argument("--revoke", action="store_true", help="undo an earlier acceptance of this gap")
    accept.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _prepare_instance() -> None:
    """Point DAGSTER_HOME (in this process's environment) at the instance, writing its dagster.yaml
    on first use."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(instance_yaml(home))
    os.environ["DAGSTER_HOME"] = str(home)


def _instance() -> dg.DagsterInstance:
    with setup_lock(settings.home()):  # two commands on an empty home: one creates the instance
        _prepare_instance()
        return dg.DagsterInstance.get()


def _operator(args: argparse.Namespace, argv: Sequence[str]) -> contextlib.AbstractContextManager:
    """The home's lock for commands that write: waited for (saying so), or refused with --no-wait."""
    if args.command not in WRITERS:
        return contextlib.nullcontext()

    def waiting(who: str) -> None:
        print(f"nba-backfill {args.command}: waiting for {who} to finish", file=sys.stderr, flush=True)

    return operator_lock(settings.home(), shlex.join(["nba-backfill", *argv]), not args.no_wait, waiting)


def ui(argv: Sequence[str]) -> int:
    """Replace this process with ``dg dev -w workspace.yaml`` on the nba-backfill instance (extra
    arguments, e.g. ``-p 3001``, are passed on): Dagster 1.13 supersedes ``dagster dev`` by it."""
    if not Path("workspace.yaml").exists():
        print("nba-backfill ui: error: run it from the repository (no workspace.yaml here)", file=sys.stderr)
        return 2
    _prepare_instance()
    dg_cli = str(Path(sys.executable).parent / "dg")
    os.execv(dg_cli, [dg_cli, "dev", "-w", "workspace.yaml", *argv])
    return 0  # not reached: execv does not return


# --- commands -----------------------------------------------------------------------------------

#: How each state of the completeness matrix shows on a terminal.
STYLES = {
    "complete": "green",
    "no games": "dim green",
    "stale": "yellow",
    "changed": "yellow",
    "provisional": "yellow",
    "degraded": "yellow",
    "accepted": "green",
    "missing": "dim",
    "blocked": "dark_orange",
    "failed": "bold red",
}


def _console() -> Console:
    # Wide enough for the status table wherever stdout goes; colour only on a terminal.
    return Console(width=max(shutil.get_terminal_size().columns, 100))


def cmd_plan(session: Session, args: argparse.Namespace) -> int:
    plan = session.plan(args.start_date, args.end_date, args.phases, args.force, args.select)
    if not args.json:
        print_plan(plan)
    remaining = session.check_budget(plan, args.allow_over_budget)  # over budget: one line, exit 2
    if args.json:
        print(json.dumps(plan.to_json() | {"odds_api_remaining": remaining}))
    else:
        print(credits_line(plan, remaining))
    return 0


def print_plan(plan: Plan) -> None:
    targets = f"assets {', '.join(sorted(plan.selection))}" if plan.selection else f"phases {', '.join(plan.phases)}"
    print(f"backfill {plan.start} .. {plan.end}, target {targets}{' (forced)' if plan.force else ''}")
    for phase, span in plan.ranges().items():
        print(f"  {phase}: {span['start']} .. {span['end']}")
    table = Table("asset", "needed", "complete", "to run", "why", box=box.SIMPLE_HEAD)
    reasons = plan.reasons()
    for asset, counts in plan.counts().items():
        why = ", ".join(f"{n} {kind}" for kind, n in sorted(reasons.get(asset, {}).items()))
        table.add_row(asset, *(str(counts[k]) for k in ("needed", "complete", "to_run")), why)
    _console().print(table)


def credits_line(plan: Plan, remaining: int | None) -> str:
    left = "no quota (simulated league)" if remaining is None else f"{remaining} remaining (x-requests-remaining)"
    return f"Odds API credits: {plan.odds_api_credits()} needed ({policy().name} snapshot policy), {left}"


def cmd_status(session: Session, args: argparse.Namespace) -> int:
    matrix = session.matrix(args.start_date, args.end_date)
    summary = summarize(matrix)
    if args.json:
        dates = [
            {
                "date": str(r.date),
                "games": None if pd.isna(r.games) else int(r.games),
                **{p: getattr(r, p) for p in PHASES},
                "reasons": r.reasons,
            }
            for r in matrix.itertuples()
        ]
        print(json.dumps({"dates": dates, "summary": summary}, default=str))
    else:
        table = Table("date", "games", *PHASES, box=box.SIMPLE_HEAD)
        for r in matrix.itertuples():
            states = [Text(getattr(r, p), style=STYLES.get(getattr(r, p), "")) for p in PHASES]
            table.add_row(str(r.date), "?" if pd.isna(r.games) else str(int(r.games)), *states)
        _console().print(table)
        print(
            f"{summary['complete_game_dates']} of {summary['game_dates']} game dates complete"
            + (
                f"; {summary['dates_without_schedule']} date(s) without a loaded schedule"
                if summary["dates_without_schedule"]
                else ""
            )
        )
        for phase, states in summary["by_phase"].items():
            print(f"  {phase}: " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())))
        if summary["dates_needing_work"]:
            print("needs work: " + ", ".join(summary["dates_needing_work"]))
    everything = summary["complete_game_dates"] == summary["game_dates"] and not summary["dates_without_schedule"]
    return 0 if everything and not summary["dates_needing_work"] else 1


def cmd_run(session: Session, args: argparse.Namespace) -> int:
    if args.submit or args.url:
        for flag in ("select", "odds_policy"):
            if getattr(args, flag):
                raise UsageError(
                    f"--{flag.replace('_', '-')} applies to this process's runs: it does not combine with --submit "
                    "or --url (a submitted backfill runs under the daemon's settings)"
                )
        try:
            with Progress(enabled=not args.json) as progress:
                outcome, backfill_id = submit(
                    session,
                    args.start_date,
                    args.end_date,
                    args.phases,
                    args.force,
                    args.allow_over_budget,
                    args.url,
                    progress,
                )
        except SubmitError as err:
            print(f"nba-backfill run --submit: error: {err}", file=sys.stderr)
            return 1
        return print_report(session, args, outcome, backfill_id=backfill_id)
    session.check_parallel(args.parallel)
    plan = session.plan(args.start_date, args.end_date, args.phases, args.force, args.select, for_run=True)
    session.check_budget(plan, args.allow_over_budget)
    with Progress(enabled=not args.json) as progress:
        outcome = session.run(plan, progress, parallel=args.parallel)
    return print_report(session, args, outcome)


def resume_flags(args: argparse.Namespace) -> str:
    """The flags a resume repeats besides the range and phases: where it ran, what was selected
    and what was bought."""
    words = ["--submit"] if getattr(args, "submit", False) or getattr(args, "url", None) else []
    words += ["--url", args.url] if getattr(args, "url", None) else []
    words += ["--select", args.select] if getattr(args, "select", None) else []
    words += ["--odds-policy", args.odds_policy] if getattr(args, "odds_policy", None) else []
    return shlex.join(words)


def cmd_lines(session: Session, args: argparse.Namespace) -> int:
    plan = lines_plan(session, args.start_date, args.end_date, rebuy=args.force)
    remaining = session.check_budget(plan, args.allow_over_budget)
    if not args.json:
        print(credits_line(plan, remaining))
    with Progress(enabled=not args.json) as progress:
        outcome = session.run(plan, progress)
    spent = credits_spent(session, outcome)
    if not args.json:
        print(f"Odds API credits billed: {spent} (estimated {plan.odds_api_credits()})")
    extra = {"odds_api_credits_estimated": plan.odds_api_credits(), "odds_api_credits_spent": spent}
    return print_report(session, args, outcome, **extra)


def refresh_report(session: Session, args: argparse.Namespace) -> None:
    """The completeness report in the UI, for the range just worked on (a failure there does not
    change the command's outcome: one line says so)."""
    if not refresh_completeness(session, args.start_date, args.end_date):
        print(
            f"nba-backfill {args.command}: warning: nba_meta/completeness_report could not be refreshed "
            "(its failed run is in the Dagster instance)",
            file=sys.stderr,
        )


def alert(args: argparse.Namespace, report: dict) -> None:
    """The report to the people who wait (``NBA_ALERT_WEBHOOK_URL``); a webhook that refuses it
    does not change the run's outcome: one line says so."""
    try:
        send(report_message(report, str(args.start_date), str(args.end_date)))
    except (requests.RequestException, ValueError) as err:
        print(f"nba-backfill {args.command}: warning: the alert was not sent ({type(err).__name__})", file=sys.stderr)


def print_report(session: Session, args: argparse.Namespace, outcome: Outcome, **extra) -> int:
    """The run's report (see ``Session.report``); exit 1 unless every game date of the range ends
    complete in the target phases."""
    flags = resume_flags(args)
    resume = resume_command(args.start_date, args.end_date, args.phases, args.parallel, flags, args.command)
    report = session.report(args.start_date, args.end_date, outcome, resume, args.phases, **extra)
    refresh_report(session, args)
    alert(args, report)
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"{report['complete_game_dates']} of {report['game_dates']} game dates complete"
            f"{'' if args.phases == '1-5' else f' in phases {args.phases}'} ({sum(report['ran'].values())} partitions materialized)"
        )
        for title in ("failed", "blocked", "incomplete"):
            for day, reasons in report[title].items():
                print(f"{title}: {day}: {'; '.join(reasons)}")
        if report["resume"]:
            print(f"resume with: {report['resume']}")
        if report["undo"]:
            print(f"undo with: {report['undo']}")
        print(
            f"tables: {report['results']['warehouse']}\nraw files: {report['results']['raw_files']}\n"
            f"runs and checks: DAGSTER_HOME={report['results']['dagster_instance']} dg dev -w workspace.yaml"
        )
    return 1 if report["failed"] or report["blocked"] or report["incomplete"] else 0


def cmd_validate(session: Session, args: argparse.Namespace) -> int:
    results = session.validate(args.start_date, args.end_date)
    refresh_report(session, args)
    failures = results[~results["passed"]]
    errors = failures[failures["severity"] == "ERROR"]
    if args.json:
        rows = failures.assign(game_date=failures["game_date"].astype(str)).to_dict("records")  # metadata kept
        print(json.dumps({"evaluations": len(results), "failures": rows, "errors": len(errors)}, default=str))
    else:
        print(f"{len(results)} check evaluations, {len(failures)} failed ({len(errors)} at ERROR)")
        for r in failures.sort_values(["game_date", "asset", "check"]).itertuples():
            print(f"{r.severity:5}  {r.game_date}  {r.asset}:{r.check}  {r.description}")
    return 1 if args.strict and len(errors) else 0


def cmd_report(session: Session, args: argparse.Namespace) -> int:
    quality = figures.quality(session, args.start_date, args.end_date)
    writes = figures.table_writes(session, args.start_date, args.end_date)
    if args.json:
        print(
            json.dumps(
                {
                    "quality": quality.astype(object).where(quality.notna(), None).to_dict("records"),
                    "tables": writes.to_dict("records"),
                },
                default=str,
            )
        )
        return 0
    console = _console()
    console.print(_frame_table(quality, "quality by date (nba_precompute.ml_feature_store)"))
    console.print(_frame_table(writes, "tables written: rows and last write"))
    return 0


def _frame_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(*frame.columns, title=title, box=box.SIMPLE_HEAD)
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else str(v) for v in row))
    return table


def cmd_rollback(session: Session, args: argparse.Namespace) -> int:
    if args.list or args.prune is not None:
        pruned, listed = session.prune_kept(args.prune)
        if args.json:
            print(json.dumps({"pruned": pruned, "kept": listed}))
            return 0
        if args.prune is not None:
            print(f"pruned the kept copies of {len(pruned)} run(s) older than {args.prune} days")
        for op in listed:
            print(
                f"{op['run_id']}  kept {op['kept_at']}  {op['partitions']} partitions of {op['tables']} tables, {op['dates']}"
            )
        return 0
    restored, unchecked = session.rollback(args.run_id)
    back = restored[restored["row_count"].notna()]
    report = {
        "run_id": args.run_id,
        "restored": len(back),
        "removed": len(restored) - len(back),
        "tables": int(restored["table_name"].nunique()),
        "check_runs_failed": unchecked,
        "dates": f"{restored['game_date'].min().date()}..{restored['game_date'].max().date()}",
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"rolled back {args.run_id}: {report['restored']} partitions of {report['tables']} tables restored, "
            f"{report['removed']} that it first wrote removed ({report['dates']}); their checks ran again"
            + (f" ({unchecked} check run(s) failed to execute: see the Dagster instance)" if unchecked else "")
        )
    return 1 if unchecked else 0


def cmd_accept(session: Session, args: argparse.Namespace) -> int:
    rows, rejudged = session.accept(args.feed, args.date, args.game, args.reason or "", args.by, args.revoke)
    verb = "revoked" if args.revoke else "accepted"
    if args.json:
        print(json.dumps({verb: rows, "checks_rejudged": rejudged}))
        return 0
    for r in rows:
        game = f"game {r['nba_game_id']} ({r['game_id']})" if r["nba_game_id"] else "the whole date"
        print(
            f"{verb}: {r['feed']} of {game} on {r['game_date']}: {r['reason']} (accepted by {r['accepted_by']} at {r['accepted_at']})"
        )
    print(
        f"{rejudged} check(s) judged {args.date} again; "
        + (
            "a plain `nba-backfill run` re-tries it"
            if args.revoke
            else "a plain `nba-backfill run` completes what it blocked"
        )
    )
    return 0


COMMANDS = {
    "plan": cmd_plan,
    "status": cmd_status,
    "run": cmd_run,
    "lines": cmd_lines,
    "validate": cmd_validate,
    "report": cmd_report,
    "rollback": cmd_rollback,
    "accept": cmd_accept,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ui"]:  # everything after it is dg dev's
        return ui(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "odds_policy", None):  # the scrapers of this process read it (sources/credits.py)
        os.environ[POLICY_ENV] = args.odds_policy
    try:
        if args.command == "accept":
            preflight.check_dates(args.date, args.date)
            preflight.check_environment()
        elif args.command != "rollback":
            preflight.check(args.command, args.start_date, args.end_date)
        with _operator(args, argv), _instance() as instance:
            return COMMANDS[args.command](Session(instance), args)
    except (
        UsageError,
        BadDates,
        ConfigurationError,
        WarehouseError,
        LockHeld,
        RollbackError,
    ) as err:  # expected: one line
        print(f"nba-backfill {args.command}: error: {err}", file=sys.stderr)
        return 1 if isinstance(err, WarehouseError) else 2  # the warehouse in use or failing; a bad argument


if __name__ == "__main__":
    sys.exit(main())
