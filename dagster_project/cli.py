"""``govreport`` command line: ``parse`` files to JSON Lines, ``refresh`` the warehouse, ``export`` the
marts as Parquet, CSV and XLSX, ``docs`` builds the dbt documentation site."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_parse(args: argparse.Namespace) -> int:
    import os

    from .progress import Bar
    from .warehouse.files import readable_component
    from .warehouse.settings import Settings
    from .warehouse.workers import Budget, BudgetPool, Exceeded, parse_path

    out = sys.stdout
    missing = 0
    # Each file is parsed in a worker under the refresh's time and memory budget
    # (GOVREPORT_PARSE_TIMEOUT, GOVREPORT_PARSE_MEMORY_MB): a runaway file is stopped, not waited for.
    budget = Budget.of(Settings.from_env())
    tasks = [(name, not args.no_provenance) for name in args.files]
    # Progress on stderr by default when it is a terminal and the records go elsewhere (a file, a pipe).
    enabled = args.progress
    if enabled is None and out.isatty():
        enabled = False  # the records themselves scroll by on the terminal
    bar = Bar(sys.stderr, enabled=enabled)
    with BudgetPool(budget, min(os.cpu_count() or 1, len(tasks))) as pool:
        for done, (name, outcome) in enumerate(zip(args.files, pool.imap(parse_path, tasks), strict=True), 1):
            if isinstance(outcome, Exceeded):
                what = "over_budget" if outcome.what != "crash" else "parser_failure"
                result = {
                    "file": readable_component(os.fsencode(Path(name).name))[0],
                    "status": what,
                    "issues": [{"code": what, "severity": "error", "message": f"parse: {outcome.message}"}],
                }
            else:
                result, readable = outcome
                missing += not readable
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
            bar.update("parse", done, len(tasks))
    bar.close()
    # Files that were read exit 0 whatever they held; a path that cannot be opened is a usage error.
    return 2 if missing else 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from .refresh import main as refresh_main

    return refresh_main(wait=args.wait)


def _cmd_export(args: argparse.Namespace) -> int:
    from .warehouse.exports import export
    from .warehouse.settings import Settings

    try:
        summary = export(Settings.from_env(), csv_encoding=args.csv_encoding)
    except FileNotFoundError as exc:
        print(f"govreport export: {exc}", file=sys.stderr)
        return 1
    for name, rows in summary.rows.items():
        print(f"{name:<32} {rows:>9} rows")
    print(f"exports:             {summary.path} (Parquet, CSV {summary.csv_encoding}, XLSX)")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from .dbt_docs import build
    from .warehouse.locking import RefreshLocked
    from .warehouse.settings import Settings

    settings = Settings.from_env()
    if not settings.db_path.exists():
        print("govreport docs: no warehouse yet; building it first (govreport refresh)", file=sys.stderr)
        from .refresh import main as refresh_main

        if code := refresh_main():
            return code
    try:
        index = build(settings)
    except RefreshLocked as exc:
        print(f"govreport docs: {exc}", file=sys.stderr)
        return 3
    print(f"dbt docs:            {index} (open it in a browser)")
    data_docs = settings.published_path.parent / "data_docs" / "index.html"
    if data_docs.exists():
        print(f"GX Data Docs:        {data_docs} (validation results of the last refresh)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govreport", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files into canonical records (JSON Lines on stdout)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--no-provenance", action="store_true", help="omit per-cell provenance")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="files done, rate and time left on stderr (default: if stderr is a terminal and stdout is not)",
    )
    p.set_defaults(func=_cmd_parse)
    r = sub.add_parser("refresh", help="parse raw/, load DuckDB, build the marts, validate, publish")
    r.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a running refresh")
    r.set_defaults(func=_cmd_refresh)
    e = sub.add_parser("export", help="write every mart as Parquet, CSV and XLSX beside the published copy")
    e.add_argument(
        "--csv-encoding",
        choices=("utf-8-sig", "gb18030"),
        default="utf-8-sig",
        help="CSV encoding: UTF-8 with a BOM (default; Excel reads it as UTF-8) or GB18030",
    )
    e.set_defaults(func=_cmd_export)
    d = sub.add_parser("docs", help="build the dbt documentation site (lineage, column docs, tests)")
    d.set_defaults(func=_cmd_docs)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
