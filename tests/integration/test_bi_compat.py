"""The published copy opens in an older DuckDB, as bundled by BI drivers (STACK_NOTES: 1.4)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.publisher import publish

OLD_DUCKDB = "duckdb==1.4.4"


def test_published_copy_opens_in_duckdb_1_4(settings, tmp_path):
    target = tmp_path / "old_duckdb"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), OLD_DUCKDB],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"could not install {OLD_DUCKDB}: {install.stderr[-300:]}")
    code = (
        "import sys, duckdb\n"
        "assert duckdb.__version__.startswith('1.4'), duckdb.__version__\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select count(*) from raw.reports').fetchone()[0])\n"
    )
    seeds = sorted(settings.raw_dir.iterdir())
    # A new file, then a copy of it, then the first file brought up to date in place (test_publisher).
    for publishes, expected in enumerate(["5", "4", "3"], start=1):
        if publishes > 1:
            seeds.pop().unlink()
        load_raw(settings)
        publish(settings, ("raw",))
        proc = subprocess.run(
            [sys.executable, "-c", code, str(settings.published_path)],
            capture_output=True,
            text=True,
            check=False,
            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == expected
