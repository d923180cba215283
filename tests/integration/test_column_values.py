"""The column_values dbt test (dbt/tests/generic/column_values.sql) finds each rule it holds broken.

A copy of the seed refresh's warehouse is damaged in known ways, then the real dbt runs the test
with --store-failures: each broken rule comes back as one row naming the rule, the column and the
number of rows that break it, and a model left alone still passes.
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


def _damaged_copy(wh: Path, tmp: Path, statements: list[str]) -> Path:
    db = tmp / "warehouse.duckdb"
    shutil.copy(wh / "warehouse.duckdb", db)
    if (wh / "warehouse.duckdb.wal").exists():
        shutil.copy(wh / "warehouse.duckdb.wal", tmp / "warehouse.duckdb.wal")
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()
    return db


def _run_column_values(db: Path, tmp: Path, models: list[str]) -> dict[str, tuple[str, set]]:
    """Status and failing (rule, column, rows) of each model's column_values test."""
    target = tmp / "target"
    env = dict(os.environ, GOVREPORT_DB=str(db))
    selector = " ".join(f"test_name:column_values,{m}" for m in models)
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "test", "--store-failures", "--select", *selector.split(),
         "--target-path", str(target), "--log-path", str(tmp / "logs")],
        cwd=ROOT / "dbt", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    out = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        for r in results:
            node = manifest["nodes"][r["unique_id"]]
            (model,) = [manifest["nodes"][d]["name"] for d in node["depends_on"]["nodes"]]
            stored = node["relation_name"]
            rows = con.execute(f"select rule, column_name, failing_rows from {stored}").fetchall()
            out[model] = (r["status"], set(rows))
    finally:
        con.close()
    return out


def test_column_values_reports_each_broken_rule(seeds_run, tmp_path):
    _, wh = seeds_run
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    try:
        fees = con.execute("select report_id from main_marts.fct_fees order by report_id").fetchall()
        ids = [i for (i,) in fees]
        read_overdue = con.execute(
            "select report_id from main_marts.fct_fees where overdue_fee_requests_value_status = 'read' "
            "order by report_id limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    assert len(ids) >= 3
    other = next(i for i in ids if i not in (read_overdue, ids[-1]))
    fees = "main_marts.fct_fees"
    db = _damaged_copy(
        wh,
        tmp_path,
        [
            # unique: one report's row twice.
            f"insert into {fees} select * from {fees} where report_id = '{ids[-1]}'",
            # accepted_values: a status outside the list (its value is a number, as a read cell's is).
            f"update {fees} set admin_fees_value_status = 'guessed' where report_id = '{other}'",
            # value_matches_status: a read cell without its number.
            f"update {fees} set overdue_fee_requests = null where report_id = '{read_overdue}'",
            # not_null: a report without its trust level.
            f"update main_marts.dim_report set trust = null where report_id = '{ids[0]}'",
        ],
    )
    results = _run_column_values(db, tmp_path, ["fct_fees", "dim_report", "fct_applications_by_outcome"])
    assert results["fct_fees"] == (
        "fail",
        {
            ("unique", "report_id", 1),
            ("accepted_values", "admin_fees_value_status", 1),
            ("value_matches_status", "overdue_fee_requests_value_status", 1),
        },
    )
    assert results["dim_report"] == ("fail", {("not_null", "trust", 1)})
    assert results["fct_applications_by_outcome"] == ("pass", set())
