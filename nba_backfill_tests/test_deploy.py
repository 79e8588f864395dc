"""The step to Kubernetes, checked on paper: deploy/k8s/values.yaml (Dagster's Helm chart) and the
Dockerfile agree with deploy/dagster.yaml, the one production instance configuration, and with the
code location the project declares. A disagreement is named, so a drifted copy fails here."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from nba_backfill.graph import all_assets

REPO = Path(__file__).resolve().parents[1]


def _files() -> dict:
    return {
        "instance": yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text()),
        "values": yaml.safe_load((REPO / "deploy" / "k8s" / "values.yaml").read_text()),
        "dockerfile": (REPO / "Dockerfile").read_text(),
        "pyproject": tomllib.loads((REPO / "pyproject.toml").read_text()),
        "workspace": yaml.safe_load((REPO / "workspace.yaml").read_text()),
    }


def _tag_limits(limits: list[dict], key: str, value: str, limit: str) -> list[tuple]:
    return sorted((t[key], json.dumps(t.get(value), sort_keys=True), t[limit]) for t in limits)


def instance_disagreements(instance: dict, values: dict) -> list[str]:
    """Where the chart's values would give an instance other than deploy/dagster.yaml's."""
    out = []
    runs, chart_runs = instance["concurrency"]["runs"], values["concurrency"]["runs"]
    if not values["concurrency"].get("enabled"):
        out.append("concurrency.enabled is not true: the chart would ignore the limits")
    if chart_runs.get("maxConcurrentRuns") != runs["max_concurrent_runs"]:
        out.append(
            f"maxConcurrentRuns {chart_runs.get('maxConcurrentRuns')} != max_concurrent_runs {runs['max_concurrent_runs']}"
        )
    if _tag_limits(chart_runs.get("tagConcurrencyLimits", []), "key", "value", "limit") != _tag_limits(
        runs.get("tag_concurrency_limits", []), "key", "value", "limit"
    ):
        out.append("tagConcurrencyLimits differ from tag_concurrency_limits")
    pools, chart_pools = instance["concurrency"]["pools"], values["concurrency"].get("pools", {})
    for ours, theirs in (
        ("default_limit", "defaultLimit"),
        ("granularity", "granularity"),
        ("op_granularity_run_buffer", "opGranularityRunBuffer"),
    ):
        if pools.get(ours) != chart_pools.get(theirs):
            out.append(f"pools.{theirs} {chart_pools.get(theirs)} != pools.{ours} {pools.get(ours)}")
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    if not coordinator.get("enabled") or coordinator.get("type") != instance["run_coordinator"]["class"]:
        out.append(f"run coordinator {coordinator} is not the {instance['run_coordinator']['class']}")
    if values["dagsterDaemon"].get("runMonitoring", {}).get("enabled") != instance["run_monitoring"]["enabled"]:
        out.append("runMonitoring.enabled differs from run_monitoring.enabled")
    if values["postgresql"].get("postgresqlScheme") != instance["run_storage"]["config"]["postgres_db"]["scheme"]:
        out.append("postgresqlScheme differs from the storage's scheme (the SQLAlchemy driver)")
    out += event_log_disagreements(instance, values)
    if values["telemetry"]["enabled"] != instance["telemetry"]["enabled"]:
        out.append("telemetry.enabled differs")
    return out


def event_log_disagreements(instance: dict, values: dict) -> list[str]:
    """Where the chart's event log (its additionalInstanceConfig, appended after the chart's own
    event_log_storage and so the one loaded) is not deploy/dagster.yaml's, on the chart's database,
    or runs in an image without the platform."""
    out = []
    ours = instance["event_log_storage"]
    chart = values.get("additionalInstanceConfig", {}).get("event_log_storage", {})
    if (chart.get("module"), chart.get("class")) != (ours["module"], ours["class"]):
        out.append(
            f"event_log_storage {chart.get('module')}.{chart.get('class')} is not {ours['module']}.{ours['class']}"
        )
    db, pg = chart.get("config", {}).get("postgres_db", {}), values["postgresql"]
    for field, chart_field in (
        ("hostname", "postgresqlHost"),
        ("username", "postgresqlUsername"),
        ("db_name", "postgresqlDatabase"),
        ("scheme", "postgresqlScheme"),
    ):
        if db.get(field) != pg.get(chart_field):
            out.append(f"event_log_storage postgres_db.{field} {db.get(field)} != postgresql.{chart_field}")
    if db.get("port") != pg["service"]["port"] or db.get("password") != {"env": "DAGSTER_PG_PASSWORD"}:
        out.append("event_log_storage postgres_db.port or password differs from the chart's")
    [deployment] = values["dagster-user-deployments"]["deployments"]
    for pod in ("dagsterWebserver", "dagsterDaemon"):
        image = values.get(pod, {}).get("image", {})
        if (image.get("repository"), image.get("tag")) != (
            deployment["image"]["repository"],
            deployment["image"]["tag"],
        ):
            out.append(f"{pod}.image is not the project's image: it could not load the event log")
    return out


def code_location_disagreements(values: dict, dockerfile: str, pyproject: dict, workspace: dict) -> list[str]:
    """Where the chart's code server, the image's entry point and the project's code location part."""
    out = []
    module = pyproject["tool"]["dagster"]["module_name"]
    [deployment] = values["dagster-user-deployments"]["deployments"]
    if deployment.get("dagsterApiGrpcArgs") != ["-m", module]:
        out.append(f"dagsterApiGrpcArgs {deployment.get('dagsterApiGrpcArgs')} do not load {module}")
    if [w["python_module"]["module_name"] for w in workspace["load_from"]] != [module]:
        out.append(f"workspace.yaml does not load {module}")
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    entry = json.loads(cmd.group(1)) if cmd else []
    if entry[:3] != ["dagster", "api", "grpc"] or _flag(entry, "-m") != module:
        out.append(f"the image's CMD {entry} is not `dagster api grpc -m {module}`")
    if _flag(entry, "-p") != str(deployment["port"]) or f"EXPOSE {deployment['port']}" not in dockerfile:
        out.append(f"the image does not serve on the deployment's port {deployment['port']}")
    extra = re.search(r'pip install [^\n]*"\.\[(\w+)\]"', dockerfile)
    installed = pyproject["project"]["optional-dependencies"].get(extra.group(1), []) if extra else []
    # Pinned with the other dagster* integrations (0.29.N goes with dagster 1.13.N).
    [pin] = {d.split("==")[1] for d in pyproject["project"]["dependencies"] if d.startswith("dagster-gcp==")}
    for package in ("dagster-postgres", "dagster-k8s"):
        if f"{package}=={pin}" not in installed:
            out.append(f"the image does not install {package}=={pin} (extra {extra.group(1) if extra else None})")
    return out


