"""The completeness view in the Dagster UI: ``nba_meta/completeness_report``.

An unpartitioned asset that depends on nothing (materializing it never triggers a phase) and reads
the warehouse through the ``warehouse`` resource. Its materialization shows the date x phase
matrix of ``nba-backfill status`` as a table and as a heat map, for the target range of the last
backfill, whether launched from the UI, by ``--submit`` or by an in-process ``nba-backfill run``
(not its lookback context), or the range given in the launchpad config.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the annotation.
import base64
import datetime as dt
import io

import dagster as dg
import numpy as np
import pandas as pd
from PIL import Image  # matplotlib's own dependency

from nba_backfill.backfill.plan import Graph
from nba_backfill.backfill.run import TARGET_TAG
from nba_backfill.backfill.service import summarize
from nba_backfill.calendar import PHASES
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.matrix import completeness_matrix
from nba_backfill.environment import warehouse_kind
from nba_backfill.graph import all_assets, checks
from nba_backfill.phases.partition_figures import QUALITY_TABLE, quality_by_date
from nba_backfill.phases.table_asset import OWNERS

#: Dates shown when no backfill ran yet: the last ones written.
DEFAULT_DAYS = 14
#: Side of one (phase, date) cell in the inline heat map: small enough to stay inline for a season.
CELL_PIXELS = 6
#: Heat-map colour per state (the states of checks/matrix.py).
COLOURS = {
    "complete": "#2e7d32",
    "accepted": "#66bb6a",
    "no games": "#a5d6a7",
    "stale": "#fdd835",
    "changed": "#fbc02d",
    "provisional": "#ffee58",
    "degraded": "#ffca28",
    "missing": "#e0e0e0",
    "blocked": "#fb8c00",
    "failed": "#c62828",
}


class ReportRange(dg.Config):
    start_date: str | None = None  # YYYY-MM-DD; both empty: the last backfill's range
    end_date: str | None = None


Found = tuple[float, dt.date, dt.date]  # (when it was launched, first date, last date)


def newest_asset_backfill(instance: dg.DagsterInstance, order: list[dg.AssetKey]) -> Found | None:
    """The newest asset backfill's target range: the dates of its most downstream asset."""
    for backfill in instance.get_backfills(limit=20):
        subset = backfill.asset_backfill_data.target_subset if backfill.is_asset_backfill else None
        keys = [k for k in order if subset and k in subset.partitions_subsets_by_asset_key]
        if keys:
            dates = subset.get_partitions_subset(keys[-1]).get_partition_keys()
            return backfill.backfill_timestamp, dt.date.fromisoformat(min(dates)), dt.date.fromisoformat(max(dates))
    return None


def newest_command_line_backfill(instance: dg.DagsterInstance) -> Found | None:
    """The newest ``nba-backfill run``'s target range (in process, it launches runs, not a backfill)."""
    for record in instance.get_run_records(limit=50):
        target = record.dagster_run.tags.get(TARGET_TAG)
        if target:
            start, end = target.split("..")
            return record.create_timestamp.timestamp(), dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return None


def last_backfill_range(instance: dg.DagsterInstance, order: list[dg.AssetKey]) -> tuple[dt.date, dt.date] | None:
    """The target range of the newest backfill, from the UI, ``--submit`` or ``nba-backfill run``."""
    found = [f for f in (newest_asset_backfill(instance, order), newest_command_line_backfill(instance)) if f]
    return max(found)[1:] if found else None


def report_range(
    config: ReportRange, instance: dg.DagsterInstance, data: CheckData, order: list[dg.AssetKey]
) -> tuple[dt.date, dt.date]:
    if config.start_date and config.end_date:
        return dt.date.fromisoformat(config.start_date), dt.date.fromisoformat(config.end_date)
    found = last_backfill_range(instance, order)
    if found:
        return found
    written = data.ledger["game_date"]
    end = written.max().date() if len(written) else dt.date.today()
    return end - dt.timedelta(days=DEFAULT_DAYS - 1), end


