"""The asset graph: every phase's assets and the check catalogue over them, as one list.

The entry points assemble it (``definitions.py``); the backfill service, the automation and the
report read it from here. It imports no entry point, so anything may import it.
"""

from __future__ import annotations

import dagster as dg

from nba_backfill.checks.catalogue import asset_checks, blocking_checks, catalogue
from nba_backfill.phases import phase1_scrapers
from nba_backfill.phases.gate import declare_blocking
from nba_backfill.phases.phase2_raw import assets as phase2
from nba_backfill.phases.phase3_analytics import assets as phase3
from nba_backfill.phases.phase4_precompute import assets as phase4
from nba_backfill.phases.phase5_predictions import assets as phase5

_phases = [*phase1_scrapers.assets, *phase2.assets, *phase3.assets, *phase4.assets, *phase5.assets]
checks = catalogue(_phases)
all_checks = asset_checks(checks)
_blocking = blocking_checks(checks)
#: The 24 partitioned assets of the five phases (the planner, checks and runners work on these),
#: each declaring the blocking checks of what it reads (for the gate of phases/gate.py).
all_assets = dg.map_asset_specs(lambda spec: declare_blocking(spec, _blocking), _phases)


def platform(**extra) -> dg.Definitions:
    """The graph as a ``Definitions``, with ``extra`` (resources, executor, jobs, automation...)."""
    return dg.Definitions(assets=[*all_assets, *extra.pop("assets", [])], asset_checks=all_checks, **extra)
