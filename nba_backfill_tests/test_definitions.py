"""The graph as DESIGN.md §3 draws it: 24 daily-partitioned assets in five phase groups."""

from __future__ import annotations

import dagster as dg

from nba_backfill.calendar import game_dates
from nba_backfill.definitions import defs
from nba_backfill.naming import is_scraped

GROUPS = {
    "phase1_scrapers": "scraped",
    "phase2_raw": "nba_raw",
    "phase3_analytics": "nba_analytics",
    "phase4_precompute": "nba_precompute",
    "phase5_predictions": "nba_predictions",
}


def _assets():
    graph = defs.resolve_asset_graph()
    return {key: graph.get(key) for key in graph.get_all_asset_keys()}


def _phase_assets():
    return {key: node for key, node in _assets().items() if node.group_name in GROUPS}


def test_the_graph_has_24_assets_in_five_phase_groups_keyed_by_dataset():
    assets = _phase_assets()
    assert len(assets) == 24
    per_group = {}
    for key, node in assets.items():
        assert GROUPS[node.group_name] == key.path[0], key
        per_group[node.group_name] = per_group.get(node.group_name, 0) + 1
    assert per_group == {
        "phase1_scrapers": 6,
        "phase2_raw": 6,
        "phase3_analytics": 5,
        "phase4_precompute": 5,
        "phase5_predictions": 2,
    }


def test_the_only_other_asset_is_the_completeness_report():
    others = {key.to_user_string(): node.group_name for key, node in _assets().items() if node.group_name not in GROUPS}
    assert others == {"nba_meta/completeness_report": "reports"}


def test_every_asset_is_partitioned_by_game_date_and_runs_a_range_in_one_run():
    for key, node in _phase_assets().items():
        assert node.partitions_def == game_dates, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_the_default_job_resolves():
    assert defs.resolve_implicit_global_asset_job_def() is not None


def test_the_scrapers_and_only_they_are_raw_files_however_their_names_are_spelled():
    assets = _phase_assets()
    scraped = {key for key, node in assets.items() if node.group_name == "phase1_scrapers"}
    for key in assets:
        name = key.to_user_string()
        assert is_scraped(key) == is_scraped(name) == is_scraped(name.replace("/", ".")) == (key in scraped)
