"""Bounded parsing: a payload too big, too deep, or holding a number no column can hold is refused
in one line naming the file, on the way every parser reads raw files (the raw-files IO manager's
LazyPayloads), instead of a RecursionError, a bare ValueError or an OverflowError in pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_backfill import bounded_json
from nba_backfill.errors import RawPayloadError
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.storage.io_managers import LazyPayloads
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill_tests.phases_tests.test_phase2_parsers import BOX_FILE, BOX_PATH, PBP_FILE, PBP_PATH, real


def _stored(tmp_path: Path, path: str, raw: bytes) -> LazyPayloads:
    store = LocalRawStore(root=str(tmp_path / "raw"))
    store.write(path, raw)
    return LazyPayloads(store, [path])


def _box_with(value_text: str) -> bytes:
    """The recorded box score with the first player's assists replaced by ``value_text`` verbatim."""
    box = real(BOX_FILE)
    box["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"]["assists"] = "@@"
    return json.dumps(box).encode().replace(b'"@@"', value_text.encode())


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32 levels"),  # a RecursionError in json
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nested deeper than 32 levels"),  # decodes, but too deep
        (_box_with("7" * 5000), "an integer beyond int64"),  # CPython's 4,300-digit guard
        (_box_with(str(2**63)), f"number {2**63} is beyond int64"),  # an OverflowError in pandas
        (_box_with(str(-(2**63) - 1)), "is beyond int64"),
        (_box_with("1e400"), "number inf is beyond int64"),
        (_box_with("NaN"), "number nan is beyond int64"),
        (b"\xff\xfe{", "not valid JSON"),
    ],
    ids=["recursion", "depth", "4300-digits", "int64", "below-int64", "infinity", "nan", "not-utf"],
)
def test_an_unbounded_payload_is_refused_naming_the_file(tmp_path: Path, raw: bytes, problem: str) -> None:
    files = _stored(tmp_path, BOX_PATH, raw)
    with pytest.raises(RawPayloadError) as info:
        parsers.parse_boxscore_players(files)
    assert info.value.path == BOX_PATH and info.value.game_date == "2023-01-02"
    assert problem in str(info.value) and BOX_PATH in str(info.value) and "\n" not in str(info.value)


def test_a_payload_over_the_size_bound_is_refused_before_decoding(tmp_path: Path, monkeypatch) -> None:
    raw = json.dumps(real(PBP_FILE)).encode()
    monkeypatch.setattr(bounded_json, "MAX_BYTES", len(raw) - 1)
    with pytest.raises(RawPayloadError, match=f"{PBP_PATH}.*more than the"):
        parsers.parse_play_by_play(_stored(tmp_path, PBP_PATH, raw))


def test_real_payloads_are_within_every_bound(tmp_path: Path) -> None:
    for path, name, parse in (
        (BOX_PATH, BOX_FILE, parsers.parse_boxscore_players),
        (PBP_PATH, PBP_FILE, parsers.parse_play_by_play),
    ):
        assert len(parse(_stored(tmp_path, path, json.dumps(real(name)).encode())))
    assert bounded_json.load(b'{"big": 9223372036854775807, "small": -9223372036854775807}', "f") == {
        "big": 2**63 - 1,
        "small": -(2**63) + 1,
    }
