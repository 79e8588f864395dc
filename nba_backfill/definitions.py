"""The one Definitions object: the asset graph (every phase's assets and their checks), the chosen
environment's resources and executor, the automation (schedule, gap sensor) and the completeness
report. An entry point: nothing imports it."""

from __future__ import annotations

from nba_backfill import environment, graph
from nba_backfill.automation import gap_backfill_sensor, todays_slate_schedule
from nba_backfill.reports import completeness_report

defs = graph.platform(
    assets=[completeness_report],
    schedules=[todays_slate_schedule],
    sensors=[gap_backfill_sensor],
    resources=environment.resources(),
    executor=environment.executor(),
)
