"""Every configuration and environment error is one line and exit 2, found before any work
starts (``plan`` included); dates are judged in US Eastern time; an output error names its cause."""

from __future__ import annotations

import datetime as dt

import pytest

from nba_backfill import calendar
from nba_backfill.backfill import cli, preflight
from nba_backfill_tests.conftest import free_port
from nba_backfill_tests.sources_tests.fake_apis import INVALID_KEY, FakeApis

RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-10-23"]


def _one_line_exit_2(capsys, argv: list[str], *says: str) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for part in says:
        assert part in lines[0], lines[0]


@pytest.mark.parametrize("command", ["plan", "status", "run"])
@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("NBA_SIM_SEED", "twenty", ["NBA_SIM_SEED='twenty': expected a non-negative integer"]),
        ("NBA_SIM_SEED", "-5", ["NBA_SIM_SEED='-5'"]),
        ("NBA_SIM_OUTAGES", "nbac:yesterday", ["NBA_SIM_OUTAGES: fault spec entry 'nbac:yesterday'"]),
        (
            "NBA_SIM_CORRUPT",
            "scoreboard:2024-10-22",
            ["NBA_SIM_CORRUPT: fault spec entry", "unknown feed 'scoreboard'"],
        ),
    ],
)
def test_a_bad_simulator_variable_stops_every_command_before_it_starts(
    home, capsys, monkeypatch, command, variable, value, says
):
    monkeypatch.setenv(variable, value)
    _one_line_exit_2(capsys, [command, *RANGE], *says)
    assert not (home / "dagster").exists()  # refused before the instance was even prepared


def test_an_unwritable_home_is_one_line(home, capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NBA_BACKFILL_HOME", str(blocker / "home"))
    _one_line_exit_2(capsys, ["plan", *RANGE], "NBA_BACKFILL_HOME: cannot write to", str(blocker / "home"))


@pytest.fixture
def live(home, monkeypatch):
    monkeypatch.setenv("NBA_BACKFILL_SOURCE", "live")
    monkeypatch.setenv("ODDS_API_KEY", "k3y-preflight")


def test_a_missing_odds_api_key_stops_a_live_run(live, capsys, monkeypatch):
    monkeypatch.delenv("ODDS_API_KEY")
    _one_line_exit_2(capsys, ["run", *RANGE], "ODDS_API_KEY is not set")


def test_an_unreachable_odds_api_stops_a_live_run(live, capsys, monkeypatch):
    monkeypatch.setenv("ODDS_API_BASE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    _one_line_exit_2(capsys, ["run", *RANGE], "The Odds API at http://127.0.0.1:", "cannot be used", "HTTP 0")


def test_a_refused_key_stops_a_live_run_without_showing_the_key(live, capsys, monkeypatch):
    with FakeApis() as fake:
        fake.queue(INVALID_KEY)
        monkeypatch.setenv("ODDS_API_BASE_URL", fake.odds_base)
        _one_line_exit_2(capsys, ["run", *RANGE], "HTTP 401", "INVALID_KEY")
    assert "k3y-preflight" not in capsys.readouterr().err


def test_today_is_the_eastern_date_whatever_the_clock_zone():
    evening = dt.datetime(2026, 1, 16, 1, 0, tzinfo=dt.timezone.utc)  # 20:00 ET on the 15th
    assert calendar.today_et(evening) == dt.date(2026, 1, 15)
    with pytest.raises(preflight.BadDates, match="2026-01-16 is in the future: today is 2026-01-15 in US Eastern"):
        preflight.check_dates(dt.date(2026, 1, 15), dt.date(2026, 1, 16), calendar.today_et(evening))
    preflight.check_dates(dt.date(2026, 1, 15), dt.date(2026, 1, 15), calendar.today_et(evening))


def test_tomorrow_in_eastern_time_is_refused_at_argument_checking(home, capsys):
    tomorrow = calendar.today_et() + dt.timedelta(days=1)  # on a UTC clock after 19:00 ET: "today" there
    _one_line_exit_2(capsys, ["plan", "--start-date", str(tomorrow), "--end-date", str(tomorrow)], "is in the future")
    today = calendar.today_et()
    assert cli.main(["plan", "--start-date", str(today), "--end-date", str(today), "--phases", "1"]) == 0


def test_an_output_error_during_a_run_names_its_cause(home, capsys):
    home.mkdir(parents=True)
    (home / "raw").write_text("a file where the raw folder should be")
    code = cli.main(["run", "--start-date", "2024-10-22", "--end-date", "2024-10-22", "--phases", "1"])
    out = capsys.readouterr().out
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("failed: 2024-10-22")]
    assert failed and "Error occurred while handling output" not in failed[0], out
    assert "NotADirectoryError" in failed[0] or "FileExistsError" in failed[0], failed[0]
