"""Measure ``govreport refresh`` as users run it: wall time per Dagster step, RSS of the process tree.

The refresh runs as a subprocess with its own working database and ``DAGSTER_HOME``; a thread samples
the RSS of that process and every descendant (the parse workers, the dbt subprocess) every 100 ms;
the step timings come from the run's own event log (``STEP_START`` / ``STEP_SUCCESS``), so a stage
is what Dagster ran, not a re-implementation of it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from dagster_project.run_history import ensure_dagster_yaml

GOVREPORT = Path(sys.executable).parent / "govreport"


@dataclass
class Refresh:
    """One ``govreport refresh``: wall time, per-step windows (unix time), memory samples."""

    started: float = 0.0  # unix time when the command started
    wall_s: float = 0.0
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)  # step key -> (start, end)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (unix time, RSS bytes of the tree)

    def step_s(self, key: str) -> float:
        start, end = self.steps.get(key, (0.0, 0.0))
        return end - start

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def peak_during(self, key: str) -> int:
        start, end = self.steps.get(key, (0.0, 0.0))
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)

    def done_s(self, key: str, since: float) -> float:
        """Seconds from ``since`` (unix time) to the end of step ``key``."""
        return self.steps[key][1] - since


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_refresh(db: Path, raw: Path, dagster_home: Path, log: Path) -> Refresh:
    """Run ``govreport refresh`` on ``raw`` into ``db``; raise if it fails (its output is in ``log``)."""
    ensure_dagster_yaml(dagster_home)  # what `make run` writes
    env = dict(os.environ, GOVREPORT_DB=str(db), GOVREPORT_RAW=str(raw), DAGSTER_HOME=str(dagster_home),
               GOVREPORT_PROGRESS="0", GOVREPORT_LOG_LEVEL="INFO")  # fmt: skip
    out = Refresh(started=time.time())
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen([str(GOVREPORT), "refresh"], env=env, stdout=fh, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                out.samples.append((time.time(), _tree_rss(watched)))
            time.sleep(0.1)
    out.wall_s = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"govreport refresh exited {proc.returncode}; see {log}")
    out.steps = step_windows(dagster_home)
    return out


def step_windows(dagster_home: Path) -> dict[str, tuple[float, float]]:
    """Start and end (unix time) of each step of the latest run recorded in ``dagster_home``."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        (run,) = instance.get_runs(limit=1)
        windows: dict[str, list[float]] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or entry.step_key is None:
                continue
            if event.event_type_value in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
                window = windows.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])
                window[0] = min(window[0], entry.timestamp)
                window[1] = max(window[1], entry.timestamp)
        return {k: (v[0], v[1]) for k, v in windows.items()}
    finally:
        instance.dispose()
