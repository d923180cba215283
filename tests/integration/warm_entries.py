"""Click commands that stand in for dbt's in tests of the warm dbt handover (dagster_project/dbt_warm.py)."""

import os
import sys
import time

import click
import duckdb


@click.command()
@click.argument("code", type=int)
def echo(code: int) -> None:
    """Write what the command sees to stdout and stderr, then exit with ``code``."""
    print(f"cwd={os.getcwd()}")
    print(f"probe={os.environ.get('WARM_PROBE')}")
    print(f"argv={sys.argv[1:]}")
    print("to stderr", file=sys.stderr)
    sys.exit(code)


@click.command()
@click.argument("ready")
def wait_for_interrupt(ready: str) -> None:
    """Say it is ready, then wait for SIGINT and exit 130 once it comes."""
    open(ready, "w").close()
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    sys.exit(0)


_held = []


@click.command()
@click.argument("path")
def hold_duckdb(path: str) -> None:
    """Open a DuckDB file for writing, work a while, and return without closing it (as dbt leaves its
    connection to the process's exit)."""
    con = duckdb.connect(path)
    con.execute("create table t as select 1 as x")
    _held.append(con)
    time.sleep(1)
