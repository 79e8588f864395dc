"""The command line's ``--json`` answers, unchanged by moving code between modules.

``fixtures/cli/json_answers.json`` was recorded from the command line before the service was taken
out of ``backfill/cli.py`` (issue 10), on a small range of the simulated league: a plan on an empty
warehouse, the run, the status and validation after it, and a forced plan of phases 4-5. Paths
under the test's home read ``<home>``.
"""

from __future__ import annotations

import json
from pathlib import Path

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "cli" / "json_answers.json"
RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-10-24"]
COMMANDS = {
    "plan": ["plan", *RANGE],
    "run": ["run", *RANGE],
    "status": ["status", "--start-date", "2024-10-20", "--end-date", "2024-10-24"],
    "validate": ["validate", *RANGE],
    "plan_after": ["plan", *RANGE, "--phases", "4-5", "--force"],
}


def test_json_answers_match_the_recording(nba, home):
    answers = {}
    for name, argv in COMMANDS.items():  # in order: each reads what the one before wrote
        code, out = nba(*argv, "--json")
        answers[name] = {"exit": code, "json": json.loads(out.replace(str(home.resolve()), "<home>"))}
    recorded = json.loads(RECORDED.read_text())
    for name in COMMANDS:
        assert answers[name] == recorded[name], name
