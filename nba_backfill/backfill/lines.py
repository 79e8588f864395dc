"""Runbook scenario 5 as one command: the betting lines of past dates whose Odds API scrape failed.

``nba-backfill lines --start-date D1 --end-date D2`` plans the odds scrapers and everything
downstream of them (the odds raw tables, the lines in the player and team context, Phase 4,
predictions and grading) for D1..D2, forced, plus only the later partitions of those assets that
read a partition it rewrites (the planner's stale-reader rule). NBA.com is not called: a date
whose NBA.com data is not complete yet is refused (``run`` it first). The odds scrapers buy only
what the raw store does not hold yet (``rebuy`` buys it again), and the report says what the
scrapes were billed next to the plan's estimate.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from nba_backfill.backfill.plan import Plan
from nba_backfill.backfill.run import Outcome
from nba_backfill.backfill.service import Session
from nba_backfill.errors import UsageError
from nba_backfill.naming import asset_key
from nba_backfill.storage.kept import OPERATION_TAG

#: The odds scrapers and every asset downstream of them, in Dagster's asset selection syntax.
LINES_SELECTION = 'key:"scraped/odds_api_events"+'
ODDS_SCRAPERS = ("scraped/odds_api_events", "scraped/odds_api_player_props", "scraped/odds_api_game_lines")


def lines_plan(session: Session, start: dt.date, end: dt.date, rebuy: bool = False) -> Plan:
    """The plan of scenario 5 for ``start``..``end``; a UsageError names the dates whose
    NBA.com data the plan would have to scrape."""
    plan = session.plan(start, end, force=True, select=LINES_SELECTION, rebuy_odds=rebuy)
    nba_com = {a: ds for a, ds in plan.to_run.items() if a.startswith("scraped/nbac_") and ds}
    if nba_com:
        days = sorted(set().union(*nba_com.values()))
        raise UsageError(
            f"lines calls no NBA.com feed, and {', '.join(map(str, days[:5]))}{' ...' if len(days) > 5 else ''} "
            f"lack NBA.com data ({', '.join(sorted(nba_com))}): run `nba-backfill run` over them first"
        )
    return plan


def credits_spent(session: Session, outcome: Outcome) -> int:
    """What the Odds API billed the run's scrapes: the ``odds_api_credits`` each date's
    materialization recorded (from the response headers, call by call)."""
    if not outcome.operation:
        return 0
    runs = {
        r.dagster_run.run_id
        for r in session.instance.get_run_records(dg.RunsFilter(tags={OPERATION_TAG: outcome.operation}))
    }
    spent = 0
    for asset in ODDS_SCRAPERS:
        days = [str(d) for d in sorted(outcome.done.get(asset, ()))]
        if not days:
            continue
        records = session.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key(asset), asset_partitions=days), limit=10_000
        ).records
        for record in records:
            if record.run_id in runs:
                value = record.asset_materialization.metadata.get("odds_api_credits")
                spent += int(value.value) if value is not None else 0
    return spent
