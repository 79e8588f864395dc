"""The programmatic API (nba_backfill.api) and the pytest plugin, as another project uses them.

The README's "In your tests" example is run here in a throwaway project outside the repository,
with the venv's python, where nba_backfill is installed: only the documented API and fixtures are
reachable there (this suite's conftest and modules are not).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nba_backfill.errors import SourceUnavailable
from nba_backfill.testing.plugin import ISOLATED_VARIABLES

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    """The python block of the README's "In your tests" section."""
    section = README.read_text().split("## In your tests", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section has one example"
    return blocks[0]


def test_the_plugin_is_registered_through_the_pytest11_entry_point(request):
    plugins = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("nba_backfill") == "nba_backfill.testing.plugin"
    assert request.config.pluginmanager.has_plugin("nba_backfill")


def test_loading_the_plugin_imports_neither_dagster_nor_the_platform():
    # Every pytest run of a project that has nba_backfill installed loads the plugin.
    code = "import sys, nba_backfill.testing.plugin; print(sorted(m for m in sys.modules if m.startswith(('dagster', 'nba_backfill.api'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.nba_league(seed=7, outages="nbac_schedule:2024-10-30", corrupt="nbac_boxscores:2024-10-31")
def test_the_nba_league_marker_plants_faults_as_values_not_environment(nba_league, nba_platform):
    assert (nba_league.seed, nba_league.outages, nba_league.corrupt) == (
        7,
        "nbac_schedule:2024-10-30",
        "nbac_boxscores:2024-10-31",
    )
    assert nba_platform.resources["league"] is nba_league
    assert not {v for v in os.environ if v.startswith("NBA_SIM_")}
    with pytest.raises(SourceUnavailable, match="2024-10-30"):
        nba_league.schedule("2024-10-30")
    assert nba_league.schedule("2024-10-29")["leagueSchedule"]["gameDates"][0]["games"]


def test_a_league_without_marker_has_no_faults(nba_league):
    assert (nba_league.outages, nba_league.corrupt) == ("", "")
    assert nba_league.schedule("2024-10-30")["leagueSchedule"]["gameDates"][0]["games"]


@pytest.mark.parametrize("name", ["scraped.nbac_schedule", "nba_raw.nope", "nba_raw.nbac_schedule; DROP TABLE x"])
def test_a_name_that_is_no_warehouse_table_is_refused_naming_it(nba_platform, name):
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        nba_platform.table(name, "2024-10-22", "2024-10-22")


def test_a_selection_materializes_and_reads_back_as_a_dataframe(nba_platform):
    result = nba_platform.materialize("2024-10-22", "2024-10-23", "group:phase1_scrapers or group:phase2_raw")
    assert result.success
    schedule = nba_platform.table("nba_raw.nbac_schedule", "2024-10-22", "2024-10-23")
    assert set(schedule["game_date"].dt.strftime("%Y-%m-%d")) == {"2024-10-22", "2024-10-23"}
    status = nba_platform.status("2024-10-22", "2024-10-23")
    assert list(status["phase2"]) == ["complete", "complete"] and "complete" not in set(status["phase3"])
    assert nba_platform.summary("2024-10-22", "2024-10-23")["complete_game_dates"] == 0


def test_the_dataset_fixture_serves_the_real_season(nba_dataset):
    nba_dataset.materialize("2025-10-21", "2025-10-21", "group:phase1_scrapers or group:phase2_raw")
    schedule = nba_dataset.table("nba_raw.nbac_schedule", "2025-10-21", "2025-10-21")
    assert sorted(schedule["home_team_tricode"]) == ["LAL", "OKC"]  # opening night of 2025-26
    players = nba_dataset.table("nba_raw.nbac_gamebook_player_stats", "2025-10-21", "2025-10-21")
    assert players["points"].sum() == schedule["home_team_score"].sum() + schedule["away_team_score"].sum()


@pytest.mark.slow
def test_a_throwaway_project_outside_the_repository_runs_the_readme_example(tmp_path):
    project = tmp_path / "my_features"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "my_features"\nversion = "0"\n')
    (project / "tests" / "test_my_feature.py").write_text(readme_example())
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES and k != "PYTHONPATH"}
    # bqemulator (a test extra of this repository, not of nba_backfill) registers a plugin that needs
    # testcontainers; a project that installs only nba_backfill does not have it.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:bqemulator", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 passed" in run.stdout
    assert "nba_backfill_tests" not in readme_example()
