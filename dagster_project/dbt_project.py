"""The dbt project as Dagster sees it, and the one place that keeps its manifest fresh.

This module must not use relative imports: ``dagster-dbt project prepare-and-package --file``
imports it by path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = REPO_ROOT / "dbt"
DEFAULT_DB = REPO_ROOT / "warehouse" / "warehouse.duckdb"


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (the venv need not be on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GOVREPORT_DB", str(DEFAULT_DB))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def _newest_source_mtime() -> float:
    newest = (DBT_DIR / "dbt_project.yml").stat().st_mtime
    for sub in ("models", "macros", "tests", "seeds"):
        for path in (DBT_DIR / sub).rglob("*"):
            if path.suffix in (".sql", ".yml", ".yaml", ".csv"):
                newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest(project: DbtProject) -> Path:
    """Run ``dbt parse`` when the manifest is missing or older than the project's sources.

    A stale manifest silently runs old models (STACK_NOTES), so staleness is checked on every load.
    """
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_DIR),
                "--profiles-dir",
                str(DBT_DIR),
            ],
            check=True,
            env=dbt_env(),
            cwd=DBT_DIR,
        )
        manifest.touch()
    return manifest


os.environ.setdefault("GOVREPORT_DB", str(DEFAULT_DB))
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
