"""Load raw/ into the DuckDB raw schema: parse what changed, quarantine what cannot be read.

Every file under raw/ ends as a row of raw.reports: ``parsed`` or ``quarantined`` with a reason.
Files are keyed by the sha256 of their bytes, so the same bytes under two names are one report
with two paths, and a file whose bytes and parser version are unchanged is not parsed again.
The whole load is one transaction: a crash leaves the previous state. Rows go in as Arrow batches,
never one INSERT per row, and no SQL is built from file names or report text.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.govreport.parse import PARSER_VERSION, parse_bytes
from dagster_project.govreport.record import ERROR, PARSED, PARSER_FAILURE, Issue, ParseResult

from .files import CHANGED, UNREADABLE, RawFile, discover, least_faithful
from .schema import ALL_DDL
from .settings import Settings
from .template_rows import COLUMNS as TEMPLATE_COLUMNS
from .template_rows import template_rows
from .workers import OVER_BUDGET, Budget, BudgetPool, Exceeded, over_budget, parse_entry

ParseFn = Callable[[bytes, str], ParseResult]
BATCH = 2000  # files parsed and written per batch (bounds memory at national scale)
# Quarantined for a reason that may not hold next time: parsed again on every refresh.
RETRY_REASONS = (UNREADABLE, CHANGED, OVER_BUDGET)

REPORT_COLUMNS = (
    "report_id", "file_name", "file_paths", "size_bytes", "source_kind", "encoding", "status",
    "quarantine_reason", "quarantine_message", "format", "table3_layout", "agency", "report_year",
    "publish_date", "source_url", "fee_reported", "fee_charged", "fee_amount_yuan", "fee_text_raw",
    "agency_year_key", "duplicate_of", "is_canonical", "parser_version", "loaded_at", "script",
    "file_paths_bytes", "path_decoding",
)  # fmt: skip
CELL_COLUMNS = ("report_id", "table_name", "row_key", "col_key", "value", "value_raw", "source_line",
                "source_offset", "source_page", "value_status", "value_rule")  # fmt: skip
ISSUE_COLUMNS = ("report_id", "issue_no", "code", "severity", "message", "location", "cell")


@dataclass
class LoadSummary:
    files: int = 0
    parsed: int = 0  # reports loaded (parsed status), including unchanged ones
    quarantined: dict[str, int] = field(default_factory=dict)  # reason -> files
    reparsed: int = 0  # reports parsed in this run
    unchanged: int = 0  # reports skipped because bytes and parser version were unchanged
    removed: int = 0  # files that were loaded before and are no longer under raw/
    same_bytes_paths: int = 0  # extra paths holding bytes already seen under another name
    agency_year_duplicates: int = 0  # non-canonical reports of an agency-year

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def _quarantine_id(relpath: str) -> str:
    """Files without a hash (unreadable, empty, …) are keyed by their path's bytes."""
    return "path:" + hashlib.sha256(relpath.encode("utf-8", "surrogateescape")).hexdigest()


def _safe_parse(parse: ParseFn, data: bytes, name: str) -> ParseResult:
    try:
        return parse(data, name)
    except Exception as exc:  # a parser bug quarantines one file; the refresh goes on
        return ParseResult(
            name, PARSER_FAILURE, issues=[Issue("parser_failure", ERROR, f"{type(exc).__name__}: {exc}")]
        )


def _task(raw_dir: Path, sha: str, f: RawFile, max_bytes: int) -> tuple:
    """Arguments of ``workers.parse_entry`` for the first path holding these bytes."""
    return (str(raw_dir), f.open_path, f.display, f.name, sha, max_bytes)


def _from_worker(name: str, out) -> tuple[ParseResult, list[tuple]]:
    if not isinstance(out, Exceeded):
        return out
    if out.what == "crash":
        issue = Issue("parser_failure", ERROR, f"parse: {out.message}")
        return ParseResult(name, PARSER_FAILURE, issues=[issue]), []
    return over_budget(name, out), []


