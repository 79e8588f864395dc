"""The ``lines_matched`` check graded over a range in one pass gives, date by date, what grading
each date alone gave (the rule as it was before, kept here as the reference)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from nba_backfill.calendar import date_range, player_lookup, window_start
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.lines_matched import BOX_COLUMNS, GAMEBOOK, MIN_MATCHED_SHARE, PROPS, lines_matched
from nba_backfill.checks.outcomes import WARN, Outcome, capped
from nba_backfill.phases.phase3_analytics.identity import identity_key
from nba_backfill.phases.phase3_analytics.lines import pre_tip
from nba_backfill.storage.warehouse import DuckDBWarehouse

DATES = date_range("2025-11-03", "2025-12-10")
D1, D2, D3, D4 = (dt.date(2025, 11, d) for d in (3, 4, 5, 6))
LATE, LATER = dt.date(2025, 11, 28), dt.date(2025, 12, 8)  # 25 and 35 days after D1


def _by_date_reference(dates, data):
    """The rule as it was: each date's lines graded alone against that date's box score."""
    props = data.table(PROPS, dates)
    window = date_range(window_start(min(dates)), max(dates))
    gamebook = (
        data.table(GAMEBOOK, window)
        .reindex(columns=["game_date", *BOX_COLUMNS])
        .rename(columns={"player_name_original": "player_name"})
    )
    gamebook = gamebook.assign(name_key=gamebook["player_name"].map(identity_key))
    outcomes = []
    for day in dates:
        day_ts = pd.Timestamp(day)
        lines = pre_tip(props[props["game_date"] == day_ts])
        lines = lines.drop_duplicates(["game_id", "player_lookup"])[["game_id", "player_name", "player_lookup"]]
        if lines.empty:
            outcomes.append(Outcome(day, True, WARN, "no pre-game lines", {"lines": 0}))
            continue
        box = gamebook[gamebook["game_date"] == day_ts]
        recent = gamebook[
            (gamebook["game_date"] >= pd.Timestamp(window_start(day))) & (gamebook["game_date"] <= day_ts)
        ]
        graded = _classify_one_date(lines, box, set(recent["name_key"]))
        counts = graded["outcome"].value_counts()
        played, unmatched = int(counts.get("played", 0)), int(counts.get("unmatched", 0))
        share = played / (played + unmatched) if played + unmatched else 1.0
        passed = share >= MIN_MATCHED_SHARE
        names = graded.loc[graded["outcome"] == "unmatched", ["game_id", "player_name"]]
        outcomes.append(
            Outcome(
                day,
                passed,
                WARN,
                "" if passed else f"{share:.1%} of lines whose player played were matched (< {MIN_MATCHED_SHARE:.0%})",
                {
                    "lines": len(graded),
                    "played": played,
                    "did_not_play": int(counts.get("did_not_play", 0)),
                    "unmatched": unmatched,
                    "matched_share_pct": round(100 * share, 2),
                    "no_box_score": int(counts.get("no_box_score", 0)),
                    "games_without_box_score": capped(set(graded.loc[graded["outcome"] == "no_box_score", "game_id"])),
                    "unmatched_players": capped(f"{g} {n}" for g, n in zip(names["game_id"], names["player_name"])),
                },
            )
        )
    return outcomes


def _classify_one_date(lines, box, recent_names):
    resolved = _match_one_date(lines, box[["player_lookup", "player_name"]])
    status = box.drop_duplicates(["game_id", "player_lookup"]).set_index(["game_id", "player_lookup"])["player_status"]
    found = pd.Series(list(zip(resolved["game_id"], resolved["player_lookup"])), index=resolved.index).map(status)
    known = resolved["player_name"].map(identity_key).isin(recent_names)
    holds = [~resolved["game_id"].isin(set(box["game_id"])), found == "active", found.notna() | known]
    outcome = np.select(
        [h.fillna(False).to_numpy(dtype=bool) for h in holds], ["no_box_score", "played", "did_not_play"], "unmatched"
    )
    return resolved.assign(outcome=outcome)


def _match_one_date(props, players):
    if props.empty or players.empty:
        return props
    known = players[["player_lookup", "player_name"]].dropna().drop_duplicates("player_lookup")
    keys = known.assign(key=known["player_name"].map(identity_key)).drop_duplicates("key", keep=False)
    by_key = dict(zip(keys["key"], keys["player_lookup"]))
    unknown = ~props["player_lookup"].isin(set(known["player_lookup"]))
    resolved = props.loc[unknown, "player_name"].map(lambda n: by_key.get(identity_key(n)))
    out = props.copy()
    out.loc[unknown, "player_lookup"] = resolved.fillna(out.loc[unknown, "player_lookup"])
    return out


def _box(day: dt.date, game: str, players: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "game_id": game,
            "player_name_original": list(players),
            "player_lookup": [player_lookup(n) for n in players],
            "player_status": list(players.values()),
        }
    )


def _lines(day: dt.date, game: str, names: list[str], minutes: float = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "game_id": game,
            "player_name": names,
            "player_lookup": [player_lookup(n) for n in names],
            "bookmaker": "draftkings",
            "points_line": 10.5,
            "minutes_before_tipoff": minutes,
        }
    )


@pytest.fixture
def warehouse(tmp_path):
    """A month of lines and box scores with every outcome, on several dates and games a date."""
    regulars = {f"Player {c}": "active" for c in "ABCDEFGH"}
    gamebook = pd.concat(
        [
            _box(
                D1, "G1", {"Nikola Jokić": "active", "Jimmy Butler III": "active", "Scratched Guy": "dnp", **regulars}
            ),
            _box(D1, "G2", {"Nic Claxton": "active", "Gary Payton": "active", "Gary Payton II": "inactive"}),
            _box(D2, "G3", {"Nikola Jokić": "active", "Jimmy Butler": "active", **regulars}),
            _box(D4, "G4", {"Dereck Lively II": "active", "Vince Williams Jr.": None, **regulars}),
            _box(LATE, "G5", regulars),
            _box(LATER, "G6", regulars),
        ]
    )
    props = pd.concat(
        [
            _lines(D1, "G1", ["Nikola Jokic", "Jimmy Butler", "Scratched Guy", "Joker Jokic", *regulars, "Player A"]),
            _lines(D1, "G2", ["Nicolas Claxton", "Gary Payton Jr", "Gary Payton"]),
            _lines(D1, "G9", ["Nobody Scheduled"]),  # an event NBA.com has no box score of
            _lines(D1, "G1", ["Late Scratch"], minutes=-5),  # in play: not a pre-game line
            _lines(D2, "G3", ["Nikola Jokic", "Jimmy Butler", "Scratched Guy", "Never Listed"]),
            _lines(D3, "G7", ["Nikola Jokic", "Player A"]),  # a date without box scores
            _lines(D4, "G4", ["Dereck Lively", "Vincent Williams Jr", *regulars]),
            _lines(dt.date(2025, 11, 7), "G8", ["Player B"], minutes=float("nan")),  # undated: no pre-game line
            _lines(LATE, "G5", ["Scratched Guy", *regulars]),  # listed 25 days before: a scratch
            _lines(LATER, "G6", ["Scratched Guy", *regulars]),  # 35 days before: out of the window
        ]
    )
    w = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    w.replace_partitions(GAMEBOOK, gamebook, DATES)
    w.replace_partitions(PROPS, props, DATES)
    return w


def test_the_range_in_one_pass_grades_each_date_as_grading_it_alone(warehouse):
    outcomes = lines_matched(DATES, CheckData(warehouse))
    assert outcomes == _by_date_reference(DATES, CheckData(warehouse))
    by_day = {o.game_date: o.metadata for o in outcomes}
    # Every outcome occurs, on the dates meant: a misspelling and a name never listed unmatched, a
    # scratch listed in the window (and only there) did not play, an unknown event has no box score.
    assert by_day[D1]["unmatched_players"] == ["G1 Joker Jokic"] and by_day[D1]["no_box_score"] == 1
    assert by_day[D1]["did_not_play"] == 2 and by_day[D2]["unmatched_players"] == ["G3 Never Listed"]
    assert by_day[D2]["did_not_play"] == 1 and by_day[D3]["games_without_box_score"] == ["G7"]
    assert by_day[LATE]["did_not_play"] == 1 and by_day[LATER]["unmatched_players"] == ["G6 Scratched Guy"]
    assert by_day[dt.date(2025, 11, 7)] == {"lines": 0} and by_day[dt.date(2025, 11, 20)] == {"lines": 0}


def test_lines_before_any_box_score_was_written_have_none_as_grading_them_alone_found(tmp_path):
    w = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    w.replace_partitions(
        PROPS, pd.concat([_lines(D1, "G1", ["Nikola Jokic", "Player A"]), _lines(D2, "G3", ["X"])]), DATES
    )
    outcomes = lines_matched(DATES, CheckData(w))  # the gamebook table does not exist yet
    assert outcomes == _by_date_reference(DATES, CheckData(w))
    assert outcomes[0].metadata["no_box_score"] == 2 and outcomes[1].metadata["games_without_box_score"] == ["G3"]
