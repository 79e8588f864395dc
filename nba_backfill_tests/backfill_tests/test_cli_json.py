"""The command line's ``--json`` answers, unchanged by moving code between modules.

``fixtures/cli/json_answers.json`` was recorded from the command line before the service was taken
out of ``backfill/cli.py`` (issue 10), on a small range of the simulated league: a plan on an empty
warehouse, the run, the status and validation after it, and a forced plan of phases 4-5. Paths
under the test's home read ``<home>``, a run's operation id ``<operation>``.

Answers change only on purpose, and then the recording with them (``NBA_RECORD_CLI_JSON=1``
writes it): issue 18 added the run's ``phases``, ``incomplete`` and ``undo`` and the box-score
consistency check, issue 13 the ``lines_matched`` check, issue 15 the plan's ``why``, the status reasons
naming each table and Phase 3 of the last date in a plan of phases 4-5, issue 11 the plan's
``select``, ``odds_api_remaining`` and the closing-snapshot credit estimate.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "cli" / "json_answers.json"
OPERATION = re.compile(r"run-\d{8}T\d{6}-[0-9a-f]+")
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
        out = OPERATION.sub("<operation>", out.replace(str(home.resolve()), "<home>"))
        answers[name] = {"exit": code, "json": json.loads(out)}
    if os.environ.get("NBA_RECORD_CLI_JSON"):
        RECORDED.write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(RECORDED.read_text())
    for name in COMMANDS:
        assert answers[name] == recorded[name], name
