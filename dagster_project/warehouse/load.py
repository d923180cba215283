"""Load raw/ into the DuckDB raw schema: parse what changed, quarantine what cannot be read.

Every file under raw/ ends as a row of raw.reports: ``parsed`` or ``quarantined`` with a reason.
Files are keyed by the sha256 of their bytes, so the same bytes under two names are one report
with two paths, and a file whose bytes and parser version are unchanged is not parsed again (nor
read: hash_cache.py). Only what changed is written: new and changed reports are inserted, reports
whose files left raw/ are deleted, a report whose paths changed gets its path columns updated; the
rest of raw.reports is not touched. The whole load is one transaction: a crash leaves the previous
state. Rows go in as Arrow batches (writer.py), never one INSERT per row, and no SQL is built from
file names or report text.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.govreport.parse import PARSER_VERSION, parse_bytes
from dagster_project.govreport.record import ERROR, PARSER_FAILURE, Issue, ParseResult

from . import gc_tuning, hash_cache
from .cells import Flat, flatten
from .files import CHANGED, UNREADABLE, RawFile, discover, least_faithful
from .schema import ALL_DDL, UNKEYED_DDL
from .settings import Settings
from .template_rows import COLUMNS as TEMPLATE_COLUMNS
from .template_rows import template_rows
from .workers import OVER_BUDGET, Budget, BudgetPool, Exceeded, over_budget, parse_entry
from .writer import REPORT_COLUMNS, Batch, BatchWriter, insert, run_on, select_on, write_reports

ParseFn = Callable[[bytes, str], ParseResult]
BATCH = 500  # files per batch written (bounds memory: a batch holds ~125,000 cells)
# DuckDB's memory limit for the load (GOVREPORT_DUCKDB_MEMORY). DuckDB keeps every page it wrote or
# read cached until its limit (default 80% of RAM), so without a small one the load's memory grows
# with the warehouse: ~4 KB a report (the written cells, ~3 KB, stay cached), 0.4 GB at 100,000
# reports under the former 1 GB limit. Without preserving insertion order (rows are read back by
# key) DuckDB writes the transaction's full row groups out as it goes; what the load needs beyond
# its cache (the row groups being filled, the duplicate ranking) spills to disk past the limit,
# and no index lives in memory (schema.py). 128 MB: about what a load of 10,000 reports needs; a load
# of 100,000 stays under it too, and is no slower for it.
MEMORY_LIMIT = os.environ.get("GOVREPORT_DUCKDB_MEMORY", "128MB")
# Quarantined for a reason that may not hold next time: parsed again on every refresh.
RETRY_REASONS = (UNREADABLE, CHANGED, OVER_BUDGET)
# A path list as bytes, also for rows written before file_paths_bytes existed.
_PATHS_SQL = "coalesce(file_paths_bytes, list_transform(file_paths, lambda p: encode(p)))"
_RETRY_SQL = ", ".join(f"'{reason}'" for reason in RETRY_REASONS)


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
    hashed: int = 0  # files read and hashed (the others' hashes came from the cache)

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


class _Tasks(Sequence):
    """Arguments of ``workers.parse_entry`` for the first path holding each report's bytes, made when a
    worker takes the file (a list of them all would add ~260 bytes a file to the load's memory)."""

    def __init__(self, raw_dir: Path, todo: list[tuple[str, list[RawFile]]], max_bytes: int):
        self._raw_dir = str(raw_dir)
        self._todo = todo
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._todo)

    def __getitem__(self, i: int) -> tuple:  # type: ignore[override]
        sha, group = self._todo[i]
        f = group[0]
        return (self._raw_dir, f.open_path, f.display, f.name, sha, self._max_bytes)


def _from_worker(name: str, out) -> Flat:
    if not isinstance(out, Exceeded):
        return out
    if out.what == "crash":
        issue = Issue("parser_failure", ERROR, f"parse: {out.message}")
        return flatten(ParseResult(name, PARSER_FAILURE, issues=[issue]))
    return flatten(over_budget(name, out))


