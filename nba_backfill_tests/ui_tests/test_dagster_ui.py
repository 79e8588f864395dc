"""End to end through Dagster: ``dg dev`` (webserver + daemon) as a subprocess, a 7-date
``nba-backfill run --submit``, and the UI in headless Chromium: what an operator opens after a
command-line backfill (a table's partition with that date's own figures, the completeness report's
heat map, the grading's figures and plots).

One ``dg dev`` and one backfill serve every test here: starting it takes ~8 s, the backfill
(7 target dates plus 30 lookback dates for phases 1-3) ~2-3 minutes. The week is the season's third,
so that players have the five games in their window that OVER/UNDER calls need (grades to show).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.instance.ref import InstanceRef

from nba_backfill.backfill import cli, submit
from nba_backfill.calendar import GROUP_OF_PHASE
from nba_backfill.graph import checks
from nba_backfill.phases.phase5_predictions import grading
from nba_backfill.testing.plugin import ISOLATED_VARIABLES
from nba_backfill_tests.conftest import free_port
from nba_backfill_tests.processes import stop

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's dagster and nba-backfill scripts
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's package: Playwright's own browser downloads are not used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START, END = "2024-11-04", "2024-11-10"
TARGET = [f"2024-11-{d:02d}" for d in range(4, 11)]
LOOKBACK_START = "2024-10-05"  # START - 30 days: phases 1-3 run from here
DAY = "2024-11-08"  # the partition opened in the UI
STARTUP_SECONDS, BACKFILL_SECONDS = 120, 600
UI_TIMEOUT_MS = 120_000
REPORT = dg.AssetKey(["nba_meta", "completeness_report"])


@dataclass
class Dagster:
    url: str
    env: dict[str, str]

    @property
    def home(self) -> Path:
        return Path(self.env["NBA_BACKFILL_HOME"])

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_ref(InstanceRef.from_dir(self.env["DAGSTER_HOME"]))


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES}
    return env | {"NBA_BACKFILL_HOME": str(root / "home"), "DAGSTER_HOME": str(root / "home" / "dagster")}


def _ready(url: str) -> bool:
    """The webserver answers and the backfill daemon has written a heartbeat."""
    try:
        return submit.daemon_alive(submit.over_http(f"{url}/graphql", submit.DAEMON, {}))
    except submit.SubmitError:
        return False


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if _ready(url):
            return
        time.sleep(0.5)
    pytest.fail(f"dagster dev not ready after {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dagster]:
    root = tmp_path_factory.mktemp("dagster_dev")
    env = _environment(root)
    Path(env["DAGSTER_HOME"]).mkdir(parents=True)
    (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text(
        cli.instance_yaml(Path(env["DAGSTER_HOME"]))
    )  # as nba-backfill writes it
    url, log = f"http://127.0.0.1:{free_port()}", root / "dagster-dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "dg"), "dev", "-h", "127.0.0.1", "-p", url.rsplit(":", 1)[1], "-w", "workspace.yaml"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_ready(process, url, log)
            yield Dagster(url, env)
        finally:
            stop(process)


def _nba_backfill(dagster: Dagster, *argv: str) -> dict:
    """The command as an operator types it; its --json report."""
    done = subprocess.run(
        [str(BIN / "nba-backfill"), *argv, "--json"],
        cwd=REPO,
        env=dagster.env,
        capture_output=True,
        text=True,
        timeout=BACKFILL_SECONDS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def backfill(dagster_dev: Dagster) -> dict:
    return _nba_backfill(dagster_dev, "run", "--submit", "--start-date", START, "--end-date", END)


def test_submit_runs_the_plan_as_one_backfill_of_the_daemon(dagster_dev, backfill):
    assert (backfill["complete_game_dates"], backfill["game_dates"]) == (7, 7)
    assert backfill["failed"] == backfill["blocked"] == {}
    # The lookback context went along: phases 1-3 over the 30 days before the range too.
    assert (
        backfill["ran"]["nba_raw/nbac_schedule"] == 37
        and backfill["ran"]["nba_predictions/player_prop_predictions"] == 7
    )
    with dagster_dev.instance() as instance:
        assert instance.get_backfill(backfill["backfill_id"]).status == BulkActionStatus.COMPLETED_SUCCESS


def test_the_warehouse_holds_every_table_for_the_range(dagster_dev, backfill):
    with duckdb.connect(str(dagster_dev.home / "warehouse.duckdb"), read_only=True) as con:
        tables_per_date = con.execute(
            "SELECT count(DISTINCT table_name) FROM nba_meta.partition_ledger WHERE game_date BETWEEN ? AND ? "
            "GROUP BY game_date",
            [START, END],
        ).fetchall()
        predicted = con.execute(
            "SELECT count(DISTINCT game_date), count(*) FROM nba_predictions.player_prop_predictions "
            "WHERE game_date BETWEEN ? AND ?",
            [START, END],
        ).fetchone()
    assert tables_per_date == [(24,)] * 7
    assert predicted[0] == 7 and predicted[1] > 7 * 100


def test_every_check_has_a_result_per_partition_in_the_instance(dagster_dev, backfill):
    with dagster_dev.instance() as instance:
        infos = instance.event_log_storage.get_asset_check_partition_info(
            [c.key for c in checks], partition_keys=TARGET
        )
    results = {(i.check_key, i.partition_key): i.latest_execution_status.value for i in infos}
    assert set(results) == {(c.key, day) for c in checks for day in TARGET}
    assert {results[(c.key, day)] for c in checks if c.blocking for day in TARGET} == {"SUCCEEDED"}


def test_submit_through_the_webserver_finds_nothing_left_to_run(dagster_dev, backfill):
    report = _nba_backfill(dagster_dev, "run", "--url", dagster_dev.url, "--start-date", START, "--end-date", END)
    assert report["backfill_id"] is None and report["ran"] == {} and report["complete_game_dates"] == 7


@pytest.fixture
def page(dagster_dev):
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):  # CI installs it: there, absence fails
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")

    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT_MS)
        # Dagster's first-visit "Join the community" dialog covers the page: dismiss it whenever it shows.
        skip = page.get_by_role("button", name="Skip")
        page.add_locator_handler(skip, lambda button: button.click())
        yield page
        browser.close()


def _latest_materialization(dagster: Dagster, key: dg.AssetKey) -> float:
    with dagster.instance() as instance:
        event = instance.get_latest_materialization_event(key)
        return event.timestamp if event else 0.0


def _wait_for_materialization(dagster: Dagster, key: dg.AssetKey, after: float = 0.0) -> None:
    """The run the UI launched goes through the daemon's queue: wait for its materialization (one
    newer than the time ``after``)."""
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    while _latest_materialization(dagster, key) <= after:
        assert time.monotonic() < deadline, f"{key.to_user_string()} was not materialized"
        time.sleep(1)


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled")


def test_the_asset_graph_shows_the_five_phase_groups(dagster_dev, backfill, page):
    from playwright.sync_api import expect

    page.goto(f"{dagster_dev.url}/asset-groups")
    for group in GROUP_OF_PHASE.values():
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    _screenshot(page, "asset-graph")


def test_the_backfill_page_shows_it_succeeded(dagster_dev, backfill, page):
    from playwright.sync_api import expect

    page.goto(f"{dagster_dev.url}/runs/b/{backfill['backfill_id']}")
    expect(page.get_by_text("Succeeded", exact=True).first).to_be_visible()
    expect(page.get_by_text(f"{LOOKBACK_START}...{END}").first).to_be_visible()  # lookback dates included
    _screenshot(page, "backfill")


def _warehouse(dagster: Dagster, sql: str, *params: str) -> pd.DataFrame:
    with duckdb.connect(str(dagster.home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def _metadata_value(page, label: str) -> str:
    """The value the metadata table shows for ``label`` (the row: label, then value)."""
    from playwright.sync_api import expect

    row = page.get_by_role("row").filter(has=page.get_by_text(label, exact=True))
    expect(row).to_have_count(1)
    _, value = row.inner_text().split()
    return value


def test_a_table_partition_shows_that_dates_own_row_count(dagster_dev, backfill, page):
    ledger = _warehouse(
        dagster_dev,
        "SELECT CAST(game_date AS VARCHAR) AS day, row_count FROM nba_meta.partition_ledger "
        "WHERE table_name = 'nba_analytics.player_game_summary' AND game_date BETWEEN ? AND ?",
        START,
        END,
    )
    rows = dict(zip(ledger["day"], ledger["row_count"]))
    assert len(set(rows.values())) > 1, rows  # the dates differ: a range's figure would be wrong on some

    page.goto(f"{dagster_dev.url}/assets/nba_analytics/player_game_summary?view=partitions&partition={DAY}")
    assert int(_metadata_value(page, "dagster/row_count")) == rows[DAY]
    assert int(_metadata_value(page, "run_dates")) == 37  # written by one run over the range and its lookback
    _screenshot(page, "partition-row-count")


def test_the_grading_shows_each_dates_grades_and_a_plot_of_the_range(dagster_dev, backfill, page):
    from playwright.sync_api import expect

    graded = _warehouse(dagster_dev, "SELECT * FROM nba_predictions.prediction_accuracy WHERE game_date = ?", DAY)
    expected = grading.figures(graded)
    assert expected["calls"] > 0 and expected["hit_rate"] is not None  # a date with OVER/UNDER calls

    page.goto(f"{dagster_dev.url}/assets/nba_predictions/prediction_accuracy?view=partitions&partition={DAY}")
    for figure in ("with_line", "mae_predicted", "mae_line", "calls", "hits", "hit_rate"):
        assert float(_metadata_value(page, f"grading/{figure}")) == expected[figure], figure
    _screenshot(page, "grading-partition")

    # The range's summary plot, inline on the Overview (not behind "[Show Markdown]").
    page.goto(f"{dagster_dev.url}/assets/nba_predictions/prediction_accuracy")
    summary = page.locator("img[alt^='grading by date: hit rate'][src^='data:image/png']")
    expect(summary).to_be_visible()
    summary.scroll_into_view_if_needed()
    _screenshot(page, "grading-overview")
    # Dagster's own plots of the per-partition figures. Its "Partitions" axis shows the definition's
    # latest 120 partitions (up to today), empty for a past season: the "Events" axis is used.
    page.get_by_text("Plots", exact=True).click()
    page.get_by_role("button", name="Events").click()
    plot = (
        page.locator("div")
        .filter(has=page.get_by_text("grading/hit_rate", exact=True))
        .filter(has=page.locator("canvas"))
    )
    expect(plot.last).to_be_visible()
    plot.last.scroll_into_view_if_needed()
    _screenshot(page, "grading-plots")


def test_the_completeness_report_shows_the_backfilled_range_as_a_heat_map(dagster_dev, backfill, page):
    from playwright.sync_api import expect

    # `run --submit` refreshed it at its end: no one has to click Materialize.
    page.goto(f"{dagster_dev.url}/assets/nba_meta/completeness_report")
    expect(page.get_by_text(f"{START} .. {END}")).to_be_visible()  # the backfill's target range
    expect(page.locator("img[src^='data:image/png']").first).to_be_visible()  # inline, not behind a dialog
    _screenshot(page, "completeness-report")
    refreshed = _latest_materialization(dagster_dev, REPORT)
    page.locator("button", has_text="Materialize").first.click()  # by hand: the last backfill's range again
    _wait_for_materialization(dagster_dev, REPORT, after=refreshed)
    page.reload()  # the overview's metadata does not refresh by itself
    expect(page.get_by_text(f"{START} .. {END}")).to_be_visible()
    page.get_by_text("[Show Markdown]").last.click()  # the labelled heat map
    expect(page.locator("img[alt='completeness by date and phase']")).to_be_visible()
    _screenshot(page, "completeness-heat-map")
