"""The narrative tables written in batches equal those written at once, and a re-run reuses them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from dagster_project.warehouse import analysis_store
from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("report_sections", "narrative_claims", "agency_mentions")


def _tables(settings: Settings) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        return {t: con.execute(f"select * from analysis.{t} order by all").fetchall() for t in TABLES}
    finally:
        con.close()


def _warehouse(tmp: Path, name: str) -> Settings:
    raw = tmp / name / "raw"
    raw.mkdir(parents=True)
    for src in sorted((ROOT / "raw").glob("*.txt")) + sorted((ROOT / "tests/fixtures/real").rglob("*.txt")):
        shutil.copy(src, raw / f"{src.parent.name}_{src.name}")
    settings = Settings(db_path=tmp / name / "warehouse.duckdb", raw_dir=raw)
    load_raw(settings)
    return settings


def test_batched_narratives_equal_one_batch(tmp_path, monkeypatch):
    whole = _warehouse(tmp_path, "whole")
    summary = analysis_store.refresh_narratives(whole)
    assert summary.analysed == summary.reports > 3

    monkeypatch.setattr(analysis_store, "WRITE_BATCH", 3)
    monkeypatch.setattr(analysis_store, "PARALLEL_MIN", 10_000)  # in process: the patch applies
    batched = _warehouse(tmp_path, "batched")
    assert analysis_store.refresh_narratives(batched).analysed == summary.analysed
    assert _tables(batched) == _tables(whole)
    assert any(_tables(whole)["narrative_claims"])

    again = analysis_store.refresh_narratives(batched)
    assert (again.analysed, again.reused) == (0, summary.reports)
    assert _tables(batched) == _tables(whole)
