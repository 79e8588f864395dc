"""``nba-backfill``: backfill a date range of the whole graph and say where the results are."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from nba_backfill import settings
from nba_backfill.calendar import FIRST_GAME_DATE


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nba-backfill", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="materialize every phase for a date range in one run",
        epilog="example: nba-backfill run --start-date 2024-10-22 --end-date 2024-11-14",
    )
    run.add_argument("--start-date", type=_date, required=True)
    run.add_argument("--end-date", type=_date, required=True)
    return parser


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.end_date < args.start_date:
        parser.error(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    first, today = dt.date.fromisoformat(FIRST_GAME_DATE), dt.date.today()
    if args.start_date < first or args.end_date > today:
        parser.error(f"dates must lie within the partitions, {first} .. {today}")


INSTANCE_YAML = """\
# The local Dagster instance shared by nba-backfill and `dagster dev` (SQLite storage).
telemetry:
  enabled: false
"""


def _instance():
    import dagster as dg

    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def run(args: argparse.Namespace) -> int:
    from nba_backfill.backfill.execute import materialize_range
    from nba_backfill.resources import resources

    with _instance() as instance:
        result = materialize_range(
            args.start_date, args.end_date, instance=instance, raise_on_error=False, log_level="WARNING"
        )
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        print(f"backfill failed: {failure.step_key if failure else ''} {failure.event_specific_data.error.message if failure else ''}".strip())
        return 1
    warehouse = resources()["warehouse"]
    counts = warehouse.query(
        "SELECT table_name, sum(row_count) AS rows FROM nba_meta.partition_ledger "
        "WHERE game_date BETWEEN ? AND ? GROUP BY table_name ORDER BY table_name",
        [args.start_date, args.end_date],
    )
    print(f"backfilled {args.start_date} .. {args.end_date}")
    print(counts.to_string(index=False))
    print(f"raw files: {settings.home() / 'raw'}")
    print(f"warehouse: {warehouse.path} (schemas nba_raw, nba_analytics, nba_precompute, nba_predictions)")
    print(f"runs:      {settings.dagster_home()} (DAGSTER_HOME for `dagster dev -w workspace.yaml`)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _validate(parser, args)
    return {"run": run}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
