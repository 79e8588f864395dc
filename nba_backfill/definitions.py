"""The one Definitions object: every phase's assets, their checks, and the chosen environment's resources."""

from __future__ import annotations

import dagster as dg

from nba_backfill.checks.catalogue import asset_checks, catalogue
from nba_backfill.phases import phase1_scrapers
from nba_backfill.phases.phase2_raw import assets as phase2
from nba_backfill.phases.phase3_analytics import assets as phase3
from nba_backfill.phases.phase4_precompute import assets as phase4
from nba_backfill.phases.phase5_predictions import assets as phase5
from nba_backfill.resources import resources

all_assets = [*phase1_scrapers.assets, *phase2.assets, *phase3.assets, *phase4.assets, *phase5.assets]
checks = catalogue(all_assets)
all_checks = asset_checks(checks)

# A run is one process (steps in sequence), not a process per step: the local DuckDB warehouse
# admits one writing process per file, and the run queue (dagster.yaml) admits one run at a time.
defs = dg.Definitions(assets=all_assets, asset_checks=all_checks, resources=resources(), executor=dg.in_process_executor)
