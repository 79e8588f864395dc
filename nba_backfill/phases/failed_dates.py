"""A range step that fails on some of its dates names them, so the runner need not search.

A scraper over a range meets an outage on a few dates, a Phase 2 parse meets a raw file it cannot
read (phases/table_asset.py: the first one), blocking checks fail at ERROR on some dates
(checks/catalogue.py): each raises :func:`dates_failed`, a ``dagster.Failure`` whose metadata maps
each failing date to why. The runner reads it back from the
step's failure event (:func:`named_in`, in process or from the instance alike), records those dates
as failed and re-runs the rest of the range without them. A failure that names no date is searched
for by bisection, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import dagster as dg

#: The failure's metadata key: ``{"YYYY-MM-DD": why}``.
FAILED_DATES = "failed_dates"
#: Dates spelled out in the failure's description (the metadata has them all).
DESCRIBED = 5


def dates_failed(why: Mapping[dt.date, str]) -> dg.Failure:
    """The failure of a range step whose ``why`` dates failed (its other dates are not known to)."""
    days = sorted(why)
    shown = "; ".join(why[d] for d in days[:DESCRIBED]) + ("; …" if len(days) > DESCRIBED else "")
    return dg.Failure(
        description=f"{len(days)} date(s) failed: {shown}",
        metadata={FAILED_DATES: dg.MetadataValue.json({str(d): why[d] for d in days})},
    )


def named_in(event: dg.DagsterEvent) -> dict[dt.date, str]:
    """The dates a step failure event names, with why; empty when it names none."""
    data = getattr(event.event_specific_data, "user_failure_data", None)
    named = data.metadata.get(FAILED_DATES) if data is not None else None
    if named is None or not isinstance(named.value, dict):
        return {}
    return {dt.date.fromisoformat(day): str(why) for day, why in named.value.items()}
