"""dbt models as Dagster assets (dbt tests become asset checks)."""

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version
from pydantic import PrivateAttr

from dagster_project.dbt_project import dbt_executable, dbt_project, ensure_manifest
from dagster_project.dbt_warm import WarmDbt
from dagster_project.progress import LogEvery, report

DUCKDB_POOL = "duckdb_writer"  # one DuckDB writer at a time
PARTIAL_PARSE = "partial_parse.msgpack"
# Folders of earlier dbt commands kept beside this run's (each holds the manifest, compiled SQL and the
# log: about 8 MB for this project).
KEEP_RUN_TARGETS = 3


class LayerTranslator(DagsterDbtTranslator):
    """Groups models by their folder (staging, intermediate, marts), seeds as reference data."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        fqn = props.get("fqn") or []
        if props.get("resource_type") == "model" and len(fqn) > 2:
            spec = spec.replace_attributes(group_name=fqn[1])
        elif props.get("resource_type") == "seed":
            spec = spec.replace_attributes(group_name="reference")
        return spec


class LocalDbtCliResource(DbtCliResource):
    """``DbtCliResource`` for the dbt-core of this environment, without two start-up costs per run.

    Before each command dagster-dbt 0.29 runs ``dbt --version`` in a subprocess (about 2.5 s) and opens
    an in-process dbt adapter (about 2.5 s), which it only uses to fetch column and row-count metadata
    (``fetch_column_metadata``, ``fetch_row_counts``) that these assets do not request. The executable
    is the dbt of this interpreter's environment (``dbt_executable``), so its version is the installed
    dbt-core's; without an adapter dagster-dbt runs the command exactly as before.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    # A warm dbt process (dagster_project/dbt_warm.py), started when a run sets up this resource, so
    # that dbt's imports overlap the steps before dbt's; it serves the run's first dbt command.
    _warm: list = PrivateAttr(default_factory=list)  # [WarmDbt not yet used, or None]
    _started: list = PrivateAttr(default_factory=list)  # every WarmDbt, stopped at teardown

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        try:
            warm = WarmDbt.start(self.dbt_executable)
        except OSError as exc:  # no temporary folder, no process: dbt starts as dagster-dbt starts it
            if context.log:
                context.log.warning(f"dbt will not be started ahead of its command: {exc}")
            warm = None
        self._warm[:] = [warm]
        if warm is not None:
            self._started.append(warm)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        while self._started:
            self._started.pop().stop()
        self._warm[:] = []

    def cli(self, args: Sequence[str], **kwargs: Any):  # type: ignore[override]
        warm = self._warm.pop() if self._warm else None
        if warm is None:
            return super().cli(args, **kwargs)
        # The same command, with the warm process's client as the executable.
        return DbtCliResource.cli(self.model_copy(update={"dbt_executable": warm.executable}), args, **kwargs)


@dbt_assets(
    manifest=ensure_manifest(dbt_project),
    project=dbt_project,
    dagster_dbt_translator=LayerTranslator(),
    pool=DUCKDB_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # Models and tests done / selected, in the run's logs and on the terminal of `govreport refresh`.
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    log_counts = LogEvery(context.log.info, "dbt build", unit="models and tests")
    done = 0
    invocation = dbt.cli(["build", "--log-level-file", dbt_file_log_level()], context=context)
    for event in invocation.stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization | dg.AssetCheckResult):
            done = min(done + 1, total)
            log_counts(done, total)
            report("dbt build", done, total, "models and tests")
        yield event
    keep_partial_parse(Path(invocation.target_path))
    prune_run_targets(Path(invocation.target_path))


def dbt_file_log_level() -> str:
    """The level of the ``dbt.log`` each build leaves in its target folder: ``info`` (what the run's
    logs show), unless ``DBT_LOG_LEVEL_FILE`` asks for another. dbt's default, ``debug``, writes every
    statement and connection event of every node: about 10 MB a build, and 1.5-2.5 s of a one-report
    build at 100,000 reports (docs/benchmarks.md). ``DBT_LOG_LEVEL_FILE=debug`` brings it back."""
    return os.environ.get("DBT_LOG_LEVEL_FILE", "info")


def prune_run_targets(run_target: Path, keep: int = KEEP_RUN_TARGETS) -> list[Path]:
    """Remove the target folders of earlier dbt commands of this op but the newest ``keep``.

    dagster-dbt gives every command its own folder (``target/<op>-<run>-<id>``) and never removes it:
    about 8 MB a refresh, so a warehouse refreshed by the sensor for every new file grew without end
    (36 folders, 304 MB, after one day of tests and benchmarks). Refreshes hold the refresh lock, so no
    other dbt command of this op is writing a folder meanwhile. Returns the folders removed.
    """
    if not run_target.is_absolute():
        run_target = Path(dbt_project.project_dir) / run_target
    prefix = run_target.name.split("-", 1)[0] + "-"
    others = []
    for folder in run_target.parent.glob(f"{prefix}*"):
        with contextlib.suppress(OSError):  # gone meanwhile (a test suite's warehouses share dbt/target)
            if folder.is_dir() and folder != run_target:
                others.append((folder.stat().st_mtime, folder))
    removed = [folder for _, folder in sorted(others, reverse=True)[keep:]]
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)
    return removed


def keep_partial_parse(run_target: Path) -> None:
    """Make this run's parse the one the next run starts from.

    dagster-dbt starts each command from the project's ``target/partial_parse.msgpack``, but dbt
    discards a parse made under another profile, and the profile holds the database path
    (``GOVREPORT_DB``), so a parse left by ``dbt parse`` or by a refresh of another warehouse made dbt
    parse the whole project again on every run (about 3 s). The file is dbt's own cache, checked by
    dbt against the project's files, versions and profile before use; it is replaced atomically.
    """
    source = run_target / PARTIAL_PARSE
    target_dir = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    target_dir = target_dir if target_dir.is_absolute() else Path(dbt_project.project_dir) / target_dir
    if not source.exists() or not target_dir.is_dir():
        return
    tmp = target_dir / f".{PARTIAL_PARSE}.{os.getpid()}"
    shutil.copyfile(source, tmp)
    os.replace(tmp, target_dir / PARTIAL_PARSE)


defs = dg.Definitions(
    assets=[dbt_models],
    resources={"dbt": LocalDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())},
)
