"""Homes the end-to-end tests share: one backfilled by a real ``nba-backfill`` process per module,
and SQL over a home's warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from nba_backfill.testing.plugin import ISOLATED_VARIABLES


def backfilled_home(home: Path, dates: list[str]) -> Path:
    """``home`` after ``nba-backfill run`` over ``dates`` (the command's flags), in its own process
    with the test environment's source and fault variables cleared."""
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES} | {"NBA_BACKFILL_HOME": str(home)}
    subprocess.run(
        [sys.executable, "-m", "nba_backfill.backfill.cli", "run", *dates], env=env, check=True, capture_output=True
    )
    return home


def sql(home: Path, query: str) -> pd.DataFrame:
    """``query``'s answer from ``home``'s warehouse (an UPDATE too: a change made outside the tool)."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        return con.execute(query).df()
