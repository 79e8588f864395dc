"""The asset graph: every phase's assets and the check catalogue over them, as one list.

The entry points assemble it (``definitions.py``); the backfill service, the automation and the
report read it from here. It imports no entry point, so anything may import it.
"""

from __future__ import annotations

import dagster as dg

from nba_backfill.checks.catalogue import asset_checks, catalogue
from nba_backfill.phases import phase1_scrapers
from nba_backfill.phases.phase2_raw import assets as phase2
from nba_backfill.phases.phase3_analytics import assets as phase3
from nba_backfill.phases.phase4_precompute import assets as phase4
from nba_backfill.phases.phase5_predictions import assets as phase5

#: The 24 partitioned assets of the five phases (the planner, checks and runners work on these).
all_assets = [*phase1_scrapers.assets, *phase2.assets, *phase3.assets, *phase4.assets, *phase5.assets]
checks = catalogue(all_assets)
all_checks = asset_checks(checks)


def platform(**extra) -> dg.Definitions:
    """The graph as a ``Definitions``, with ``extra`` (resources, executor, jobs, automation...)."""
    return dg.Definitions(assets=[*all_assets, *extra.pop("assets", [])], asset_checks=all_checks, **extra)
