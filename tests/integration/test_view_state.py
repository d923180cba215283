"""A dbt view is created again exactly when it changed (dbt/macros/view_unchanged.sql).

The real dbt runs on a copy of the seed refresh's warehouse and of the dbt project: a view built from
the same SQL and descriptions is left as it is; a changed description, a view replaced by hand and
`--full-refresh` each create it again, with its comment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from .conftest import ROOT

VIEW = "stg_reports__issues"


def _copies(wh: Path, tmp: Path) -> tuple[Path, Path]:
    db = tmp / "warehouse.duckdb"
    shutil.copy(wh / "warehouse.duckdb", db)
    if (wh / "warehouse.duckdb.wal").exists():
        shutil.copy(wh / "warehouse.duckdb.wal", tmp / "warehouse.duckdb.wal")
    project = tmp / "dbt"
    shutil.copytree(ROOT / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    return db, project


def _run_view(db: Path, project: Path, *extra: str) -> str:
    """dbt run of the view; the message of its result ("view unchanged" when left as it was)."""
    target = project / "target"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--select", VIEW, *extra],
        cwd=project, env=dict(os.environ, GOVREPORT_DB=str(db)), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (result,) = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert result["status"] == "success"
    return result["message"]


def _view(db: Path) -> tuple[str | None, list[str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        comment = con.execute(
            "select comment from duckdb_views() where schema_name = 'main_staging' and view_name = ?", [VIEW]
        ).fetchone()[0]
        columns = [
            c for (c,) in con.execute(f"select column_name from (describe main_staging.{VIEW})").fetchall()
        ]
    finally:
        con.close()
    return comment, columns


def test_views_are_created_again_only_when_changed(seeds_run, tmp_path):
    _, wh = seeds_run
    db, project = _copies(wh, tmp_path)
    comment, columns = _view(db)
    assert comment and "report_id" in columns

    # The seed refresh built the view from this project: nothing to do.
    assert _run_view(db, project) == "view unchanged"

    # A view replaced by hand is created again.
    con = duckdb.connect(str(db))
    con.execute(f"create or replace view main_staging.{VIEW} as select 1 as x")
    con.close()
    assert _run_view(db, project) != "view unchanged"
    assert _view(db) == (comment, columns)
    assert _run_view(db, project) == "view unchanged"

    # A new description is a change: the view is created again with it.
    staging = project / "models" / "staging" / "_staging.yml"
    text = staging.read_text(encoding="utf-8")
    assert comment in text
    staging.write_text(text.replace(comment, comment + " Described anew."), encoding="utf-8")
    assert _run_view(db, project) != "view unchanged"
    assert _view(db) == (comment + " Described anew.", columns)
    assert _run_view(db, project) == "view unchanged"

    # --full-refresh creates every selected view again.
    assert _run_view(db, project, "--full-refresh") != "view unchanged"
