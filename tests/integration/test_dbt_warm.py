"""The warm dbt process (dagster_project/dbt_warm.py): a dbt command handed to a process that has
already imported dbt runs as it would in a new process (output, exit status, signals, files closed),
and the client becomes the real dbt when no warm process answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.dbt_project import DBT_DIR, dbt_executable, dbt_project
from dagster_project.dbt_warm import WarmDbt
from dagster_project.defs.dbt import LocalDbtCliResource

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = "tests.integration.warm_entries"


@pytest.fixture
def started():
    warm: list[WarmDbt] = []

    def start(entry: str | None = None, real: str | None = None) -> WarmDbt:
        w = WarmDbt.start(real or dbt_executable(), entry=entry)
        assert w is not None
        warm.append(w)
        return w

    yield start
    for w in warm:
        w.stop()


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, **kwargs)


def test_a_real_dbt_command_gives_the_same_output_and_status(started, tmp_path):
    env = dict(os.environ, GOVREPORT_DB=str(tmp_path / "w.duckdb"), DBT_TARGET_PATH=str(tmp_path / "t"))
    args = ["ls", "--resource-type", "seed", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
            "--quiet"]  # fmt: skip
    warm = started()
    through_warm = _run([warm.executable, *args], env=env)
    assert warm.process.wait(timeout=60) == 0  # it served the command and ended
    direct = _run([dbt_executable(), *args], env=env)
    assert through_warm.returncode == direct.returncode == 0
    assert through_warm.stdout == direct.stdout
    assert "govreport.report_deadlines" in through_warm.stdout
    # A command dbt refuses: the same exit status.
    bad = ["no-such-command"]
    refused = _run([started().executable, *bad], env=env).returncode
    assert refused == _run([dbt_executable(), *bad]).returncode != 0


def test_streams_folder_environment_and_exit_status_pass_through(started, tmp_path):
    warm = started(entry=f"{ENTRIES}:echo")
    out = subprocess.run(
        [warm.executable, "3"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, WARM_PROBE="seen"),
        timeout=120,
    )
    assert out.returncode == 3
    assert f"cwd={tmp_path}" in out.stdout
    assert "probe=seen" in out.stdout
    assert "argv=['3']" in out.stdout
    assert out.stderr.strip() == "to stderr"


def test_a_signal_to_the_client_reaches_the_command(started, tmp_path):
    ready = tmp_path / "ready"
    warm = started(entry=f"{ENTRIES}:wait_for_interrupt")
    proc = subprocess.Popen([warm.executable, str(ready)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists()
    proc.send_signal(signal.SIGINT)  # what dagster-dbt does to stop a run
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out.strip() == "interrupted"


def test_the_database_is_closed_when_the_client_returns(started, tmp_path):
    db = tmp_path / "held.duckdb"
    warm = started(entry=f"{ENTRIES}:hold_duckdb")
    # Output to a file, not a pipe: a reader of a pipe would also wait for the child to close it.
    with (tmp_path / "out.txt").open("w") as out:
        done = subprocess.run([warm.executable, str(db)], stdout=out, stderr=out, cwd=ROOT, timeout=120)
    assert done.returncode == 0
    con = duckdb.connect(str(db))  # a writer: DuckDB refuses it while another process holds the file
    assert con.execute("select x from t").fetchall() == [(1,)]
    con.close()


def test_without_a_warm_process_the_client_becomes_the_real_dbt(started, tmp_path):
    real = tmp_path / "real-dbt"
    real.write_text('#!/bin/sh\necho "real dbt: $*"\nexit 4\n')
    real.chmod(0o755)
    warm = started(real=str(real))
    warm.process.kill()
    warm.process.wait(timeout=30)
    out = _run([warm.executable, "build", "--select", "x"])
    assert out.returncode == 4
    assert out.stdout.strip() == "real dbt: build --select x"


def test_stop_ends_an_unused_warm_process_and_removes_its_folder(started):
    warm = started()
    warm.stop()
    assert warm.process.returncode is not None
    assert not warm.folder.exists()


def test_the_dbt_resource_runs_its_first_command_in_the_warm_process(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVREPORT_DB", str(tmp_path / "w.duckdb"))
    resource = LocalDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    context = dg.build_init_resource_context()
    resource.setup_for_execution(context)
    try:
        (warm,) = resource._started
        first = resource.cli(["ls", "--resource-type", "seed"], raise_on_error=True).wait()
        assert first.process.args[0] == warm.executable
        assert first.process.returncode == 0
        second = resource.cli(["ls", "--resource-type", "seed"], raise_on_error=True).wait()
        assert second.process.args[0] == dbt_executable()  # one command per warm process
    finally:
        resource.teardown_after_execution(context)
    assert not warm.folder.exists()


def _ended(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (its files are closed)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_a_warm_process_whose_run_died_removes_its_folder_and_exits(tmp_path):
    # A process that starts a warm dbt process and exits without stopping it (a run that was killed).
    script = (
        "from dagster_project.dbt_warm import WarmDbt\n"
        f"w = WarmDbt.start('/bin/false', entry='{ENTRIES}:echo')\n"
        "print(w.process.pid, w.folder)\n"
    )
    out = _run([sys.executable, "-c", script])
    assert out.returncode == 0, out.stderr
    pid, folder = out.stdout.split()
    deadline = time.monotonic() + 30
    while not _ended(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ended(int(pid))
    assert not Path(folder).exists()
