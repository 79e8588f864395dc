"""The one shape every table asset shares.

A table asset is a pure function ``compute(dates, **inputs) -> DataFrame`` plus its wiring:
which tables it reads on the same date and which it reads over the lookback window. The factory
turns that into a daily-partitioned, range-capable Dagster asset that

- refuses to compute from an upstream partition that was never written (Dagster would hand over
  fewer rows and report success: the "partial write reported as success" failure mode),
- refuses to compute when a lookback window is incomplete against the schedule (and Dagster does
  not stop later backfill runs on a failed blocking check, so the asset must); a game whose box
  score is accepted as never coming (nba_meta.accepted_gaps) is known-absent, not missing,
- stamps ``processed_at``, conforms the rows to the table's declared columns (phases/schemas.py)
  and reports, on each date's own materialization, its rows and where they apply its quality
  spread, early-season rows and share of players with a line (phases/partition_figures.py); the
  run's date count and a preview of its first rows go on all of them.
"""

import datetime as dt
import inspect
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from nba_backfill.calendar import game_dates, mapped_dates, schedule_through_date
from nba_backfill.calendar import lookback as lookback_mapping
from nba_backfill.environment import backfill_policy, warehouse_kind
from nba_backfill.errors import RawPayloadError
from nba_backfill.naming import asset_key, is_scraped, table_name
from nba_backfill.phases.failed_dates import dates_failed
from nba_backfill.phases.gate import declared_blocking, failed_blocking_checks
from nba_backfill.phases.lookback import describe_gaps, window_gaps
from nba_backfill.phases.partition_figures import attach, table_figures
from nba_backfill.phases.schemas import column_schema, conform
from nba_backfill.storage import accepted_gaps
from nba_backfill.storage.io_managers import partition_dates
from nba_backfill.storage.warehouse import Warehouse

SCHEDULE = "nba_raw/nbac_schedule"
OWNERS = ["team:data-platform"]
PREVIEW_ROWS = 5


def _inputs(
    same_day: Mapping[str, str], lookback: Mapping[str, str], columns: Mapping[str, Sequence[str]]
) -> dict[str, dg.AssetIn]:
    def read(param: str, key: str, mapping: dg.PartitionMapping | None = None) -> dg.AssetIn:
        metadata = {"columns": list(columns[param])} if param in columns else None
        return dg.AssetIn(key=asset_key(key), partition_mapping=mapping, metadata=metadata)

    ins = {param: read(param, key) for param, key in same_day.items()}
    ins |= {param: read(param, key, lookback_mapping) for param, key in lookback.items()}
    if lookback:
        ins["schedule"] = dg.AssetIn(key=asset_key(SCHEDULE), partition_mapping=schedule_through_date)
    return ins


def preview(df: pd.DataFrame) -> dg.MetadataValue:
    """The first rows as a markdown table (pandas renders it with tabulate)."""
    return dg.MetadataValue.md(df.head(PREVIEW_ROWS).to_markdown(index=False) if len(df) else "_no rows_")


def daily_asset(**kwargs: Any) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """``dg.asset`` with what every asset here shares: game-date partitions, and one run per range
    (``BackfillPolicy.single_run``: a season is one run, not hundreds), or per chunk of
    ``NBA_BACKFILL_RUN_DATES`` dates, which a daemon backfill runs at once (gcp target). Backfill
    policies are beta in 1.13, hence the warning filter, kept to this one place."""

    def decorate(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dg.BetaWarning)
            return dg.asset(partitions_def=game_dates, backfill_policy=backfill_policy(), owners=OWNERS, **kwargs)(fn)

    return decorate


def unwritten_inputs(dates: list[dt.date], frames: Mapping[str, object]) -> dict[str, list[str]]:
    """Same-date warehouse inputs whose partition for one of ``dates`` was never written."""
    missing = {}
    for param, frame in frames.items():
        if isinstance(frame, pd.DataFrame) and "present_dates" in frame.attrs:
            absent = sorted(set(dates) - set(frame.attrs["present_dates"]))
            if absent:
                missing[param] = [str(d) for d in absent]
    return missing


