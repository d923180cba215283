from __future__ import annotations

import shutil
from pathlib import Path

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
