"""The UI alone, on an empty instance: the planned_backfill job launched from the Launchpad for
Phases 4-5 over a week submits the planned backfill (lookback context included), which completes,
and ``nba-backfill status`` finds that week complete. Its own ``dg dev`` (the empty instance)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from dagster._core.execution.backfill import BulkActionStatus

from nba_backfill_tests.ui_tests.test_dagster_ui import BACKFILL_SECONDS, BIN, REPO, _screenshot, dagster_dev, page  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.slow

START, END = "2024-11-08", "2024-11-14"
CONFIG = f"ops:\n  plan_and_submit:\n    config:\n      start_date: '{START}'\n      end_date: '{END}'\n      phases: '4-5'\n"
DONE = {
    BulkActionStatus.COMPLETED,
    BulkActionStatus.COMPLETED_SUCCESS,
    BulkActionStatus.COMPLETED_FAILED,
    BulkActionStatus.FAILED,
    BulkActionStatus.CANCELED,
}


def _finished_backfill(dagster) -> object:
    deadline = time.monotonic() + BACKFILL_SECONDS
    while time.monotonic() < deadline:
        with dagster.instance() as instance:
            found = instance.get_backfills(limit=1)
        if found and found[0].status in DONE:
            return found[0]
        time.sleep(2)
    pytest.fail(f"no backfill finished within {BACKFILL_SECONDS} s")


def test_the_launchpad_plans_phases_4_5_with_their_lookback_and_the_week_ends_complete(dagster_dev, page):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{dagster_dev.url}/locations/nba_backfill/jobs/planned_backfill/playground")
    page.locator(".CodeMirror").first.wait_for()
    page.evaluate("yaml => document.querySelector('.CodeMirror').CodeMirror.setValue(yaml)", CONFIG)
    _screenshot(page, "planned-backfill-launchpad")
    page.get_by_role("button", name="Launch Run").click()

    backfill = _finished_backfill(dagster_dev)
    assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS
    target = backfill.asset_backfill_data.target_subset
    keys = {k.to_user_string(): k for k in target.partitions_subsets_by_asset_key}
    assert (
        min(target.get_partitions_subset(keys["nba_analytics/player_game_summary"]).get_partition_keys())
        == "2024-10-09"
    )

    page.goto(f"{dagster_dev.url}/runs/b/{backfill.backfill_id}")
    expect(page.get_by_text("Succeeded", exact=True).first).to_be_visible()
    _screenshot(page, "planned-backfill")

    status = subprocess.run(
        [str(BIN / "nba-backfill"), "status", "--start-date", START, "--end-date", END, "--json"],
        cwd=REPO,
        env=dagster_dev.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    dates = json.loads(status.stdout)["dates"]
    phases = ("phase1", "phase2", "phase3", "phase4", "phase5")
    assert [[d[p] for p in phases] for d in dates] == [["complete"] * 5] * 7, status.stdout[-3000:]
    assert status.returncode == 0  # phase 3 on END too: the plan covers every phase up to the target ones
