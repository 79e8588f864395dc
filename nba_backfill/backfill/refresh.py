"""The completeness report kept current: after every command that worked on a range.

``nba-backfill run`` (in process or ``--submit``) and ``validate`` end by materializing
``nba_meta/completeness_report`` for their range, in the same Dagster instance, so its Overview in
the UI shows the state they left (not "Never materialized", not an older range). The backfills the
gap sensor launches get theirs from ``report_after_gap_backfill`` (automation.py), with the same
run config and tag.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from nba_backfill.backfill.service import Session
from nba_backfill.reports import ReportRange, completeness_report

#: Names a refresh run's range in the Runs list (and tells it from a backfill's runs).
REFRESH_TAG = "nba_backfill/report_refresh"


def refresh_request(start: dt.date, end: dt.date) -> tuple[dict, dict[str, str]]:
    """The run config and tags of a refresh for ``start``..``end`` (a command's, or a sensor's)."""
    op = completeness_report.op.name
    config = {"ops": {op: {"config": ReportRange(start_date=str(start), end_date=str(end)).model_dump()}}}
    return config, {REFRESH_TAG: f"{start}..{end}"}


def refresh_completeness(session: Session, start: dt.date, end: dt.date) -> bool:
    """Materialize the completeness report for ``start``..``end``; False (and the run's failure in
    the instance) when it could not be written: the command's own outcome stands either way."""
    config, tags = refresh_request(start, end)
    result = dg.materialize(
        [completeness_report],
        instance=session.instance,
        resources=session.resources,
        raise_on_error=False,
        tags=tags,
        run_config={**config, "loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    return result.success
