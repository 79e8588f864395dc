"""Grading you can trust: how the predictions and the lines did against the points scored.

Pure functions of ``prediction_accuracy`` rows. Over the predictions that had a line and were not
voided (the player played): how many, the mean absolute error of the predicted points (where there
was one: not on opening night) and of the line itself, and the hit rate of the OVER/UNDER calls, with pushes, PASS and NO_LINE counted apart.
By date (the metadata of each ``prediction_accuracy`` partition, which Dagster plots across
partitions) and by quality band (10 x games in the window: below 50 the system always passes).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping

import dagster as dg
import numpy as np
import pandas as pd

#: Quality bands: no recommendation below 50 (< 5 games), full history at 100 (10 games).
BANDS = ((0, 40, "0-40"), (50, 90, "50-90"), (100, 100, "100"))
FIGURES = [
    "predictions",
    "with_line",
    "mae_predicted",
    "mae_line",
    "calls",
    "hits",
    "misses",
    "hit_rate",
    "pushes",
    "pass",
    "no_line",
    "voided",
]


def quality_band(quality: pd.Series) -> pd.Series:
    labels = np.select([quality.between(lo, hi) for lo, hi, _ in BANDS], [label for *_, label in BANDS], "other")
    return pd.Series(labels, index=quality.index)


def figures(rows: pd.DataFrame) -> dict[str, float | int | None]:
    """The graded figures of ``rows`` (prediction_accuracy); MAEs and hit rate None when undefined."""
    voided = rows["is_voided"].astype(bool)
    graded = rows[~voided]
    lined = graded[graded["line_value"].notna()]
    called = lined[lined["recommendation"].isin(["OVER", "UNDER"])]
    push = called["actual_points"] == called["line_value"]
    correct = called["prediction_correct"].astype("boolean")
    hits, misses = int((correct == True).sum()), int((correct == False).sum())  # noqa: E712 (NA is neither)

    def mae(error: pd.Series) -> float | None:
        # Opening night has no history: its predictions are NULL and are not graded.
        known = error.dropna()
        return round(float(known.abs().mean()), 2) if len(known) else None

    return {
        "predictions": len(rows),
        "with_line": len(lined),
        "mae_predicted": mae(lined["predicted_points"] - lined["actual_points"]),
        "mae_line": mae(lined["line_value"] - lined["actual_points"]),
        "calls": len(called),
        "hits": hits,
        "misses": misses,
        "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
        "pushes": int(push.sum()),
        "pass": int((graded["recommendation"] == "PASS").sum()),
        "no_line": int((graded["recommendation"] == "NO_LINE").sum()),
        "voided": int(voided.sum()),
    }


def grade(rows: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """One row of :data:`FIGURES` per ``by`` value (``game_date`` or ``quality_band``), or overall."""
    if by is None:
        return pd.DataFrame([figures(rows)], columns=FIGURES)
    keyed = rows
    if by == "quality_band":  # bands in quality order, not text order
        order = [label for *_, label in BANDS] + ["other"]
        keyed = rows.assign(
            quality_band=pd.Categorical(quality_band(rows["quality_score"]), categories=order, ordered=True)
        )
    table = [{by: key, **figures(group)} for key, group in keyed.groupby(by, observed=True)]
    return pd.DataFrame(table, columns=[by, *FIGURES])


def partition_figures(rows: pd.DataFrame, dates: list[dt.date]) -> dict[dt.date, dict[str, object]]:
    """Per date: the figures (numbers Dagster plots across partitions) and the by-band table."""
    out: dict[dt.date, dict[str, object]] = {}
    for day in dates:
        day_rows = rows[rows["game_date"] == pd.Timestamp(day)]
        numbers = {f"grading/{k}": v for k, v in figures(day_rows).items() if v is not None}
        bands = grade(day_rows, "quality_band") if len(day_rows) else pd.DataFrame()
        out[day] = numbers | {"grading/by_quality_band": _md(bands)}
    return out


def _md(table: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(table.to_markdown(index=False) if len(table) else "_no rows_")


def by_date_plot(by_date: pd.DataFrame) -> dg.MetadataValue:
    """A PNG (as a markdown data: URI) of the two MAEs and the hit rate by date."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.5), dpi=90, sharex=True)
    x = [str(d)[5:10] for d in by_date["game_date"]]
    top.plot(x, pd.to_numeric(by_date["mae_predicted"]), marker="o", label="prediction MAE")
    top.plot(x, pd.to_numeric(by_date["mae_line"]), marker="o", label="line MAE")
    top.set_ylabel("points")
    top.legend(fontsize=7, frameon=False)
    bottom.bar(x, pd.to_numeric(by_date["hit_rate"]).fillna(0), color="#5c6bc0")
    bottom.axhline(0.5, color="grey", linewidth=0.8)
    bottom.set_ylabel("hit rate")
    bottom.tick_params(axis="x", rotation=90, labelsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    # Embedded as a data: URI, so the image lives in the event log with the rest of the metadata.
    return dg.MetadataValue.md(
        f"![grading by date](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"
    )


def run_figures(rows: pd.DataFrame) -> Mapping[str, object]:
    """The range's figures, its by-band table and the by-date plot (one run's materialization)."""
    overall = figures(rows)
    by_date = grade(rows, "game_date")
    return {f"grading/{k}": v for k, v in overall.items() if v is not None} | {
        "grading/by_quality_band": _md(grade(rows, "quality_band") if len(rows) else pd.DataFrame()),
        "grading/by_date_plot": by_date_plot(by_date) if len(by_date) else dg.MetadataValue.md("_no rows_"),
    }