def _parse_all(
    tasks: list[tuple], parse: ParseFn, pool: BudgetPool | None
) -> Iterable[tuple[ParseResult, list[tuple]]]:
    """Parse files: the default parser in the budgeted worker pool, any other parser in process."""
    if pool is not None:
        for task, out in zip(tasks, pool.imap(parse_entry, tasks), strict=True):
            yield _from_worker(task[3], out)
        return
    for task in tasks:
        yield parse_entry(*task, parse=lambda data, name: _safe_parse(parse, data, name))


def agency_year_key(agency: str | None, year: int | None) -> str | None:
    if not agency or not year:
        return None
    return "".join(agency.split()) + "|" + str(year)


def _path_fields(files: list[RawFile]) -> dict:
    """Where the report lives: readable paths, their lossless bytes, and how they were made readable."""
    return {
        "file_name": files[0].name,
        "file_paths": [f.display for f in files],
        "file_paths_bytes": [f.path_bytes for f in files],
        "path_decoding": least_faithful([f.decoding for f in files]),
    }


def _report_row(report_id: str, files: list[RawFile], result: ParseResult, loaded_at: datetime) -> dict:
    rec = result.record or {}
    fee = result.meta.get("fee") or {}
    parsed = result.status == PARSED
    errors = [i for i in result.issues if i.severity == ERROR]
    date = result.meta.get("publish_date")
    return {
        "report_id": report_id,
        **_path_fields(files),
        "size_bytes": files[0].size,
        "source_kind": result.source_kind,
        "encoding": result.encoding,
        "status": "parsed" if parsed else "quarantined",
        "quarantine_reason": None if parsed else result.status,
        "quarantine_message": None if parsed else (errors[0].message if errors else result.status),
        "format": rec.get("format"),
        "table3_layout": result.meta.get("table3_layout"),
        "agency": rec.get("agency"),
        "report_year": rec.get("year"),
        "publish_date": datetime.strptime(date, "%Y-%m-%d").date() if date else None,
        "source_url": result.meta.get("source_url"),
        "fee_reported": fee.get("fee_reported"),
        "fee_charged": fee.get("fee_charged"),
        "fee_amount_yuan": fee.get("fee_amount_yuan"),
        "fee_text_raw": fee.get("fee_text_raw"),
        "agency_year_key": agency_year_key(rec.get("agency"), rec.get("year")) if parsed else None,
        "duplicate_of": None,
        "is_canonical": parsed,
        "parser_version": PARSER_VERSION,
        "loaded_at": loaded_at,
        "script": result.meta.get("script"),
    }


def _discovery_row(f: RawFile, loaded_at: datetime) -> dict:
    row = dict.fromkeys(REPORT_COLUMNS)
    row.update(
        report_id=_quarantine_id(f.relpath),
        **_path_fields([f]),
        size_bytes=f.size,
        status="quarantined",
        quarantine_reason=f.reason,
        quarantine_message=f.message,
        is_canonical=False,
        parser_version=PARSER_VERSION,
        loaded_at=loaded_at,
    )
    return row


_ARROW_TYPES = {
    "file_paths": pa.list_(pa.string()),
    "file_paths_bytes": pa.list_(pa.binary()),
    "size_bytes": pa.int64(),
    "report_year": pa.int32(),
    "publish_date": pa.date32(),
    "fee_reported": pa.bool_(),
    "fee_charged": pa.bool_(),
    "fee_amount_yuan": pa.float64(),
    "is_canonical": pa.bool_(),
    "loaded_at": pa.timestamp("us"),
}


def _reports_table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {c: pa.array([r[c] for r in rows], type=_ARROW_TYPES.get(c, pa.string())) for c in REPORT_COLUMNS}
    )


def _cells_table(rows: list[tuple]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in CELL_COLUMNS]
    types = (
        [pa.string()] * 4
        + [pa.float64(), pa.string(), pa.int32(), pa.int64(), pa.int32()]
        + [pa.string()] * 2
    )
    return pa.table({c: pa.array(list(v), type=t) for c, v, t in zip(CELL_COLUMNS, cols, types, strict=True)})


