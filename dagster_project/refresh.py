"""``govreport refresh`` (``make run``): run the Dagster refresh job in-process and print a summary."""

from __future__ import annotations

import contextlib
import os
import re
import sys

from dagster_project import progress
from dagster_project.warehouse.locking import RefreshLocked, refresh_lock
from dagster_project.warehouse.settings import Settings


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        from pathlib import Path

        from dagster_project.run_history import ensure_dagster_yaml

        ensure_dagster_yaml(Path(os.environ["DAGSTER_HOME"]))
        return dg.DagsterInstance.get()  # runs show up in `make ui`
    return dg.DagsterInstance.ephemeral()


def summary_lines(settings: Settings) -> list[str]:
    import duckdb

    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        status = dict(con.execute("select status, count(*) from raw.reports group by status").fetchall())
        reasons = con.execute(
            "select quarantine_reason, count(*) from raw.reports where status = 'quarantined' "
            "group by 1 order by 1"
        ).fetchall()
        dupes = con.execute("select count(*) from raw.reports where duplicate_of is not null").fetchone()[0]
        failing = con.execute(
            "select count(distinct report_id), count(*) from main_marts.fct_identity_checks "
            "where status = 'fail'"
        ).fetchone()
    finally:
        con.close()
    lines = [
        f"reports loaded:      {status.get('parsed', 0)}"
        + (f" ({dupes} duplicates of another file for the same agency-year)" if dupes else ""),
        f"quarantined files:   {status.get('quarantined', 0)}"
        + (" (" + ", ".join(f"{r}: {n}" for r, n in reasons) + ")" if reasons else ""),
        f"identity failures:   {failing[1]} checks in {failing[0]} reports "
        "(see main_marts.fct_identity_checks)",
        f"published copy:      {settings.published_path}",
    ]
    folder = settings.published_path.parent
    if (folder / "exports" / "manifest.json").exists():
        lines.append(f"exports:             {folder / 'exports'} (Parquet, CSV, Excel; docs/exports.md)")
    if (folder / "data_docs" / "index.html").exists():
        lines.append(f"quality report:      {folder / 'data_docs' / 'index.html'} (Great Expectations)")
    return lines


# Exit statuses of `govreport refresh` (docs/operations.md lists them).
EXIT_OK = 0  # refreshed; quarantined files and failing quality checks do not change it
EXIT_FAILED = 1  # a step failed: the message names it and the error
EXIT_LOCKED = 3  # another refresh holds the lock (2 is a usage error, from argparse)
EXIT_STORAGE = 4  # the working database or the published copy could not be written (disk full)

_STORAGE_FULL = re.compile(r"No space left on device|File too large|Disk quota exceeded|disk is full", re.I)


def _root_cause(error) -> str:
    """The innermost message of a Dagster error chain (the DuckDB error names the file it wrote)."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause or error.context
    storage = next((e for e in chain if _STORAGE_FULL.search(e.message or "")), None)
    message = (storage or chain[-1]).message.strip() if chain else "unknown error"
    return " ".join(message.split())


def main(wait: float = 0.0) -> int:
    settings = Settings.from_env()
    log_path = settings.db_path.with_name("last_refresh.log")
    level = os.environ.get("GOVREPORT_LOG_LEVEL", "WARNING")
    quiet = {"loggers": {"console": {"config": {"log_level": level}}}}
    try:
        with refresh_lock(settings, wait=wait):
            from dagster_project.definitions import defs

            job = defs.resolve_job_def("refresh_all")
            # dbt's progress lines (re-emitted by dagster-dbt on stdout) go to a log file, so the
            # terminal shows the summary; the Dagster UI keeps the full structured history.
            log_path.parent.mkdir(parents=True, exist_ok=True)
            # On a terminal, one line shows the step and its counts (progress.py); CI and pipes stay quiet.
            with (
                log_path.open("w", encoding="utf-8") as log,
                contextlib.redirect_stdout(log),
                progress.terminal(sys.stderr),
            ):
                result = job.execute_in_process(run_config=quiet, instance=_instance(), raise_on_error=False)
    except RefreshLocked as exc:
        print(f"govreport refresh: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        where = ", ".join(e.step_key for e in failures) or "an unknown step"
        causes = [_root_cause(e.step_failure_data.error) for e in failures if e.step_failure_data]
        storage = any(_STORAGE_FULL.search(c) for c in causes)
        hint = " (the disk is full or a file-size limit was hit: free space, then run it again)"
        print(
            f"govreport refresh: the run failed at {where}"
            + "".join(f": {c}" for c in causes)
            + (hint if storage else "")
            + f"; readers keep the last published copy; see {log_path}",
            file=sys.stderr,
        )
        return EXIT_STORAGE if storage else EXIT_FAILED
    from dagster import DagsterEventType

    check_failures = [
        e.asset_check_evaluation_data.check_name
        for e in result.all_events
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
        and not e.asset_check_evaluation_data.passed
    ]
    for line in summary_lines(settings):
        print(line)
    print(
        f"failed quality checks: {len(check_failures)}"
        + (f" ({', '.join(check_failures)})" if check_failures else "")
    )
    print(f"refresh log:         {log_path}")
    return EXIT_OK
