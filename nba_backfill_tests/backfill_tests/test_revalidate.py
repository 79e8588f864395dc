"""Check results recorded per partition in the instance, as `validate` and re-validation do."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd

from nba_backfill.backfill.revalidate import record
from nba_backfill.phases.gate import failed_checks

D = dt.date(2024, 11, 5)
KEY = dg.AssetCheckKey(dg.AssetKey(["nba_raw", "nbac_gamebook_player_stats"]), "unique_grain")


def results(passed: bool) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "asset": "nba_raw/nbac_gamebook_player_stats",
                "check": "unique_grain",
                "game_date": D,
                "passed": passed,
                "severity": "ERROR",
                "blocking": True,
                "description": "" if passed else "3 duplicate keys",
                "metadata": {"duplicates": 0 if passed else 3},
            }
        ]
    )


def test_each_validation_is_the_latest_result_of_its_partitions(instance):
    assert record(instance, results(False), "validate 1") is not None
    assert list(failed_checks(instance, [KEY], [str(D)])) == [(KEY, str(D))]
    record(instance, results(True), "validate 2")  # a second result for the same partition
    assert list(failed_checks(instance, [KEY], [str(D)])) == []
    run = instance.get_runs(limit=1)[0]
    assert run.tags["nba_backfill/validate"] == "validate 2"
    assert record(instance, results(True).iloc[:0], "nothing") is None