def _flag(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv and argv.index(flag) + 1 < len(argv) else None


def test_the_chart_values_give_the_instance_of_deploy_dagster_yaml():
    files = _files()
    assert instance_disagreements(files["instance"], files["values"]) == []


def test_the_image_serves_the_code_location_the_project_declares():
    files = _files()
    assert (
        code_location_disagreements(files["values"], files["dockerfile"], files["pyproject"], files["workspace"]) == []
    )


def test_every_pool_the_scrapers_use_gets_the_default_limit_of_one_on_both():
    files = _files()
    pools = {a.op.pool for a in all_assets if a.op.pool}
    assert pools == {"nba_stats_api", "odds_api"}
    # No pool has a limit of its own in either file: each takes the default, one call at a time.
    assert files["instance"]["concurrency"]["pools"] == {"default_limit": 1}
    assert files["values"]["concurrency"]["pools"] == {"defaultLimit": 1}


@pytest.mark.parametrize(
    "drift, named",
    [
        (lambda v, d: v["concurrency"]["runs"].update(maxConcurrentRuns=8), "maxConcurrentRuns 8"),
        (lambda v, d: v["concurrency"]["runs"]["tagConcurrencyLimits"][0].update(limit=3), "tagConcurrencyLimits"),
        (lambda v, d: v["concurrency"]["pools"].update(defaultLimit=2), "pools.defaultLimit 2"),
        (lambda v, d: v["concurrency"].update(enabled=False), "concurrency.enabled"),
        (lambda v, d: v["dagsterDaemon"]["runCoordinator"].update(enabled=False), "run coordinator"),
        (lambda v, d: v["postgresql"].pop("postgresqlScheme"), "postgresqlScheme"),
        (lambda v, d: v.pop("additionalInstanceConfig"), "event_log_storage None.None"),
        (lambda v, d: v["postgresql"].update(postgresqlHost="10.0.0.9"), "postgres_db.hostname"),
        (lambda v, d: v["dagsterDaemon"].pop("image"), "dagsterDaemon.image"),
    ],
)
def test_a_drifted_chart_value_is_named(drift, named):
    files = _files()
    drift(files["values"], files["dockerfile"])
    assert [m for m in instance_disagreements(files["instance"], files["values"]) if named in m]


@pytest.mark.parametrize(
    "old, new, named",
    [
        ('"-m", "nba_backfill.definitions"]', '"-m", "nba_backfill.other"]', "CMD"),
        ('"-p", "3030"', '"-p", "4000"', "port"),
        ("EXPOSE 3030", "EXPOSE 4000", "port"),
        ('".[k8s]"', '".[production]"', "dagster-k8s"),
    ],
)
def test_a_drifted_image_is_named(old, new, named):
    files = _files()
    assert old in files["dockerfile"]
    dockerfile = files["dockerfile"].replace(old, new)
    problems = code_location_disagreements(files["values"], dockerfile, files["pyproject"], files["workspace"])
    assert [m for m in problems if named in m]
