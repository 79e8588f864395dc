"""The one Definitions object: the asset graph (every phase's assets and their checks), the chosen
environment's resources and executor, the automation (schedule, gap sensor and the report after its
backfills), the alerts on a backfill's end and the completeness report. An entry point: nothing
imports it."""

from __future__ import annotations

from nba_backfill import environment, graph
from nba_backfill.alerts import backfill_alert_sensors, webhook
from nba_backfill.automation import (
    completeness_report_job,
    gap_backfill_sensor,
    report_after_gap_backfill,
    todays_slate_schedule,
)
from nba_backfill.backfill.planning_job import planned_backfill
from nba_backfill.reports import completeness_report

defs = graph.platform(
    assets=[completeness_report],
    jobs=[planned_backfill, completeness_report_job],
    schedules=[todays_slate_schedule],
    sensors=[gap_backfill_sensor, report_after_gap_backfill, *backfill_alert_sensors],
    resources={**environment.resources(), "alert_webhook": webhook()},
    executor=environment.executor(),
)