def verify_inputs(dates: list[dt.date], frames: Mapping[str, object], same_day: Mapping[str, str]) -> None:
    # The schedule read through D must hold D itself too: D's games are what is computed.
    checked = {p: frames[p] for p in [*same_day, "schedule"] if p in frames}
    missing = unwritten_inputs(dates, checked)
    if missing:
        detail = "; ".join(
            f"{param}: {', '.join(d[:10])}{', …' if len(d) > 10 else ''}" for param, d in missing.items()
        )
        raise dg.Failure(
            description=f"upstream partitions were never materialized ({detail})",
            metadata={param: d for param, d in missing.items()},
        )


def accepted_absent(warehouse: Warehouse, schedule: pd.DataFrame) -> set[str]:
    """Games of ``schedule`` whose box score is accepted as never coming (nba_meta.accepted_gaps)."""
    days = sorted(set(pd.to_datetime(schedule["game_date"]).dt.date)) if len(schedule) else []
    gaps = accepted_gaps.accepted(warehouse, days) if days else pd.DataFrame(columns=accepted_gaps.COLUMNS)
    return accepted_gaps.absent_games(schedule, accepted_gaps.accepted_games(gaps, accepted_gaps.GAME_FEED))


def verify_lookback(
    dates: list[dt.date], frames: Mapping[str, pd.DataFrame], lookback: Mapping[str, str], absent: set[str]
) -> None:
    """Raise ``dagster.Failure`` naming the missing dates and games of any incomplete window
    (``absent`` games are accepted as never coming: not missing)."""
    gaps = window_gaps(dates, frames["schedule"], {table_name(k): frames[p] for p, k in lookback.items()}, absent)
    if not gaps.empty:
        raise dg.Failure(
            description=describe_gaps(gaps),
            metadata={
                "missing_dates": sorted({str(d) for d in gaps["missing_date"]}),
                "missing_games": sorted({g for g in gaps["game_id"] if g})[:100],
                "affected_dates": sorted({str(d) for d in gaps["analysis_date"]}),
            },
        )


def upstream_partitions(
    dates: list[dt.date], same_day: Mapping[str, str], lookback: Mapping[str, str]
) -> dict[dg.AssetKey, list[str]]:
    """The upstream partitions a run over ``dates`` reads, per upstream asset."""
    window = sorted({str(w) for d in dates for w in mapped_dates(lookback_mapping, d)})
    reads = {asset_key(k): [str(d) for d in dates] for k in same_day.values()}
    return reads | {asset_key(k): window for k in lookback.values()}


def verify_upstream_checks(context: AssetExecutionContext, reads: Mapping[dg.AssetKey, list[str]]) -> None:
    blocking = declared_blocking(context.assets_def.specs_by_key[context.asset_key])
    failed = failed_blocking_checks(context.instance, reads, blocking)
    if failed:
        raise dg.Failure(
            description=f"blocking checks failed on partitions this asset reads: {', '.join(failed[:10])}"
            + (", …" if len(failed) > 10 else ""),
            metadata={"failed_checks": failed[:100]},
        )


def computed(compute: Callable[..., pd.DataFrame], dates: list[dt.date], frames: Mapping[str, Any]) -> pd.DataFrame:
    """``compute`` over ``dates``; a raw file of one of them that cannot be parsed fails the step
    naming its date (phases/failed_dates.py), so the runner re-runs the range without it at once
    instead of searching for it by bisection."""
    try:
        return compute(dates, **frames)
    except RawPayloadError as err:
        day = next((d for d in dates if str(d) == err.game_date), None)
        if day is None:
            raise
        raise dates_failed({day: str(err)}) from err


