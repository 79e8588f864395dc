"""Grading you can trust: how the predictions and the lines did against the points scored.

Pure functions of ``prediction_accuracy`` rows. Over the predictions that had a line and were not
voided (the player played): how many, the mean absolute error of the predicted points (where there
was one: not on opening night) and of the line itself, and the hit rate of the OVER/UNDER calls,
with pushes, PASS and NO_LINE counted apart. By date (the metadata of each ``prediction_accuracy``
partition, numbers Dagster plots) and by quality band (10 x games in the window: below 50 the
system always passes); for a run's range, a plot small enough for the UI to show inline.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping

import dagster as dg
import numpy as np
import pandas as pd
from PIL import Image  # matplotlib's own dependency

#: Quality bands: no recommendation below 50 (< 5 games), full history at 100 (10 games).
BANDS = ((0, 40, "0-40"), (50, 90, "50-90"), (100, 100, "100"))
#: Dagster's UI shows markdown of under 1,000 characters inline (on the Overview), longer behind
#: "[Show Markdown]": the inline plot has at most this many columns (longer ranges are binned)...
INLINE_COLUMNS = 40
#: ...of this many pixels at most (bars of 1 px at least, a gap between dates), in panels this tall.
COLUMN_PIXELS, PANEL_PIXELS = 15, 24
#: The inline plot's palette: hit rate above (green from 50 %, red below, a grey 50 % rule), the
#: MAE of the prediction (blue) and of the line (orange) side by side below.
COLOURS = {
    "background": "#ffffff",
    "rule": "#bdbdbd",
    "hit": "#2e7d32",
    "miss": "#c62828",
    "prediction": "#3949ab",
    "line": "#ff8f00",
}
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
    # Masks over the whole frame rather than filtered copies of it: this runs for every date and
    # quality band of a range, and each copy carried all of the table's columns.
    voided = rows["is_voided"].astype(bool)
    graded = ~voided
    lined = graded & rows["line_value"].notna()
    called = lined & rows["recommendation"].isin(["OVER", "UNDER"])
    actual, line, recommendation = rows["actual_points"], rows["line_value"], rows["recommendation"]
    push = (actual == line)[called]
    correct = rows["prediction_correct"][called].astype("boolean")
    hits, misses = int((correct == True).sum()), int((correct == False).sum())  # noqa: E712 (NA is neither)

    def mae(error: pd.Series) -> float | None:
        # Opening night has no history: its predictions are NULL and are not graded.
        known = error.dropna()
        return round(float(known.abs().mean()), 2) if len(known) else None

    return {
        "predictions": len(rows),
        "with_line": int(lined.sum()),
        "mae_predicted": mae((rows["predicted_points"] - actual)[lined]),
        "mae_line": mae((line - actual)[lined]),
        "calls": int(called.sum()),
        "hits": hits,
        "misses": misses,
        "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
        "pushes": int(push.sum()),
        "pass": int((recommendation[graded] == "PASS").sum()),
        "no_line": int((recommendation[graded] == "NO_LINE").sum()),
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


def _markdown_png(png: bytes, alt: str) -> dg.MetadataValue:
    # Embedded as a data: URI, so the image lives in the event log with the rest of the metadata.
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})")


def by_date_plot(by_date: pd.DataFrame) -> dg.MetadataValue:
    """A labelled PNG of the two MAEs and the hit rate by date (too long for the UI to show inline)."""
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
    return _markdown_png(buffer.getvalue(), "grading by date")


def binned(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``game_date`` moved to the first date of its bin of consecutive dates, so that a
    range has at most :data:`INLINE_COLUMNS` bins (a week has one a date)."""
    first = rows["game_date"].min()
    days = (rows["game_date"].max() - first).days + 1
    width = -(-days // INLINE_COLUMNS)  # days a bin
    return rows.assign(game_date=first + pd.to_timedelta((rows["game_date"] - first).dt.days // width * width, "D"))


def compact_png(by_date: pd.DataFrame) -> bytes:
    """The range at a glance, small enough to show inline: per date (or bin) a hit-rate bar above
    and the two MAEs below (scaled to the range's largest), a 4-bit palette PNG without text."""
    column = max(3, min(COLUMN_PIXELS, 420 // len(by_date)))
    bar = (column - 1) // 2
    colour = {name: i for i, name in enumerate(COLOURS)}
    top = np.zeros((PANEL_PIXELS, len(by_date) * column), dtype="uint8")
    bottom = np.zeros_like(top)
    top[PANEL_PIXELS // 2, :] = colour["rule"]
    maes = by_date[["mae_predicted", "mae_line"]].apply(pd.to_numeric)
    # The largest MAE is the full bar; a range without one (or all exact) draws against 1.
    scale = (float(np.nanmax(maes.to_numpy())) if maes.notna().any().any() else 0.0) or 1.0

    def height(share: float) -> int:
        return max(1, round(share * PANEL_PIXELS))

    for i, (rate, predicted, line) in enumerate(zip(pd.to_numeric(by_date["hit_rate"]), *maes.T.to_numpy())):
        x = i * column
        if not pd.isna(rate):
            top[PANEL_PIXELS - height(rate) :, x : x + column - 1] = colour["hit" if rate >= 0.5 else "miss"]
        for offset, value, name in ((0, predicted, "prediction"), (bar, line, "line")):
            if not pd.isna(value):
                bottom[PANEL_PIXELS - height(value / scale) :, x + offset : x + offset + bar] = colour[name]
    gap = np.full((2, top.shape[1]), colour["background"], dtype="uint8")
    image = Image.fromarray(np.vstack([top, gap, bottom]), mode="P")
    image.putpalette([int(c[i : i + 2], 16) for c in COLOURS.values() for i in (1, 3, 5)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, bits=4)
    return buffer.getvalue()


def run_figures(rows: pd.DataFrame) -> Mapping[str, object]:
    """The range's figures, its by-band table and the by-date plot, inline on the Overview, with its
    labelled version behind "[Show Markdown]" (one run's materialization)."""
    overall = figures(rows)
    by_date = grade(rows, "game_date")
    if not len(by_date):
        plots = {"grading/by_date_plot": dg.MetadataValue.md("_no rows_")}
    else:
        plots = {
            "grading/by_date_plot": _markdown_png(
                compact_png(grade(binned(rows), "game_date")),
                "grading by date: hit rate over MAE of prediction and line",
            ),
            "grading/by_date_plot_labelled": by_date_plot(by_date),
        }
    return {f"grading/{k}": v for k, v in overall.items() if v is not None} | {
        "grading/by_quality_band": _md(grade(rows, "quality_band") if len(rows) else pd.DataFrame()),
        **plots,
    }
