"""Where the platform keeps its files, and dates per run of a daemon backfill: chunks only where the
warehouse admits concurrent writers."""

from __future__ import annotations

import warnings

import dagster as dg
import pytest

from nba_backfill import environment, settings
from nba_backfill.errors import ConfigurationError


def policy() -> dg.BackfillPolicy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return environment.backfill_policy()


def test_a_backfill_runs_its_whole_range_at_once_unless_told(home):
    assert policy().max_partitions_per_run is None


def test_the_gcp_target_runs_chunks_of_the_given_dates(home, monkeypatch):
    monkeypatch.setenv("NBA_BACKFILL_TARGET", "gcp")
    monkeypatch.setenv("NBA_BACKFILL_RUN_DATES", "7")
    assert policy().max_partitions_per_run == 7


@pytest.mark.parametrize(
    "target, value, named",
    [
        ("gcp", "0", "NBA_BACKFILL_RUN_DATES='0'"),
        ("gcp", "a week", "NBA_BACKFILL_RUN_DATES='a week'"),
        ("local", "7", "need NBA_BACKFILL_TARGET=gcp"),
    ],
)
def test_a_chunk_that_cannot_work_is_refused_naming_the_variable(home, monkeypatch, target, value, named):
    monkeypatch.setenv("NBA_BACKFILL_TARGET", target)
    monkeypatch.setenv("NBA_BACKFILL_RUN_DATES", value)
    with pytest.raises(ConfigurationError, match=named):
        policy()


def test_an_empty_home_variable_means_the_default_home_not_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBA_BACKFILL_HOME", "")
    assert settings.home() == tmp_path / ".nba_backfill"
