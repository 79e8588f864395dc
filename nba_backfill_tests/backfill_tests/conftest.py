"""Run the command line in-process, as an operator would from a shell."""

from __future__ import annotations

import json

import pytest

from nba_backfill.backfill import cli


class Cli:
    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str]:
        self.capsys.readouterr()
        code = cli.main(list(argv))
        captured = self.capsys.readouterr()
        self.err = captured.err
        return code, captured.out

    def json(self, *argv: str) -> tuple[int, dict]:
        code, out = self(*argv, "--json")
        return code, json.loads(out)


@pytest.fixture
def nba(home, capsys) -> Cli:
    return Cli(capsys)