def _parse_all(tasks: Sequence[tuple], parse: ParseFn, pool: BudgetPool | None) -> Iterable[Flat]:
    """Parse files: the default parser in the budgeted worker pool, any other parser in process."""
    if pool is not None:
        for task, out in zip(tasks, pool.imap(parse_entry, tasks), strict=True):
            yield _from_worker(task[3], out)
        return
    for task in tasks:
        yield parse_entry(*task, parse=lambda data, name: _safe_parse(parse, data, name))


def _path_fields(files: list[RawFile]) -> dict:
    """Where the report lives: readable paths, their lossless bytes, and how they were made readable."""
    return {
        "file_name": files[0].name,
        "file_paths": [f.display for f in files],
        "file_paths_bytes": [f.path_bytes for f in files],
        "path_decoding": least_faithful([f.decoding for f in files]),
    }


def _report_row(report_id: str, files: list[RawFile], fields: dict, loaded_at: datetime) -> dict:
    return {
        "report_id": report_id,
        **_path_fields(files),
        "size_bytes": files[0].size,
        **fields,
        "duplicate_of": None,
        "parser_version": PARSER_VERSION,
        "loaded_at": loaded_at,
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


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.db_path))
    con.execute("create schema if not exists raw")
    for ddl in ALL_DDL:
        con.execute(ddl)
    hash_cache.create(con)
    # Columns added after the first release of the schema.
    con.execute("alter table raw.reports add column if not exists script varchar")
    con.execute("alter table raw.reports add column if not exists file_paths_bytes blob[]")
    con.execute("alter table raw.reports add column if not exists path_decoding varchar")
    _add_cell_status(con)
    _drop_keys(con)
    if MEMORY_LIMIT:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT.replace(chr(39), '')}'").fetchall()
        con.execute("set preserve_insertion_order = false").fetchall()  # DuckDB 2.0: fetch before next query
    return con


