"""The one Definitions object: every phase's assets, their checks, the chosen environment's
resources, the automation (schedule, gap sensor) and the completeness report."""

from __future__ import annotations

import dagster as dg

from nba_backfill import settings
from nba_backfill.automation import gap_backfill_sensor, todays_slate_schedule
from nba_backfill.checks.catalogue import asset_checks, catalogue
from nba_backfill.phases import phase1_scrapers
from nba_backfill.phases.phase2_raw import assets as phase2
from nba_backfill.phases.phase3_analytics import assets as phase3
from nba_backfill.phases.phase4_precompute import assets as phase4
from nba_backfill.phases.phase5_predictions import assets as phase5
from nba_backfill.reports import completeness_report
from nba_backfill.resources import resources

#: The 24 partitioned assets of the five phases (the planner, checks and runners work on these).
all_assets = [*phase1_scrapers.assets, *phase2.assets, *phase3.assets, *phase4.assets, *phase5.assets]
checks = catalogue(all_assets)
all_checks = asset_checks(checks)

#: A process per step, so a run's independent steps compute at once. Each is forked from a server
#: that has imported the platform once: spawning a fresh interpreter per step costs seconds.
parallel_executor = dg.multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": ["nba_backfill.definitions"]}}}, name="parallel_executor")
# Locally a run is one process (steps in sequence) rather than a process per step: DuckDB admits
# one writing process per file, and the instance's run queue admits one run at a time.
executor = dg.in_process_executor if settings.target() == "local" else parallel_executor

defs = dg.Definitions(
    assets=[*all_assets, completeness_report],
    asset_checks=all_checks,
    schedules=[todays_slate_schedule],
    sensors=[gap_backfill_sensor],
    resources=resources(),
    executor=executor,
)
