"""`nba-backfill accept` on the gcp target: the acceptance and its revocation land in BigQuery's
``nba_meta.accepted_gaps`` (the emulator), validated against the schedule loaded there."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.backfill import accept as accepting
from nba_backfill.checks.data import CheckData
from nba_backfill.errors import UsageError
from nba_backfill.resources import gcp_storage
from nba_backfill.storage import accepted_gaps

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")
DAY = dt.date(2024, 10, 28)


def test_accept_and_revoke_on_bigquery(gcp_env):
    warehouse = gcp_storage()["warehouse"]
    schedule = pd.DataFrame(
        {
            "game_id": ["20241028_CLE_NYK", "20241028_ORL_PHI"],
            "nba_game_id": ["0022400041", "0022400042"],
            "game_date": pd.Timestamp(DAY),
            "game_status": 3,
        }
    )
    warehouse.replace_partitions("nba_raw.nbac_schedule", schedule, [DAY])
    data = CheckData(warehouse)
    with pytest.raises(UsageError, match="--game 0022400099 is not on the schedule of 2024-10-28"):
        accepting.target(data, "nbac_boxscores", DAY, "0022400099")

    box = accepting.target(data, "nbac_boxscores", DAY, "0022400041")
    accepting.accept(data, box, "never published", "ops-alice")
    accepting.accept(data, accepting.target(data, "nbac_play_by_play", DAY, "0022400042"), "corrupt", "ops-bob")
    rows = accepted_gaps.accepted(warehouse, [DAY]).sort_values("feed").reset_index(drop=True)
    assert rows[["feed", "nba_game_id", "reason", "accepted_by"]].values.tolist() == [
        ["nbac_boxscores", "0022400041", "never published", "ops-alice"],
        ["nbac_play_by_play", "0022400042", "corrupt", "ops-bob"],
    ]
    assert accepted_gaps.absent_games(schedule, accepted_gaps.accepted_games(rows, accepted_gaps.GAME_FEED)) == {
        "20241028_CLE_NYK"
    }

    removed = accepting.revoke(data, box)
    assert removed["reason"].tolist() == ["never published"]
    left = accepted_gaps.accepted(warehouse, [DAY])
    assert left["feed"].tolist() == ["nbac_play_by_play"] and left["accepted_by"].tolist() == ["ops-bob"]
    with pytest.raises(UsageError, match="nothing is accepted"):
        accepting.revoke(data, box)
