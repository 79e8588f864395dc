"""The completeness matrix names each date's state per phase."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.matrix import ORDER, Facts, completeness_matrix, partition_state
from nba_backfill.graph import all_assets, checks
from nba_backfill.reports import COLOURS
from nba_backfill.sources.simulated import SimulatedLeague


def matrix(platform, start, end, instance=None):
    data = CheckData(platform["warehouse"], platform["raw_store"])
    return completeness_matrix(
        dt.date.fromisoformat(start), dt.date.fromisoformat(end), data, all_assets, checks, instance
    )


def row(m, day):
    return m[m["date"] == dt.date.fromisoformat(day)].iloc[0]


def test_a_clean_backfill_is_complete_and_quiet_days_have_no_games(platform, instance):
    materialize_range("2024-10-20", "2024-10-26", resources=platform, instance=instance, log_level="ERROR")
    m = matrix(platform, "2024-10-20", "2024-10-27", instance)
    assert list(row(m, "2024-10-20")[["games", "phase1", "phase5"]]) == [0, "no games", "no games"]
    opening = row(m, "2024-10-22")
    assert opening["games"] > 0 and all(
        opening[p] == "complete" for p in ("phase1", "phase2", "phase3", "phase4", "phase5")
    )
    assert row(m, "2024-10-27")["phase1"] == "missing" and row(m, "2024-10-27")["games"] is pd.NA


def test_an_outage_day_is_failed_and_what_depends_on_it_blocked(platform, instance):
    materialize_range("2024-10-22", "2024-10-26", resources=platform, instance=instance, log_level="ERROR")
    down = platform | {"league": SimulatedLeague(outages="nbac:2024-10-27")}
    materialize_range(
        "2024-10-27", "2024-10-27", resources=down, instance=instance, raise_on_error=False, log_level="CRITICAL"
    )
    materialize_range(
        "2024-10-28",
        "2024-10-28",
        selection="group:phase1_scrapers or group:phase2_raw",
        resources=platform,
        instance=instance,
        log_level="ERROR",
    )
    m = matrix(platform, "2024-10-26", "2024-10-28", instance)
    assert row(m, "2024-10-27")["phase1"] == "failed" and row(m, "2024-10-27")["phase2"] == "blocked"
    assert any("scraped.nbac_schedule materialization" in r for r in row(m, "2024-10-27")["reasons"]["phase1"])
    after = row(m, "2024-10-28")
    assert (
        after["phase2"] == "complete" and after["phase3"] == "blocked" and after["phase4"] == "blocked"
    )  # windows read 10-27


def test_a_rewritten_upstream_makes_downstream_stale(platform):
    materialize_range("2024-10-22", "2024-10-25", resources=platform, log_level="ERROR")
    materialize_range(
        "2024-10-23",
        "2024-10-23",
        selection="key:nba_analytics/player_game_summary",
        resources=platform,
        log_level="ERROR",
    )
    m = matrix(platform, "2024-10-22", "2024-10-25")
    assert row(m, "2024-10-23")["phase5"] == "stale"  # graded against the old summary
    assert row(m, "2024-10-24")["phase3"] == "stale" and row(m, "2024-10-24")["phase4"] == "stale"  # windows read it
    assert all(row(m, "2024-10-22")[p] == "complete" for p in ("phase3", "phase4", "phase5"))


# --- the state function on its own -------------------------------------------------------------


def test_a_written_partition_with_nothing_against_it_is_complete_or_no_games():
    assert partition_state(Facts(written=True, games=3)) == ("complete", [])
    assert partition_state(Facts(written=True, games=0)) == ("no games", [])


def test_unwritten_or_lost_rows_are_missing_and_blocked_when_what_it_reads_is_not_complete():
    assert partition_state(Facts(written=False, games=3)) == ("missing", ["never written"])
    lost = Facts(written=True, games=3, lost=["120 rows written, 80 there now"])
    assert partition_state(lost) == ("missing", ["120 rows written, 80 there now"])
    blocked = Facts(written=False, games=3, upstream_bad=["nba_raw.nbac_schedule 2024-11-05 (failed)"])
    assert partition_state(blocked)[0] == "blocked"
    assert partition_state(Facts(written=True, games=3, upstream_bad=["x 2024-11-05 (stale)"]))[0] == "complete"


def test_each_fact_gives_its_state_worst_first():
    failed = ["nba_raw/nbac_gamebook_player_stats:unique_grain"]
    assert partition_state(Facts(written=True, failed=failed, stale=["a"], degraded=["b"])) == ("failed", failed)
    assert partition_state(Facts(written=True, changed=["c"], stale=["a"]))[0] == "changed"
    assert partition_state(Facts(written=True, stale=["a"], provisional=["p"]))[0] == "stale"
    assert partition_state(Facts(written=True, provisional=["p"], degraded=["d"]))[0] == "provisional"
    assert partition_state(Facts(written=True, degraded=["d"], accepted=["g"])) == ("degraded", ["d"])
    assert partition_state(Facts(written=True, games=2, accepted=["g"])) == ("accepted", ["g"])


def test_every_state_has_a_colour_in_the_completeness_report():
    assert set(COLOURS) == set(ORDER)
