"""The one rule of direction (DESIGN.md §9): imports go from the entry points down to the ground
floor, never up, and never in a circle.

Every module's imports are read from its source (function-level ones included, since a local
import hides a cycle rather than removing it); nothing is imported to find them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nba_backfill"
ENTRY_POINTS = {"nba_backfill.definitions", "nba_backfill.backfill.cli"}
MAX_LINES = 600

#: The floors, top to bottom: a module imports its own floor or those below it (the first prefix
#: that matches a module names its floor).
FLOORS = [
    ("entry points", ["nba_backfill.definitions", "nba_backfill.backfill.cli"]),
    (
        "automation, reports, alerts, the backfill service and its public face",
        [
            "nba_backfill.automation",
            "nba_backfill.reports",
            "nba_backfill.alerts",
            "nba_backfill.backfill",
            "nba_backfill.api",
            "nba_backfill.testing",
        ],
    ),
    ("the asset graph", ["nba_backfill.graph"]),
    ("checks", ["nba_backfill.checks"]),
    ("phases", ["nba_backfill.phases"]),
    (
        "storage, sources, settings",
        [
            "nba_backfill.storage",
            "nba_backfill.sources",
            "nba_backfill.settings",
            "nba_backfill.resources",
            "nba_backfill.environment",
        ],
    ),
    (
        "calendar",
        [
            "nba_backfill.calendar",
            "nba_backfill.naming",
            "nba_backfill.teams",
            "nba_backfill.errors",
            "nba_backfill.ids",
            "nba_backfill.bounded_json",
            "nba_backfill.datasets",
        ],
    ),
]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imported(module: str, path: Path, known: set[str]) -> dict[str, int]:
    """Package modules ``module`` imports (its own package excepted) -> line of the first import."""
    found: dict[str, int] = {}
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                ".".join([*package[: len(package) - node.level + 1], node.module or ""]).strip(".")
                if node.level
                else node.module or ""
            )
            # `from a import b` imports the module a.b if there is one, else the name b of a
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:  # `import a.b.c` where a.b.c is no module of ours
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.setdefault(name, node.lineno)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, int]]:
    found = modules(root)
    return {m: imported(m, p, set(found)) for m, p in found.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def floor(module: str) -> int:
    for number, (_, prefixes) in enumerate(FLOORS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return number
    raise LookupError(f"{module} sits on no floor: add it to FLOORS")


def violations(graph: dict[str, dict[str, int]]) -> list[str]:
    """Every import against the rule, as ``module:line imports target (why)``."""
    found = []
    for module, targets in sorted(graph.items()):
        if module == "nba_backfill":
            continue
        for target, line in sorted(targets.items()):
            if target == "nba_backfill":
                continue
            where = f"{module}:{line} imports {target}"
            if target in ENTRY_POINTS:
                found.append(f"{where} (an entry point: nothing imports it)")
            elif module.startswith("nba_backfill.phases") and target.startswith("nba_backfill.checks"):
                found.append(f"{where} (phases never import checks)")
            elif floor(target) < floor(module):
                found.append(f"{where} (upward: {FLOORS[floor(target)][0]} above {FLOORS[floor(module)][0]})")
    return found


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_imports_go_one_way():
    assert violations(import_graph()) == []


def test_no_product_module_is_longer_than_600_lines():
    long = {m: n for m, p in modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


# --- the walker itself finds what it must (on a small package written here) ---------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "nba_backfill" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "nba_backfill"


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "__init__.py": "",
            "calendar.py": "import datetime\n",
            "definitions.py": "from nba_backfill import graph\n",
            "graph.py": "from nba_backfill.checks import rules\n",
            "checks/__init__.py": "",
            "checks/rules.py": "from nba_backfill.phases import windows\n",
            "phases/__init__.py": "",
            "phases/windows.py": "from nba_backfill.calendar import date_range\n",
        },
    )


def test_a_clean_package_passes(toy):
    graph = import_graph(toy)
    assert graph["nba_backfill.checks.rules"] == {"nba_backfill.phases.windows": 1}
    assert cycles(graph) == [] and violations(graph) == []


def test_a_function_level_import_closing_a_cycle_is_found(toy):
    (toy / "calendar.py").write_text("def today():\n    from nba_backfill.phases.windows import x\n    return x\n")
    graph = import_graph(toy)
    assert cycles(graph) == [["nba_backfill.calendar", "nba_backfill.phases.windows"]]
    assert violations(graph) == [
        "nba_backfill.calendar:2 imports nba_backfill.phases.windows (upward: phases above calendar)"
    ]


def test_importing_an_entry_point_or_checks_from_phases_is_found(toy):
    (toy / "phases" / "windows.py").write_text(
        "from ..checks import rules\nfrom nba_backfill.definitions import defs\n"
    )
    found = violations(import_graph(toy))
    assert "nba_backfill.phases.windows:1 imports nba_backfill.checks.rules (phases never import checks)" in found
    assert (
        "nba_backfill.phases.windows:2 imports nba_backfill.definitions (an entry point: nothing imports it)" in found
    )