def _drop_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the raw tables made with a primary key without it (schema.py says why)."""
    keyed = {
        table
        for (table,) in con.execute(
            "select table_name from duckdb_constraints() "
            "where schema_name = 'raw' and constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    for table in sorted(keyed & UNKEYED_DDL.keys()):
        con.execute("begin transaction")
        try:
            con.execute(f"alter table raw.{table} rename to {table}_keyed")
            con.execute(UNKEYED_DDL[table])
            con.execute(f"insert into raw.{table} by name select * from raw.{table}_keyed")
            con.execute(f"drop table raw.{table}_keyed")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


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


def _ids(values: Iterable[str]) -> pa.Table:
    return pa.table({"report_id": pa.array(list(values), type=pa.string())})


def _plan(
    con: duckdb.DuckDBPyConnection,
    files: list[RawFile],
    by_hash: dict[str, list[RawFile]],
    summary: LoadSummary,
) -> tuple[list[tuple[str, list[RawFile]]], list[dict], dict[str, str | None], set[str]]:
    """What this load parses (``todo``), which kept reports moved, which reports go (``stale``, with
    their agency-year keys) and the agency-years whose canonical report may change. A function of its
    own so its tables of every file are freed before the parse starts (about 40 MB at 100,000 files)."""
    # What to keep, move or parse again is decided in DuckDB against the discovered files (building
    # a dict of every report in Python took most of a one-file refresh at 100,000 reports).
    found = pa.table(
        {
            "report_id": pa.array(list(by_hash), type=pa.string()),
            "paths": pa.array(
                [[f.path_bytes for f in group] for group in by_hash.values()], type=pa.list_(pa.binary())
            ),
        }
    )
    kept_sql = f"r.parser_version = $version and coalesce(r.quarantine_reason not in ({_RETRY_SQL}), true)"
    changes = select_on(
        con,
        found,
        f"select f.report_id, r.report_id is not null and {kept_sql} as kept, r.agency_year_key "
        f"from arrow_rows f left join raw.reports r on r.report_id = f.report_id and {kept_sql} "
        f"where r.report_id is null or {_PATHS_SQL} is distinct from f.paths",
        {"version": PARSER_VERSION},
    )
    keep_moved = {rid: key for rid, kept, key in changes if kept}
    moved = [{"report_id": rid, **_path_fields(by_hash[rid])} for rid in keep_moved]
    parse_again = {rid for rid, kept, _ in changes if not kept}
    todo = [(sha, group) for sha, group in by_hash.items() if sha in parse_again]
    summary.unchanged = len(by_hash) - len(todo)
    summary.removed = select_on(
        con,
        pa.table({"p": pa.array([f.path_bytes for f in files], type=pa.binary())}),
        f"select count(*) from (select distinct unnest({_PATHS_SQL}) as p from raw.reports) "
        "where p not in (select p from arrow_rows)",
    )[0][0]
    # Reports whose file left raw/, reports about to be parsed again, and the discovery rows go.
    stale = dict(
        select_on(
            con,
            found,
            "select r.report_id, r.agency_year_key from raw.reports r where not exists "
            f"(select 1 from arrow_rows f where f.report_id = r.report_id and {kept_sql})",
            {"version": PARSER_VERSION},
        )
    )
    affected = {key for key in stale.values() if key}  # agency-years whose canonical report may change
    affected.update(key for key in keep_moved.values() if key)
    return todo, moved, stale, affected


def load_raw(
    settings: Settings, parse: ParseFn = parse_bytes, progress: Callable[[int, int], None] | None = None
) -> LoadSummary:
    """Bring raw.* in line with the files under ``settings.raw_dir``.

    ``progress(done, total)`` is called as files are parsed (total: the files to parse this run).
    """
    summary = LoadSummary()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con = connect(settings)
    stack = ExitStack()  # the worker pool and the batch writer live for the whole load
    try:
        files = discover(settings.raw_dir, settings.max_bytes, hash_cache.read(con))
        summary.files = len(files)
        summary.hashed = sum(f.hashed_now for f in files)
        by_hash: dict[str, list[RawFile]] = {}
        unhashed: list[dict] = []  # quarantined during discovery: rewritten each time (few, small)
        for f in files:
            if f.sha256 is None:
                unhashed.append(_discovery_row(f, loaded_at))
            else:
                by_hash.setdefault(f.sha256, []).append(f)
        summary.same_bytes_paths = sum(len(v) - 1 for v in by_hash.values())

        con.execute("begin transaction")
        todo, moved, stale, affected = _plan(con, files, by_hash, summary)
        if stale:
            stale_ids = _ids(stale)
            for table in ("report_cells", "parse_issues", "reports"):
                run_on(con, stale_ids, f"delete from raw.{table} where report_id in (from arrow_rows)")
        if moved:
            _update_paths(con, moved)
        write_reports(con, unhashed)

        pool = None
        if parse is parse_bytes and todo:  # the default parser runs under the per-file budget
            workers = min(os.cpu_count() or 1, len(todo))
            pool = stack.enter_context(BudgetPool(Budget.of(settings), workers))
        # DuckDB inserts the batches on one thread while the workers parse: a batch of Arrow rows goes
        # in faster on one thread than on two (2,000,000 cells: 1.09 s against 1.33 s, 1.41 s of CPU),
        # and the other core stays with the parse (30,000 files: 1.7-2.1 s less CPU in this process).
        con.execute("set threads = 1")
        stack.callback(con.execute, "reset threads")
        writer = BatchWriter(con)
        stack.callback(writer.close)
        raw_dir = settings.raw_dir.resolve()
        if progress:
            progress(0, len(todo))
        tasks = _Tasks(raw_dir, todo, settings.max_bytes)
        batch = Batch()
        stack.enter_context(gc_tuning.relaxed())  # every parsed file's rows pass through here
        for (sha, group), flat in zip(todo, _parse_all(tasks, parse, pool), strict=True):
            batch.add(_report_row(sha, group, flat.fields, loaded_at), flat)
            if flat.fields["agency_year_key"]:
                affected.add(flat.fields["agency_year_key"])
            summary.reparsed += 1
            if progress:
                progress(summary.reparsed, len(todo))
            if len(batch) >= BATCH:
                writer.put(batch)
                batch = Batch()
        writer.put(batch)
        if pool is not None:
            # Every file is parsed: the workers (~190 MB each) exit now, not after the commit, so
            # the rest of the load (the hash cache, duplicates, the commit) runs without them.
            pool.close()
        writer.close()
        con.execute("reset threads")  # the duplicates, the checks and the commit use every core
        hash_cache.write(con, files)
        summary.agency_year_duplicates = _mark_duplicates(con, affected)
        _check_unique(con)
        con.execute("delete from raw.template_rows")
        trows = template_rows()
        ttable = pa.table({c: pa.array([r[i] for r in trows]) for i, c in enumerate(TEMPLATE_COLUMNS)})
        insert(con, "template_rows", ttable, TEMPLATE_COLUMNS)
        for status, reason, count in con.execute(
            "select status, quarantine_reason, count(*) from raw.reports group by all"
        ).fetchall():
            if status == "parsed":
                summary.parsed += count
            else:
                summary.quarantined[reason or "unknown"] = count
        con.execute("commit")
    except BaseException:
        # A failed commit (disk full) has already rolled back: the original error is the one to show.
        with contextlib.suppress(Exception):
            stack.close()  # the writer first: it may be inserting on this connection
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        with contextlib.suppress(Exception):
            con.close()
        raise
    stack.close()
    con.close()
    return summary


def _check_unique(con: duckdb.DuckDBPyConnection) -> None:
    """raw.reports has one row per report_id (what its primary key held; schema.py says why it has none)."""
    twice = con.execute(
        "select report_id from raw.reports group by report_id having count(*) > 1 limit 1"
    ).fetchone()
    if twice is not None:
        raise RuntimeError(f"raw.reports would hold report_id {twice[0]} twice; the load was rolled back")


def _update_paths(con: duckdb.DuckDBPyConnection, moved: list[dict]) -> None:
    """New path columns for reports whose bytes are unchanged but whose files moved or were copied."""
    table = pa.table(
        {
            "report_id": pa.array([m["report_id"] for m in moved], type=pa.string()),
            "file_name": pa.array([m["file_name"] for m in moved], type=pa.string()),
            "file_paths": pa.array([m["file_paths"] for m in moved], type=pa.list_(pa.string())),
            "file_paths_bytes": pa.array([m["file_paths_bytes"] for m in moved], type=pa.list_(pa.binary())),
            "path_decoding": pa.array([m["path_decoding"] for m in moved], type=pa.string()),
        }
    )
    run_on(
        con,
        table,
        "update raw.reports set file_name = m.file_name, file_paths = m.file_paths, "
        "file_paths_bytes = m.file_paths_bytes, path_decoding = m.path_decoding "
        "from arrow_rows m where raw.reports.report_id = m.report_id",
    )


# Canonical report of an agency-year (docs/operations.md): fewest error issues, then Simplified over
# Traditional script (mirrors republish in Traditional), then most non-null cells, then file name.
# Only the agency-years that gained, lost or renamed a report are ranked again (their keys: arrow_rows).
_DUPLICATES_SQL = """
with candidates as (
    select report_id, agency_year_key, script, file_name
    from raw.reports
    where status = 'parsed' and agency_year_key in (select agency_year_key from arrow_rows)
),
errors as (
    select report_id, count(*) as errors
    from raw.parse_issues
    where severity = 'error' and report_id in (select report_id from candidates)
    group by report_id
),
cells as (
    select report_id, count(value) as cells
    from raw.report_cells
    where report_id in (select report_id from candidates)
    group by report_id
),
ranked as (
    select
        c.report_id,
        first_value(c.report_id) over w as canonical_id,
        row_number() over w as rank_in_key
    from candidates c
    left join errors e using (report_id)
    left join cells n using (report_id)
    window w as (
        partition by c.agency_year_key
        order by coalesce(e.errors, 0), (c.script = 'traditional'), coalesce(n.cells, 0) desc,
            c.file_name, c.report_id
    )
)
update raw.reports
set
    is_canonical = ranked.rank_in_key = 1,
    duplicate_of = case when ranked.rank_in_key = 1 then null else ranked.canonical_id end
from ranked
where raw.reports.report_id = ranked.report_id
"""


def _mark_duplicates(con: duckdb.DuckDBPyConnection, affected: set[str]) -> int:
    if affected:
        keys = pa.table({"agency_year_key": pa.array(sorted(affected), type=pa.string())})
        run_on(con, keys, _DUPLICATES_SQL)
    return con.execute("select count(*) from raw.reports where duplicate_of is not null").fetchone()[0]