def in_blocks(
    dates: list[dt.date], inputs: Mapping[str, Any], size: int | None
) -> list[tuple[list[dt.date], Mapping[str, Any]]]:
    """The range as blocks of ``size`` dates, each with only its own dates' raw files (all of it at
    once without a size): parsed payloads cost about ten times the conformed frame (Arrow
    strings), so a season's chunk parsed at once peaked at ~200 MiB above what the process keeps."""
    if not size or len(dates) <= size:
        return [(dates, inputs)]
    blocks = [dates[i : i + size] for i in range(0, len(dates), size)]
    return [(block, {param: payloads.on(set(block)) for param, payloads in inputs.items()}) for block in blocks]


def conformed(
    key: str,
    compute: Callable[..., pd.DataFrame],
    dates: list[dt.date],
    inputs: Mapping[str, Any],
    processed_at: pd.Timestamp,
) -> pd.DataFrame:
    """``compute`` over ``dates`` (:func:`computed`), stamped and conformed to the table's columns."""
    df = computed(compute, dates, inputs).reset_index(drop=True)
    df["processed_at"] = processed_at
    return conform(key, df)


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The blocks' frames as one (the blocks without rows left out, unless all are)."""
    kept = [f for f in frames if len(f)] or frames[:1]
    return kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)


def table_asset(
    key: str,
    *,
    group: str,
    compute: Callable[..., pd.DataFrame],
    description: str,
    same_day: Mapping[str, str] | None = None,
    lookback: Mapping[str, str] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    partition_metadata: Callable[[pd.DataFrame, list[dt.date]], Mapping[dt.date, Mapping[str, Any]]] | None = None,
    run_metadata: Callable[[pd.DataFrame], Mapping[str, Any]] | None = None,
    date_blocks: int | None = None,
) -> dg.AssetsDefinition:
    """An asset over ``compute``. With a ``lookback`` the schedule (D-30..D) is read to verify the
    window, and handed to ``compute`` too if it has a ``schedule`` parameter. ``columns`` narrows
    what is read of a wide input (param -> columns), to keep season-long runs lean.
    ``partition_metadata`` adds metadata to each date's materialization (a range run records one
    per date), ``run_metadata`` to the run's. With ``date_blocks`` (an asset whose inputs are all
    raw files, each parsed on its own date) a range is computed that many dates at a time: see
    :func:`in_blocks`."""
    same_day, lookback = dict(same_day or {}), dict(lookback or {})
    if date_blocks and (lookback or not all(map(is_scraped, same_day.values()))):
        raise ValueError(f"{key}: date_blocks is for assets that read only their own dates' raw files")
    dataset, name = key.split("/")
    wants_schedule = "schedule" in inspect.signature(compute).parameters

    @daily_asset(
        name=name,
        key_prefix=[dataset],
        ins=_inputs(same_day, lookback, dict(columns or {})),
        group_name=group,
        description=description,
        io_manager_key="warehouse_io_manager",
        required_resource_keys={"warehouse"} if lookback else None,  # accepted gaps: see verify_lookback
        metadata={"partition_expr": "game_date", "dagster/column_schema": column_schema(key)},
        kinds={"pandas", warehouse_kind()},
    )
    def _table(context: AssetExecutionContext, **frames: pd.DataFrame) -> dg.Output[pd.DataFrame]:
        dates = partition_dates(context.partition_keys)
        verify_upstream_checks(context, upstream_partitions(dates, same_day, lookback))
        verify_inputs(dates, frames, same_day)
        if lookback:
            verify_lookback(dates, frames, lookback, accepted_absent(context.resources.warehouse, frames["schedule"]))
        if not wants_schedule:
            frames.pop("schedule", None)
        processed_at = pd.Timestamp.now(tz="UTC")
        blocks = in_blocks(dates, frames, date_blocks)
        df = concat([conformed(key, compute, block, inputs, processed_at) for block, inputs in blocks])
        extra = partition_metadata(df, dates) if partition_metadata else {}
        attach(context, {day: {**figures, **extra.get(day, {})} for day, figures in table_figures(df, dates).items()})
        return dg.Output(
            df, metadata={"run_dates": len(dates), "preview": preview(df), **(run_metadata(df) if run_metadata else {})}
        )

    return _table