def _issues_table(rows: list[tuple]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in ISSUE_COLUMNS]
    types = [pa.string(), pa.int32()] + [pa.string()] * 5
    return pa.table(
        {c: pa.array(list(v), type=t) for c, v, t in zip(ISSUE_COLUMNS, cols, types, strict=True)}
    )


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.db_path))
    con.execute("create schema if not exists raw")
    for ddl in ALL_DDL:
        con.execute(ddl)
    # Columns added after the first release of the schema.
    con.execute("alter table raw.reports add column if not exists script varchar")
    con.execute("alter table raw.reports add column if not exists file_paths_bytes blob[]")
    con.execute("alter table raw.reports add column if not exists path_decoding varchar")
    _add_cell_status(con)
    return con


def _add_cell_status(con: duckdb.DuckDBPyConnection) -> None:
    """Give a raw.report_cells made before cell statuses existed its value_status and value_rule.

    Old cells cannot get a status without parsing again, so the raw layer (derived from raw/ alone)
    is emptied in the same transaction: the load that follows parses every file.
    """
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'raw' and table_name = 'report_cells'"
        ).fetchall()
    }
    if "value_status" in columns:
        return
    con.execute("begin transaction")
    try:
        for table in ("report_cells", "parse_issues", "reports"):
            con.execute(f"delete from raw.{table}")
        con.execute("alter table raw.report_cells add column value_status varchar")
        con.execute("alter table raw.report_cells add column if not exists value_rule varchar")
        con.execute("alter table raw.report_cells alter column value_status set not null")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def load_raw(
    settings: Settings, parse: ParseFn = parse_bytes, progress: Callable[[int, int], None] | None = None
) -> LoadSummary:
    """Bring raw.* in line with the files under ``settings.raw_dir``.

    ``progress(done, total)`` is called as files are parsed (total: the files to parse this run).
    """
    summary = LoadSummary()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    files = discover(settings.raw_dir, settings.max_bytes)
    summary.files = len(files)
    by_hash: dict[str, list[RawFile]] = {}
    rows: dict[str, dict] = {}
    for f in files:
        if f.sha256 is None:
            rows[_quarantine_id(f.relpath)] = _discovery_row(f, loaded_at)
        else:
            by_hash.setdefault(f.sha256, []).append(f)
    summary.same_bytes_paths = sum(len(v) - 1 for v in by_hash.values())

    con = connect(settings)
    stack = ExitStack()  # the worker pool lives for the whole load, not per batch
    try:
        con.execute("begin transaction")
        existing = {
            r[0]: r
            for r in con.execute(
                f"select {', '.join(REPORT_COLUMNS)} from raw.reports where parser_version = ?",
                [PARSER_VERSION],
            ).fetchall()
        }
        todo: list[tuple[str, list[RawFile]]] = []
        for sha, group in by_hash.items():
            old = existing.get(sha)
            old_row = dict(zip(REPORT_COLUMNS, old, strict=True)) if old is not None else None
            if old_row is not None and old_row["quarantine_reason"] not in RETRY_REASONS:
                old_row.update(_path_fields(group))
                rows[sha] = old_row
                summary.unchanged += 1
            else:
                todo.append((sha, group))
        # Reports whose file left raw/, and reports about to be re-parsed, lose their old rows.
        stale = [
            rid for (rid,) in con.execute("select report_id from raw.reports").fetchall() if rid not in rows
        ]
        old_paths = {
            bytes(p)
            for (p,) in con.execute(
                "select unnest(coalesce(file_paths_bytes, list_transform(file_paths, lambda p: encode(p)))) "
                "from raw.reports"
            ).fetchall()
        }
        summary.removed = len(old_paths - {f.path_bytes for f in files})
        if stale:
            stale_table = pa.table({"report_id": pa.array(stale, type=pa.string())})
            con.register("stale_ids", stale_table)
            for table in ("report_cells", "parse_issues"):
                con.execute(f"delete from raw.{table} where report_id in (select report_id from stale_ids)")
            con.unregister("stale_ids")
        pool = None
        if parse is parse_bytes and todo:  # the default parser runs under the per-file budget
            workers = min(os.cpu_count() or 1, len(todo))
            pool = stack.enter_context(BudgetPool(Budget.of(settings), workers))
        raw_dir = settings.raw_dir.resolve()
        if progress:
            progress(0, len(todo))
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            inputs = [_task(raw_dir, sha, group[0], settings.max_bytes) for sha, group in batch]
            cells: list[tuple] = []
            issues: list[tuple] = []
            for (sha, group), (result, result_cells) in zip(
                batch, _parse_all(inputs, parse, pool), strict=True
            ):
                rows[sha] = _report_row(sha, group, result, loaded_at)
                summary.reparsed += 1
                if progress:
                    progress(summary.reparsed, len(todo))
                cells.extend(result_cells)
                issues.extend(
                    (sha, n, i.code, i.severity, i.message, i.location, i.cell)
                    for n, i in enumerate(result.issues, start=1)
                )
            _insert(
                con,
                "report_cells",
                _cells_table(cells),
                CELL_COLUMNS,
                {"value": "cast(value as decimal(20, 6))"},
            )
            _insert(con, "parse_issues", _issues_table(issues), ISSUE_COLUMNS)
        for row in rows.values():
            if row["status"] == "parsed":
                summary.parsed += 1
            else:
                reason = row["quarantine_reason"] or "unknown"
                summary.quarantined[reason] = summary.quarantined.get(reason, 0) + 1
        ordered = [rows[k] for k in sorted(rows)]
        con.execute("delete from raw.reports")
        _insert(
            con,
            "reports",
            _reports_table(ordered),
            REPORT_COLUMNS,
            {"fee_amount_yuan": "cast(fee_amount_yuan as decimal(18, 2))"},
        )
        summary.agency_year_duplicates = _mark_duplicates(con)
        con.execute("delete from raw.template_rows")
        trows = template_rows()
        ttable = pa.table({c: pa.array([r[i] for r in trows]) for i, c in enumerate(TEMPLATE_COLUMNS)})
        _insert(con, "template_rows", ttable, TEMPLATE_COLUMNS)
        con.execute("commit")
    except BaseException:
        # A failed commit (disk full) has already rolled back: the original error is the one to show.
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        with contextlib.suppress(Exception):
            stack.close()
        with contextlib.suppress(Exception):
            con.close()
        raise
    stack.close()
    con.close()
    return summary


