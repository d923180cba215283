"""`make ui` serves the Dagster UI; its GraphQL endpoint lists the whole asset graph."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dagster_project.run_history import ensure_dagster_yaml

ROOT = Path(__file__).resolve().parents[2]
QUERY = "{ assetNodes { assetKey { path } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ui_serves_the_asset_graph(tmp_path):
    port = _free_port()
    ensure_dagster_yaml(tmp_path)  # as `make ui` does: webserver, daemon and runs share the run history
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path), GOVREPORT_DB=str(tmp_path / "wh.duckdb"))
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port), "-m", "dagster_project.definitions"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: webserver, daemon and code server all stop below
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 180
        keys = None
        while time.monotonic() < deadline and keys is None:
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql",
                    data=json.dumps({"query": QUERY}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(req, timeout=5) as resp:
                    nodes = json.load(resp)["data"]["assetNodes"]
                    keys = {"/".join(n["assetKey"]["path"]) for n in nodes} or None
            except (OSError, KeyError, TypeError, ValueError):
                time.sleep(1)
        assert keys, "the Dagster UI did not answer"
        assert {"raw/reports", "raw/report_cells", "raw/parse_issues", "marts/fct_identity_checks",
                "marts/fct_applications_by_outcome", "published_warehouse"} <= keys  # fmt: skip
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
