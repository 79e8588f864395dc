"""Every table's columns are declared: outputs are conformed to them, or refused by name."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_backfill.graph import all_assets
from nba_backfill.phases.schemas import SCHEMAS, conform

KEY = "nba_raw/nbac_team_boxscore"


def box_rows(**changes) -> pd.DataFrame:
    rows = pd.DataFrame({name: [None] for name in SCHEMAS[KEY]})
    return rows.assign(**{"game_date": pd.Timestamp("2024-10-22"), "points": 112, **changes})


def test_every_warehouse_table_declares_its_columns_and_shows_them_in_the_ui():
    tables = [a for a in all_assets if a.key.path[0].startswith("nba_") and a.key.path[0] != "nba_meta"]
    assert {"/".join(a.key.path) for a in tables} == set(SCHEMAS)
    for asset in tables:
        schema = asset.specs_by_key[asset.key].metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == list(SCHEMAS["/".join(asset.key.path)])


def test_a_frame_without_rows_gets_every_column_typed():
    empty = conform(KEY, pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]")}))
    assert list(empty.columns) == list(SCHEMAS[KEY])
    assert str(empty["points"].dtype) == "Int64" and str(empty["fg_pct"].dtype) == "float64"


def test_values_take_their_declared_types_in_declared_order():
    rows = conform(KEY, box_rows()[list(reversed(SCHEMAS[KEY]))])
    assert list(rows.columns) == list(SCHEMAS[KEY])
    assert rows["points"].tolist() == [112] and rows["fg_pct"].isna().all() and str(rows["fg_pct"].dtype) == "float64"


def test_an_undeclared_column_is_refused_by_name():
    with pytest.raises(ValueError, match=r"nba_raw/nbac_team_boxscore.*not declared: \['pace_estimate'\]"):
        conform(KEY, box_rows(pace_estimate=99.5))


def test_rows_missing_a_declared_column_are_refused_by_name():
    with pytest.raises(ValueError, match=r"declared but not computed: \['fg_pct'\]"):
        conform(KEY, box_rows().drop(columns="fg_pct"))


def test_a_value_that_does_not_fit_its_type_names_the_column():
    with pytest.raises(
        ValueError, match=r"nba_raw/nbac_team_boxscore: column points does not fit its declared type int"
    ):
        conform(KEY, box_rows(points="112 pts"))
