"""A refresh killed with SIGKILL at any point leaves the published copy intact; the next one completes
and produces exactly what a clean refresh produces. Real subprocesses, real DuckDB files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from .conftest import SEEDS

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp: Path, raw: Path) -> dict[str, str]:
    return dict(os.environ, GOVREPORT_DB=str(tmp / "wh" / "warehouse.duckdb"), GOVREPORT_RAW=str(raw),
                DAGSTER_HOME=str(tmp / "dagster_home"))  # fmt: skip


def _start(env: dict[str, str]) -> subprocess.Popen:
    govreport = Path(sys.executable).parent / "govreport"
    return subprocess.Popen([str(govreport), "refresh"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip


def _refresh(env: dict[str, str]) -> str:
    proc = _start(env)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    return out


def snapshot(published: Path) -> dict[str, list]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = 'main_marts' order by 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select * exclude (loaded_at) from "{s}"."{t}" order by all').fetchall()
            if t == "dim_report"
            else con.execute(f'select * from "{s}"."{t}" order by all').fetchall()
            for s, t in tables
        }
    finally:
        con.close()


def test_sigkill_during_refresh_keeps_published_copy_and_rerun_recovers(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, raw / seed.name)
    env = _env(tmp_path, raw)
    published = tmp_path / "wh" / "published.duckdb"
    started = time.monotonic()
    _refresh(env)
    duration = time.monotonic() - started
    before = snapshot(published)
    assert len(before["main_marts.dim_report"]) == 5

    (raw / SEEDS[0].name).unlink()  # the next refresh changes what gets published
    seen_after_kill = []
    for trigger in (0.2, 0.55, 0.8, "publish"):
        proc = _start(env)
        if trigger == "publish":
            deadline = time.monotonic() + 300
            while not list(published.parent.glob(".publish-*")) and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                time.sleep(0.005)
        else:
            time.sleep(duration * trigger)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        state = snapshot(published)  # opens, reads, and is one complete state or the other
        seen_after_kill.append(len(state["main_marts.dim_report"]))
        assert state == before or len(state["main_marts.dim_report"]) == 4
    assert seen_after_kill[0] == 5  # killed early: readers still see the old data

    _refresh(env)
    after = snapshot(published)

    clean_raw = tmp_path / "clean_raw"
    shutil.copytree(raw, clean_raw)
    clean_env = _env(tmp_path / "clean", clean_raw)
    _refresh(clean_env)
    assert after == snapshot(tmp_path / "clean" / "wh" / "published.duckdb")
    assert len(after["main_marts.dim_report"]) == 4


def test_two_refreshes_at_once_second_exits_clearly(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    env = _env(tmp_path, raw)
    first = _start(env)
    lock = tmp_path / "wh" / "warehouse.duckdb.refresh.lock"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    second = _start(env)
    out, _ = second.communicate(timeout=120)
    first_out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, first_out
    assert second.returncode == 3
    assert f"another refresh is running (pid {first.pid})" in out
