"""Benchmark: the bounded JSON loader against plain ``json.loads`` on the recorded payloads.

    python bench/payloads.py

Every raw file a parser reads goes through ``nba_backfill.bounded_json.load``: this measures what
its bounds (size, depth, int64) cost per file on the largest recorded NBA.com and Odds API answers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "nba_backfill_tests" / "fixtures" / "real"
RESULTS = Path(__file__).resolve().parent / "results"
FILES = [
    "nbacom_playbyplayv3_0022200552.json", "nbacom_boxscoretraditionalv3_0022200552.json",
    "nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json", "oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json",
]  # fmt: skip
REPEATS = 200


def _per_call_ms(call, raw: bytes) -> float:
    began = time.perf_counter()
    for _ in range(REPEATS):
        call(raw)
    return round((time.perf_counter() - began) / REPEATS * 1000, 3)


def main() -> int:
    from nba_backfill import bounded_json

    report = {}
    for name in FILES:
        raw = (REAL / name).read_bytes()
        plain = _per_call_ms(json.loads, raw)
        bounded = _per_call_ms(lambda r: bounded_json.load(r, name), raw)
        report[name] = {
            "bytes": len(raw),
            "json_loads_ms": plain,
            "bounded_load_ms": bounded,
            "overhead": round(bounded / plain - 1, 2),
        }
        print(
            f"{name:70} {len(raw):>8} B  json.loads {plain:7.3f} ms  bounded {bounded:7.3f} ms  "
            f"(+{report[name]['overhead']:.0%})"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "payloads.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
