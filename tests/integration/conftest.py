from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "raw").glob("0*_*.txt"))
GOLD = ROOT / "tests" / "fixtures" / "gold"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, d / seed.name)
    return d


@pytest.fixture
def settings(tmp_path: Path, raw_dir: Path) -> Settings:
    return Settings(db_path=tmp_path / "wh" / "warehouse.duckdb", raw_dir=raw_dir)


def run_refresh(tmp: Path, files: dict[str, bytes]):
    """Run the refresh job in process against a fresh raw/ and DuckDB under ``tmp``."""
    raw = tmp / "raw"
    raw.mkdir(parents=True)
    for name, data in files.items():
        (raw / name).write_bytes(data)
    env = {"GOVREPORT_DB": str(tmp / "wh" / "warehouse.duckdb"), "GOVREPORT_RAW": str(raw)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        import dagster as dg

        from dagster_project.definitions import defs

        job = defs.resolve_job_def("refresh_all")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return result, tmp / "wh"


def check_results(result) -> dict[str, tuple[bool, dict]]:
    from dagster import DagsterEventType

    out = {}
    for e in result.all_events:
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = e.asset_check_evaluation_data
            out[data.check_name] = (data.passed, {k: v.value for k, v in data.metadata.items()})
    return out


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory):
    """One real refresh of the seed corpus (plus a quarantined file), shared by every test module."""
    files = {p.name: p.read_bytes() for p in SEEDS}
    files["saved page.png"] = b"\x89PNG\r\n\x1a\n" + bytes(64)  # quarantined, and still accounted for
    result, wh = run_refresh(tmp_path_factory.mktemp("seeds"), files)
    assert result.success
    return result, wh


def marts(wh: Path, sql: str, params=None):
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


REAL = ROOT / "tests" / "fixtures" / "real"


@pytest.fixture(scope="session")
def reconciliation_run(tmp_path_factory):
    """One real refresh of the real crawled reports (tests/fixtures/real: several agencies over
    2019–2025) and the small synthetic multi-year series of tests/integration/multiyear.py."""
    from .multiyear import files as multiyear_files

    files = {
        f"{p.parent.name}__{p.name}": p.read_bytes()
        for p in sorted(REAL.rglob("*"))
        if p.suffix in (".txt", ".pdf") and p.parent.name != "gold"
    }
    files.update(multiyear_files())
    result, wh = run_refresh(tmp_path_factory.mktemp("reconciliation"), files)
    assert result.success
    return result, wh
