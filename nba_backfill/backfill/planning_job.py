"""The planned backfill from the UI alone: a job launched from the Launchpad with its dates and
phases as config, which plans exactly as ``nba-backfill plan`` does (per-asset ranges, with the
lookback context that is missing) and submits that plan as one asset backfill, shown on the
Backfills page; the daemon runs it as it runs ``run --submit``'s.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
import datetime as dt

import dagster as dg

from nba_backfill.backfill.service import Session
from nba_backfill.backfill.submit import graphql, launch
from nba_backfill.errors import UsageError


class PlanConfig(dg.Config):
    start_date: str  # YYYY-MM-DD: first target game date
    end_date: str  # YYYY-MM-DD: last target game date
    phases: str = "1-5"  # e.g. "4-5" or "2,3"
    force: bool = False  # recompute the target range even if complete


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise dg.Failure(description=f"{name}: {value!r} is not a YYYY-MM-DD date") from None


@dg.op(description="Plan the backfill of the configured dates and phases as `nba-backfill plan` does, and submit it.")
def plan_and_submit(context: dg.OpExecutionContext, config: PlanConfig) -> str:
    start, end = _date(config.start_date, "start_date"), _date(config.end_date, "end_date")
    if end < start:
        raise dg.Failure(description=f"end_date {end} is before start_date {start}")
    try:
        plan = Session(context.instance).plan(start, end, config.phases, config.force, for_run=True)
    except UsageError as err:
        raise dg.Failure(description=str(err)) from None
    if not any(plan.to_run.values()):
        context.log.info(f"nothing to run for {start} .. {end}: every planned partition is complete")
        return ""
    with graphql(context.instance, None) as execute:
        backfill_id = launch(execute, plan)
    context.add_output_metadata(
        {
            "backfill_id": backfill_id,
            "partitions": sum(len(d) for d in plan.to_run.values()),
            **{f"range/{phase}": f"{s['start']} .. {s['end']}" for phase, s in plan.ranges().items()},
        }
    )
    return backfill_id


@dg.job(
    description="Lookback-aware backfill from the Launchpad: give start_date, end_date and phases; "
    "it submits the planned per-asset ranges as one backfill (see the Backfills page)."
)
def planned_backfill():
    plan_and_submit()