def matrix_table(matrix: pd.DataFrame) -> dg.MetadataValue:
    columns = [
        dg.TableColumn("date", "string"),
        dg.TableColumn("games", "int"),
        *(dg.TableColumn(p, "string") for p in PHASES),
        dg.TableColumn("reasons", "string"),
    ]
    records = [
        dg.TableRecord(
            {
                "date": str(r.date),
                "games": None if pd.isna(r.games) else int(r.games),
                **{p: getattr(r, p) for p in PHASES},
                "reasons": "; ".join(f"{p}: {', '.join(why)}" for p, why in r.reasons.items()),
            }
        )
        for r in matrix.itertuples()
    ]
    return dg.MetadataValue.table(records, schema=dg.TableSchema(columns=columns))


def quality_table(quality: pd.DataFrame) -> dg.MetadataValue:
    """The runbook's per-date quality figures as a table (blank where a date has no rows)."""
    columns = [
        dg.TableColumn("date", "string"),
        dg.TableColumn("players", "int"),
        *(dg.TableColumn(c, "float") for c in quality.columns[2:]),
    ]
    records = [
        dg.TableRecord({k: (str(v) if k == "date" else None if pd.isna(v) else v) for k, v in r.items()})
        for r in quality.to_dict("records")
    ]
    return dg.MetadataValue.table(records, schema=dg.TableSchema(columns=columns))


def heat_map_png(matrix: pd.DataFrame) -> bytes:
    """Phases down, dates across, one coloured cell per state, with a legend."""
    # Imported on use, for start-up speed: only this asset draws, and matplotlib loads slowly.
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    states = list(COLOURS)
    cells = [[states.index(state) for state in matrix[p]] for p in PHASES]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.22 * len(matrix) + 2), 2.8), dpi=90)
    ax.imshow(cells, cmap=ListedColormap(list(COLOURS.values())), vmin=0, vmax=len(states) - 1, aspect="auto")
    ax.set_yticks(range(len(PHASES)), PHASES)
    step = max(1, len(matrix) // 30)  # a readable number of date labels
    ax.set_xticks(range(0, len(matrix), step), [str(d)[5:] for d in matrix["date"][::step]], rotation=90, fontsize=7)
    ax.legend(
        handles=[Patch(color=c, label=s) for s, c in COLOURS.items()],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=7,
        frameon=False,
    )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def cells_png(matrix: pd.DataFrame) -> bytes:
    """The heat map without labels: one CELL_PIXELS square per (phase, date), a 4-bit palette PNG,
    a few hundred bytes even for a season."""
    states = list(COLOURS)
    cells = np.array([[states.index(state) for state in matrix[p]] for p in PHASES], dtype="uint8")
    image = Image.fromarray(np.kron(cells, np.ones((CELL_PIXELS, CELL_PIXELS), dtype="uint8")), mode="P")
    image.putpalette([int(c[i : i + 2], 16) for c in COLOURS.values() for i in (1, 3, 5)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, bits=4)
    return buffer.getvalue()


def heat_map(png: bytes, alt: str) -> dg.MetadataValue:
    # Embedded as a data: URI, so the image lives in the event log with the rest of the metadata.
    # The UI shows markdown of under 1,000 characters inline, longer behind "[Show Markdown]".
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})")


@dg.asset(
    key=["nba_meta", "completeness_report"],
    group_name="reports",
    owners=OWNERS,
    kinds={"pandas", warehouse_kind()},
    required_resource_keys={"warehouse", "raw_store"},
    description="Completeness by date and phase (nba-backfill status) for the last backfill's range, "
    "or the dates given in the config: a table, a heat map and the per-date quality figures.",
)
def completeness_report(context: dg.AssetExecutionContext, config: ReportRange) -> dg.MaterializeResult:
    data = CheckData(context.resources.warehouse, context.resources.raw_store)
    start, end = report_range(config, context.instance, data, Graph(all_assets).order)
    matrix = completeness_matrix(start, end, data, all_assets, checks, context.instance)
    summary = summarize(matrix)
    dates = list(matrix["date"])
    quality = quality_by_date(data.warehouse.read(QUALITY_TABLE, dates, ["quality_score", "early_season_flag"]), dates)
    return dg.MaterializeResult(
        metadata={
            "range": f"{start} .. {end}",
            "complete_game_dates": f"{summary['complete_game_dates']} of {summary['game_dates']}",
            "dates_needing_work": len(summary["dates_needing_work"]),
            "matrix": matrix_table(matrix),
            "heat_map": heat_map(cells_png(matrix), "phases 1-5 down, dates across"),
            "heat_map_labelled": heat_map(heat_map_png(matrix), "completeness by date and phase"),
            "quality_by_date": quality_table(quality),
        }
    )
