"""``govreport`` command line: ``parse`` files to JSON Lines, ``refresh`` the warehouse."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_parse(args: argparse.Namespace) -> int:
    from .govreport.parse import parse_bytes

    out = sys.stdout
    missing = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            missing += 1
            result = {
                "file": path.name,
                "status": "unreadable",
                "issues": [{"code": "unreadable", "severity": "error", "message": str(exc)}],
            }
        else:
            result = parse_bytes(data, path.name).to_json(provenance=not args.no_provenance)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    # Files that were read exit 0 whatever they held; a path that cannot be opened is a usage error.
    return 2 if missing else 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from .refresh import main as refresh_main

    return refresh_main(wait=args.wait)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govreport", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files into canonical records (JSON Lines on stdout)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--no-provenance", action="store_true", help="omit per-cell provenance")
    p.set_defaults(func=_cmd_parse)
    r = sub.add_parser("refresh", help="parse raw/, load DuckDB, build the marts, validate, publish")
    r.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a running refresh")
    r.set_defaults(func=_cmd_refresh)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
