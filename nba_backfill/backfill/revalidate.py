"""Check results into the Dagster instance, and re-validation of rows changed outside the tool.

``validate`` and re-validation record every evaluation as a runless ``AssetCheckEvaluation`` on its
partition: the UI's check dashboards show it, and the completeness model reads a failure at ERROR
as ``failed`` (a plain ``run`` rewrites the partition), whoever found it.

A partition whose rows no longer match the fingerprint its write recorded (an UPDATE in the
warehouse) is not simply overwritten: that may be a correction made on purpose (the runbook's
scenario 4). Its checks judge it. If none fails at ERROR, the rows are adopted as written now, so
every partition that reads them (same day and through lookback windows) is stale and the next
``run`` recomputes it; if one does, the partition is failed and the next ``run`` rewrites it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dagster as dg
import pandas as pd
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.utils import make_new_run_id

from nba_backfill.checks import observed
from nba_backfill.checks.catalogue import Check, evaluate
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.matrix import failed_partitions
from nba_backfill.checks.outcomes import Outcome, evaluation
from nba_backfill.naming import asset_key, table_name
from nba_backfill.storage.held_events import written_in_bulk

#: The run that holds the results of a ``validate`` (or a re-validation), and its tag: what was judged.
VALIDATE_JOB = "nba_backfill_validate"
VALIDATE_TAG = "nba_backfill/validate"


def record(instance: dg.DagsterInstance, results: pd.DataFrame, what: str) -> str | None:
    """Each row of ``results`` (as :func:`evaluate` gives them) as its partition's check result,
    in one run record tagged ``what`` (the run's id; None when there is nothing to record).

    Not ``report_runless_asset_event``: in Dagster 1.13 the event log keys a check execution by
    (check, partition, run id), and every runless one has the same empty run id, so a second
    runless result for a partition fails on the unique index. A run of its own is also what the
    UI links the results to. The results are written together, in one transaction where the event
    log can (a season's validate records ~12.5k)."""
    if results.empty:
        return None
    run = dg.DagsterRun(
        job_name=VALIDATE_JOB, run_id=make_new_run_id(), status=dg.DagsterRunStatus.SUCCESS, tags={VALIDATE_TAG: what}
    )
    instance.add_run(run)
    with written_in_bulk(instance):
        for r in results.itertuples():
            key = dg.AssetCheckKey(asset_key(r.asset), r.check)
            outcome = Outcome(r.game_date, bool(r.passed), dg.AssetCheckSeverity(r.severity), r.description, r.metadata)
            event = DagsterEvent(
                event_type_value=DagsterEventType.ASSET_CHECK_EVALUATION.value,
                job_name=VALIDATE_JOB,
                event_specific_data=evaluation(key, outcome),
            )
            instance.report_dagster_event(event, run_id=run.run_id)
    return run.run_id


def revalidate(
    instance: dg.DagsterInstance, data: CheckData, checks: Sequence[Check], tables: Sequence[str]
) -> dict[str, list[dt.date]]:
    """Judge every changed partition of ``tables`` by its checks (recorded), and adopt those none
    fails at ERROR: table -> the dates adopted. A partition already judged failed is not judged
    again (the next ``run`` rewrites it), so repeated plans add no results."""
    drift = observed.drifted(data, tables)
    adopted: dict[str, list[dt.date]] = {}
    for table, rows in drift[drift["changed"]].groupby("table_name"):
        judged = failed_partitions(instance, [table], checks, sorted(rows["game_date"].dt.date))
        dates = sorted(d for d in rows["game_date"].dt.date if (table, d) not in judged)
        if not dates:
            continue
        results = evaluate([c for c in checks if table_name(c.asset) == table], dates, data)
        record(instance, results, f"re-validation of {table} (changed outside nba-backfill)")
        errors = results[~results["passed"] & (results["severity"] == dg.AssetCheckSeverity.ERROR.value)]
        keep = [d for d in dates if d not in set(errors["game_date"])]
        if keep:
            data.warehouse.adopt(table, keep)
            adopted[table] = keep
    return adopted
