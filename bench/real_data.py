"""Benchmark and grading on real data: the 2025-26 stretch (2025-10-21..2025-11-24) from empty.

    python bench/real_data.py            # ~ a few minutes on 2 cores

In a fresh subprocess with a fresh NBA_BACKFILL_HOME and NBA_BACKFILL_SOURCE=dataset (the
vendored nba_backfill/datasets/real_2025_26), runs `nba-backfill run` over the stretch as an
operator would, then `status` and `validate --strict`, and grades the predictions against the
points scored: predictions with a line, the mean absolute error of the predicted points and of the
line, the OVER/UNDER hit rate with pushes, PASS and NO_LINE apart; overall, by quality band and
by date. Wall time and peak RSS are the run's own. Written to bench/results/real_data.json.

Beside the platform's own line (the documented rule: latest pre-tip snapshot by book priority),
it reports the data README's comparison set: player-games with a line and at least 5 earlier games
(quality >= 50), with the median line across books, where the README measured a line MAE of 4.89
and a baseline MAE of 5.09.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START, END = "2025-10-21", "2025-11-24"
RESULTS = Path(__file__).resolve().parent / "results"
README_FIGURES = {"player_games": 2378, "dates": 26, "mae_line_median": 4.89, "mae_baseline": 5.09}


def readme_comparison(warehouse, dates) -> dict:
    """The README's set: a line and >= 5 earlier games; the median of the books' latest pre-tip lines."""
    from nba_backfill.phases.phase3_analytics.lines import pre_tip

    graded = warehouse.read("nba_predictions.prediction_accuracy", dates)
    props = pre_tip(warehouse.read("nba_raw.odds_api_player_points_props", dates))
    latest = props.sort_values("snapshot_timestamp").drop_duplicates(
        ["game_date", "player_lookup", "bookmaker"], keep="last"
    )
    median = latest.groupby(["game_date", "player_lookup"])["points_line"].median().rename("median_line").reset_index()
    rows = graded[graded["line_value"].notna() & ~graded["is_voided"].astype(bool) & (graded["quality_score"] >= 50)]
    rows = rows.merge(median, on=["game_date", "player_lookup"], how="left")
    return {
        "player_games": len(rows),
        "dates": int(rows["game_date"].nunique()),
        "mae_line_median": round(float((rows["median_line"] - rows["actual_points"]).abs().mean()), 2),
        "mae_line_chosen": round(float((rows["line_value"] - rows["actual_points"]).abs().mean()), 2),
        "mae_predicted": round(float((rows["predicted_points"] - rows["actual_points"]).abs().mean()), 2),
    }


def measure() -> dict:
    """In the child: the run from empty, then status, validate --strict and the grading."""
    from nba_backfill.backfill.cli import main as nba_backfill
    from nba_backfill.calendar import date_range
    from nba_backfill.environment import resources
    from nba_backfill.phases.phase5_predictions.grading import figures, grade

    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        run_exit = nba_backfill(["run", "--start-date", START, "--end-date", END, "--json"])
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    outputs = {}
    for command in ("status", "validate"):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            extra = ["--strict"] if command == "validate" else []
            code = nba_backfill([command, "--start-date", START, "--end-date", END, *extra, "--json"])
        outputs[command] = (code, json.loads(buffer.getvalue()))
    dates = date_range(START, END)
    warehouse = resources()["warehouse"]
    rows = warehouse.read("nba_predictions.prediction_accuracy", dates)
    by_date = grade(rows, "game_date")
    by_date["game_date"] = by_date["game_date"].astype(str)
    return {
        "range": f"{START}..{END}",
        "run_exit": run_exit,
        "wall_seconds": round(seconds, 1),
        "peak_rss_mib": peak,
        "status_exit": outputs["status"][0],
        "status": outputs["status"][1]["summary"],
        "validate_strict_exit": outputs["validate"][0],
        "validate_errors": errors_of(outputs["validate"][1]),
        "validate_warnings": [f for f in outputs["validate"][1]["failures"] if f["severity"] == "WARN"],
        "overall": figures(rows),
        "by_quality_band": records(grade(rows, "quality_band")),
        "by_date": records(by_date),
        "readme_comparison": readme_comparison(warehouse, dates) | {"readme": README_FIGURES},
    }


def records(table) -> list[dict]:
    """Rows as JSON-ready dicts: an undefined figure (a hit rate without calls) is null, not NaN."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def errors_of(validate: dict) -> list[dict]:
    return [r for r in validate["failures"] if r["severity"] == "ERROR"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_args().child:
        print(json.dumps(measure(), default=str))
        return 0
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"NBA_BACKFILL_HOME": home, "NBA_BACKFILL_SOURCE": "dataset"}
        for variable in (
            "NBA_SIM_OUTAGES",
            "NBA_SIM_CORRUPT",
            "DAGSTER_HOME",
            "NBA_DATASET_DIR",
            "NBA_BACKFILL_TARGET",
        ):
            env.pop(variable, None)
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "real_data.json").write_text(json.dumps(report, indent=2))
    o, c = report["overall"], report["readme_comparison"]
    print(
        f"{report['range']}: run exit {report['run_exit']}, wall {report['wall_seconds']} s, "
        f"peak RSS {report['peak_rss_mib']} MiB; status exit {report['status_exit']}, "
        f"validate --strict exit {report['validate_strict_exit']} ({len(report['validate_errors'])} ERROR)"
    )
    print(
        f"predictions {o['predictions']}, with a line {o['with_line']}: MAE predicted {o['mae_predicted']}, "
        f"MAE line {o['mae_line']}; calls {o['calls']}: {o['hits']} hits, {o['misses']} misses "
        f"(hit rate {o['hit_rate']}), pushes {o['pushes']}, PASS {o['pass']}, NO_LINE {o['no_line']}, voided {o['voided']}"
    )
    for band in report["by_quality_band"]:
        print(
            f"  quality {band['quality_band']:>5}: with line {band['with_line']:5}, MAE predicted {band['mae_predicted']}, "
            f"MAE line {band['mae_line']}, hit rate {band['hit_rate']} of {band['hits'] + band['misses']}"
        )
    print(
        f"README set (line, >= 5 earlier games): {c['player_games']} player-games on {c['dates']} dates; "
        f"median line MAE {c['mae_line_median']} (README {README_FIGURES['mae_line_median']}), "
        f"chosen line MAE {c['mae_line_chosen']}, prediction MAE {c['mae_predicted']} "
        f"(README baseline {README_FIGURES['mae_baseline']})"
    )
    for failure in report["validate_errors"] + report["validate_warnings"]:
        print(
            f"  {failure['severity']} {failure['game_date']} {failure['asset']}:{failure['check']} {failure['description']}"
        )
    return 0 if report["run_exit"] == 0 and report["status_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
