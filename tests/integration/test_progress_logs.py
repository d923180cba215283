"""The Dagster run's logs carry the same counts as the terminal: files parsed / total, rate, time left."""

from __future__ import annotations

import shutil

import dagster as dg

from dagster_project.defs.ingest import raw_tables
from dagster_project.defs.resources import WarehouseResource

from .conftest import SEEDS


def test_the_raw_load_logs_files_parsed_out_of_total(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, raw / seed.name)
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(db_path=str(tmp_path / "wh" / "warehouse.duckdb"), raw_dir=str(raw))
    result = dg.materialize([raw_tables], resources={"warehouse": resource}, instance=instance)
    assert result.success
    messages = [e.user_message for e in instance.all_logs(result.run_id) if e.user_message]
    counts = [m for m in messages if m.startswith("parse: ")]
    assert counts[0] == f"parse: 0/{len(SEEDS)} files"
    assert counts[-1].startswith(f"parse: {len(SEEDS)}/{len(SEEDS)} files, ") and counts[-1].endswith("/s")