def _insert(
    con, table: str, data: pa.Table, columns: tuple[str, ...], casts: dict[str, str] | None = None
) -> None:
    if data.num_rows == 0:
        return
    casts = casts or {}
    select = ", ".join(casts.get(c, c) for c in columns)
    con.register("batch_rows", data)
    try:
        con.execute(f"insert into raw.{table} ({', '.join(columns)}) select {select} from batch_rows")
    finally:
        con.unregister("batch_rows")


# Canonical report of an agency-year (docs/operations.md): fewest error issues, then Simplified over
# Traditional script (mirrors republish in Traditional), then most non-null cells, then file name.
_DUPLICATES_SQL = """
with stats as (
    select
        r.report_id,
        r.agency_year_key,
        r.script,
        r.file_name,
        (
            select count(*) from raw.parse_issues i
            where i.report_id = r.report_id and i.severity = 'error'
        ) as errors,
        (select count(value) from raw.report_cells c where c.report_id = r.report_id) as cells
    from raw.reports r
    where r.status = 'parsed' and r.agency_year_key is not null
),
ranked as (
    select
        report_id,
        first_value(report_id) over w as canonical_id,
        row_number() over w as rank_in_key
    from stats
    window w as (
        partition by agency_year_key
        order by errors, (script = 'traditional'), cells desc, file_name, report_id
    )
)
update raw.reports
set
    is_canonical = ranked.rank_in_key = 1,
    duplicate_of = case when ranked.rank_in_key = 1 then null else ranked.canonical_id end
from ranked
where raw.reports.report_id = ranked.report_id
"""


def _mark_duplicates(con) -> int:
    con.execute(_DUPLICATES_SQL)
    return con.execute("select count(*) from raw.reports where duplicate_of is not null").fetchone()[0]
