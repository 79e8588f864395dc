"""Configuration from the environment: where data lives and where it comes from.

| variable | default | meaning |
| --- | --- | --- |
| ``NBA_BACKFILL_HOME`` | ``.nba_backfill`` | embedded storage: ``raw/``, ``warehouse.duckdb``, ``dagster/`` |
| ``NBA_BACKFILL_TARGET`` | ``local`` | ``local`` (folder + DuckDB) or ``gcp`` (GCS + BigQuery) |
| ``NBA_BACKFILL_SOURCE`` | ``simulated`` | ``simulated`` league, ``live`` APIs or a recorded ``dataset`` |
| ``NBA_SIM_SEED`` | ``20241022`` | the simulated league's seed |
| ``NBA_BACKFILL_RUN_DATES`` | ``all`` | dates per run of a daemon backfill (gcp target only): ``all`` or a number |

The gcp target reads ``GCP_PROJECT``, ``NBA_RAW_BUCKET``, ``BQ_LOCATION``, ``NBA_BQ_DATASET_PREFIX``
and ``NBA_RAW_PREFIX`` (storage/gcp.py); the live source ``ODDS_API_KEY``, ``NBA_STATS_BASE_URL`` and
``ODDS_API_BASE_URL`` (sources/live.py); the dataset source ``NBA_DATASET_DIR`` (sources/dataset.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from nba_backfill.errors import ConfigurationError

TARGETS = ("local", "gcp")
SOURCES = ("simulated", "live", "dataset")


def home() -> Path:
    # Set but empty (``NBA_BACKFILL_HOME= cmd``, an unset shell variable expanded) means the default,
    # not the working directory, which a bare Path("") would resolve to.
    return Path(os.environ.get("NBA_BACKFILL_HOME") or ".nba_backfill").resolve()


def target() -> str:
    return _choice("NBA_BACKFILL_TARGET", "local", TARGETS)


def source() -> str:
    return _choice("NBA_BACKFILL_SOURCE", "simulated", SOURCES)


DEFAULT_SIM_SEED = 20241022


def sim_seed() -> int:
    """The simulated league's seed: a non-negative integer."""
    text = os.environ.get("NBA_SIM_SEED", str(DEFAULT_SIM_SEED)).strip()
    if not text.isdigit() or not text.isascii():
        raise ConfigurationError(f"NBA_SIM_SEED={text[:40]!r}: expected a non-negative integer")
    return int(text)


def dagster_home() -> Path:
    """The Dagster instance: ``DAGSTER_HOME`` if set, else ``$NBA_BACKFILL_HOME/dagster``."""
    return Path(os.environ.get("DAGSTER_HOME") or home() / "dagster").resolve()


def _choice(variable: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(variable, default)
    if value not in allowed:
        raise ConfigurationError(f"{variable}={value!r}: expected one of {', '.join(allowed)}")
    return value


def run_dates() -> int | None:
    """How many dates one run of a daemon backfill covers; None: the whole range in one run
    (``environment.backfill_policy`` decides whether the target admits chunks)."""
    value = os.environ.get("NBA_BACKFILL_RUN_DATES", "all").strip()
    if value == "all":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"NBA_BACKFILL_RUN_DATES={value!r}: expected all or a number of dates (1 or more)")
    return int(value)
