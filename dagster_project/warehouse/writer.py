"""Write parsed files into the raw tables in bounded batches, from a background thread.

The parse workers keep parsing while a batch is inserted: the thread that feeds them never waits for
DuckDB (which releases the GIL while it inserts). At most ``DEPTH`` batches wait for the writer, so
memory does not grow with the number of files. Rows go in as Arrow tables, never one INSERT per row,
and no SQL is built from file names or report text.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pyarrow as pa

from .cells import Flat, key_sets

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
DEPTH = 2  # batches waiting for the writer

_REPORT_TYPES = {
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
_CELL_TYPES = [pa.string()] * 4 + [pa.float64(), pa.string(), pa.int32(), pa.int64(), pa.int32()]
_CELL_TYPES += [pa.string()] * 2
_ISSUE_TYPES = [pa.string(), pa.int32()] + [pa.string()] * 5


def reports_table(rows: list[dict]) -> pa.Table:
    return pa.table(
        {c: pa.array([r[c] for r in rows], type=_REPORT_TYPES.get(c, pa.string())) for c in REPORT_COLUMNS}
    )


@cache
def _key_arrays(key_id: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    return tuple(pa.array(column, type=pa.string()) for column in key_sets()[key_id])  # type: ignore[return-value]


@dataclass
class Batch:
    """Rows of some files, kept as columns until they are written."""

    reports: list[dict] = field(default_factory=list)
    report_ids: list[str] = field(default_factory=list)  # one per cell
    keys: list[list[pa.Array]] = field(default_factory=lambda: [[], [], []])  # one array per file
    cells: list[list] = field(default_factory=lambda: [[] for _ in CELL_COLUMNS[4:]])
    issues: list[list] = field(default_factory=lambda: [[] for _ in ISSUE_COLUMNS])

    def __len__(self) -> int:
        return len(self.reports)

    def add(self, row: dict, flat: Flat) -> None:
        report_id = row["report_id"]
        self.reports.append(row)
        n = flat.cell_count
        if n:
            self.report_ids.extend([report_id] * n)
            if isinstance(flat.keys, int):
                keys = _key_arrays(flat.keys)
            else:
                keys = tuple(pa.array(values, type=pa.string()) for values in flat.keys)
            for column, array in zip(self.keys, keys, strict=True):
                column.append(array)
            for column, values in zip(self.cells, flat.cells, strict=True):
                column.extend(values)
        self.issues[0].extend([report_id] * len(flat.issues))
        for i, column in enumerate(self.issues[1:]):
            column.extend(issue[i] for issue in flat.issues)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        columns = [pa.array(self.report_ids, type=pa.string())]
        columns += [pa.concat_arrays(parts) if parts else pa.array([], pa.string()) for parts in self.keys]
        columns += [pa.array(v, type=t) for v, t in zip(self.cells, _CELL_TYPES[4:], strict=True)]
        cells = pa.table(dict(zip(CELL_COLUMNS, columns, strict=True)))
        insert(con, "report_cells", cells, CELL_COLUMNS, {"value": "cast(value as decimal(20, 6))"})
        issues = pa.table(
            {c: pa.array(v, type=t) for c, v, t in zip(ISSUE_COLUMNS, self.issues, _ISSUE_TYPES, strict=True)}
        )
        insert(con, "parse_issues", issues, ISSUE_COLUMNS)
        write_reports(con, self.reports)


def write_reports(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    casts = {"fee_amount_yuan": "cast(fee_amount_yuan as decimal(18, 2))"}
    insert(con, "reports", reports_table(rows), REPORT_COLUMNS, casts)


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    columns: tuple[str, ...],
    casts: dict[str, str] | None = None,
) -> None:
    if data.num_rows == 0:
        return
    casts = casts or {}
    select = ", ".join(casts.get(c, c) for c in columns)
    run_on(con, data, f"insert into raw.{table} ({', '.join(columns)}) select {select} from arrow_rows")


def run_on(con: duckdb.DuckDBPyConnection, data: pa.Table, sql: str) -> None:
    """Run ``sql``, which reads the Arrow table ``data`` as ``arrow_rows``, for this statement only.

    DuckDB finds ``arrow_rows`` among this function's local variables (its replacement scan), so the
    table lives as long as the statement. Not ``con.register``/``unregister``: inside a transaction
    DuckDB keeps a dropped view's catalog entry, and the Arrow table it holds, until the commit (for a
    rollback), so the load kept every batch it had written in memory: ~33 KB per file, 1 GB at
    30,000 files. (Nor ``relation.query``, which reports a failed statement as "transaction is
    aborted" instead of its error: a full disk must say so.)
    """
    arrow_rows = data  # noqa: F841 (read by name by the statement)
    con.execute(sql)


def select_on(
    con: duckdb.DuckDBPyConnection, data: pa.Table, sql: str, params: dict | None = None
) -> list[tuple]:
    """The rows of ``sql``, which reads ``data`` as ``arrow_rows`` (as ``run_on``)."""
    arrow_rows = data  # noqa: F841 (read by name by the statement)
    return con.execute(sql, params).fetchall()


class BatchWriter:
    """Writes ``Batch``es on ``con`` in a thread; ``close`` waits for the last and raises its error."""

    def __init__(self, con: duckdb.DuckDBPyConnection, depth: int = DEPTH):
        self._con = con
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="raw-batch-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:  # after an error, drain so put() never blocks
                try:
                    batch.write(self._con)
                except BaseException as exc:
                    self._error = exc

    def put(self, batch: Batch) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(batch)

    def close(self) -> None:
        """Write what is queued, stop the thread, raise the first error of a write."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error
