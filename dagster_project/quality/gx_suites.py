"""Great Expectations suites over the marts, validated in an ephemeral GX 1.x context.

Each suite is a JSON file in ``expectations/`` named after the mart it checks. Its ``meta.query``
selects the frame the expectations need from the working DuckDB (only those columns are pulled into
pandas); ``meta.index_columns`` names the columns that identify a failing row (default ``report_id``).
GX's SQL path on DuckDB is broken in 1.24, hence the pandas data source.

``validate_all`` can also write GX's Data Docs (the suites and their validation results as static
HTML, failing rows listed by report) into a folder: the ephemeral context keeps the results in memory
and its site builder renders them, so no GX project folder is needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
MAX_LISTED = 50  # failing report ids listed per expectation (metadata and summaries)
# Rows of a suite's frame validated at once (GOVREPORT_GX_CHUNK_ROWS): the frame of a national-scale
# mart (the identity lines of 100,000 reports: 4.2 million rows x 45 columns) is validated in chunks of
# whole reports, so pandas never holds it all (GX's fixed cost per chunk is about 0.5 s).
CHUNK_ROWS = int(os.environ.get("GOVREPORT_GX_CHUNK_ROWS", "1000000"))
DUCKDB_MEMORY = os.environ.get("GOVREPORT_GX_MEMORY", "1536MB")  # DuckDB's memory limit while staging frames
# Expectations decided row by row: a chunk's answer for its rows is the whole frame's.
ROW_WISE = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_null",
        "expect_multicolumn_sum_to_equal",
    }
)


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation_type: str
    column: str | None
    description: str | None
    success: bool
    element_count: int
    unexpected_count: int
    failing_report_ids: list[str] = field(default_factory=list)
    rule: str | None = None  # meta.rule, e.g. "S1"
    missing_count: int = 0  # rows skipped because an operand is NULL (not assessable)
    unexpected_index: list[dict] = field(default_factory=list)  # every failing row's index columns

    @property
    def assessed(self) -> int:
        return self.element_count - self.missing_count


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    expectations: list[ExpectationOutcome]
    docs_page: str | None = None  # the validation result's page, relative to the Data Docs folder

    @property
    def failing_report_ids(self) -> list[str]:
        return sorted({r for e in self.expectations for r in e.failing_report_ids})


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


@cache
def suite_spec(name: str) -> dict:
    return json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _suite(spec: dict):
    import great_expectations as gx

    return gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta"))


def _context(docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            "govreport",
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _outcome(r, index_columns: list[str]) -> ExpectationOutcome:
    cfg = r.expectation_config
    res = r.result or {}
    index = [
        {c: str(i.get(c)) for c in index_columns}
        for i in (res.get("unexpected_index_list") or [])
        if isinstance(i, dict)
    ]
    ids = sorted({i["report_id"] for i in index if "report_id" in i})
    meta = cfg.meta or {}
    return ExpectationOutcome(
        expectation_type=cfg.type,
        column=cfg.kwargs.get("column"),
        description=meta.get("description"),
        success=bool(r.success),
        element_count=int(res.get("element_count") or 0),
        unexpected_count=int(res.get("unexpected_count") or 0),
        failing_report_ids=ids[:MAX_LISTED],
        rule=meta.get("rule"),
        missing_count=int(res.get("missing_count") or 0),
        unexpected_index=index,
    )


def _chunkable(spec: dict) -> bool:
    """True when validating the frame report by report gives the whole frame's answer: every
    expectation is decided row by row, or is the uniqueness of ``report_id`` (whose rows share a chunk)."""
    return all(
        e["type"] in ROW_WISE
        or (e["type"] == "expect_column_values_to_be_unique" and e["kwargs"].get("column") == "report_id")
        for e in spec["expectations"]
    )


class _Staging:
    """The frames of the chunked suites, computed ahead by a thread with a cursor of its own.

    A chunked suite's frame is computed once and streamed to a Parquet file in a temporary folder (a
    DuckDB temporary table held it in memory, past the limit, at 100,000 reports). The thread writes
    every chunked suite's file in suite order while the main thread imports GX and validates the suites
    before it (the identity suite's file took 4.5 s at 100,000 reports, which then waited on nothing
    else); DuckDB runs without the GIL, so the two overlap on two cores.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, specs: list[dict]):
        self._folder = tempfile.TemporaryDirectory(prefix="govreport-gx-")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-staging")
        self._cursor = con.cursor()
        self._files: dict[str, Future] = {}
        for spec in specs:
            if _chunkable(spec):
                path = str(Path(self._folder.name) / f"{spec['name']}.parquet")
                self._files[spec["name"]] = self._pool.submit(self._stage, spec["meta"]["query"], path)

    def _stage(self, query: str, path: str) -> tuple[str, int]:
        # Each statement fetched to the end: DuckDB 2.0 refuses a relation (``con.sql``) while a result
        # of ``execute`` is unfinished.
        self._cursor.execute(f"copy ({query}) to '{path}' (format parquet)").fetchall()
        [(rows,)] = self._cursor.execute("select count(*) from read_parquet(?)", [path]).fetchall()
        return path, rows

    def file(self, spec: dict) -> tuple[str, int] | None:
        """The Parquet file of a chunked suite's frame and its row count (None: not chunked)."""
        staged = self._files.get(spec["name"])
        return staged.result() if staged is not None else None

    def close(self) -> None:
        for staged in self._files.values():
            if not staged.cancel() and not staged.done():
                self._cursor.interrupt()  # an error ended the validation: do not finish a copy
        self._pool.shutdown(wait=True)
        self._cursor.close()
        self._folder.cleanup()


def _frames(con: duckdb.DuckDBPyConnection, spec: dict, staging: _Staging | None = None) -> Iterator:
    """The suite's frame as pandas, in chunks of about ``CHUNK_ROWS`` rows that never split a report
    (one chunk for all but national-scale marts), so pandas holds one chunk at a time while the next is
    read by a thread (two chunks at most: their reads overlap GX's validation of the one before). Each
    chunk is a hash bucket of ``report_id`` of the staged Parquet file (``_Staging``)."""
    if not _chunkable(spec):
        yield _pandas(con, spec["meta"]["query"])
        return
    own = staging is None
    staging = staging if staging is not None else _Staging(con, [spec])
    try:
        path, rows = staging.file(spec)  # type: ignore[misc]
        chunks = max(1, -(-rows // CHUNK_ROWS))
        cursor = con.cursor()
        with contextlib.closing(cursor), ThreadPoolExecutor(1, thread_name_prefix="gx-chunks") as reader:

            def read(i: int):
                chunk = f"select * from read_parquet($path) where hash(report_id) % {chunks} = {i}"
                return _categorical(_pandas(cursor, chunk, {"path": path}))

            pending = reader.submit(read, 0)
            try:
                for i in range(chunks):
                    frame = pending.result()
                    if i + 1 < chunks:
                        pending = reader.submit(read, i + 1)
                    yield frame
                    del frame
            finally:
                pending.cancel()
    finally:
        if own:
            staging.close()


# DuckDB column types that ``_pandas`` converts through Arrow (HUGEINT has no pandas dtype: not here).
_ARROW_SAFE = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "VARCHAR"}
)


def _pandas(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """The rows of ``sql`` as the pandas frame DuckDB's ``.df()`` makes, through Arrow when every
    column is an integer or a text column (the identity suite's frame: 40 counts and 5 keys).

    ``.df()`` took 1.7-2.5 s for a chunk of 860,000 rows x 45 columns at 100,000 reports; Arrow and
    ``to_pandas`` 0.4-0.8 s. The dtypes are ``.df()``'s: an integer column with a NULL is pandas' nullable
    integer of the same width (else numpy's), a text column pandas' ``str`` (``object`` when every
    value is NULL). Any other column type goes through ``.df()`` as before.
    """
    import pandas as pd
    import pyarrow as pa

    relation = con.sql(sql, params=params)
    if not all(str(t) in _ARROW_SAFE for t in relation.types):
        return relation.df()
    table = relation.to_arrow_table()
    text = (pa.string(), pa.large_string(), pa.string_view())
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_integer(kind) and column.null_count:
            nullable = pd.api.types.pandas_dtype(
                f"{'U' if pa.types.is_unsigned_integer(kind) else ''}Int{kind.bit_width}"
            )
            columns[name] = column.to_pandas(types_mapper={kind: nullable}.get)
        elif kind in text and column.null_count == len(column) > 0:
            columns[name] = pd.Series([None] * len(column), dtype=object)
        else:
            columns[name] = column.to_pandas()
    # The columns were just made for this frame: taken as they are, not copied once more (a second
    # copy of each chunk: the identity suite's peak at 100,000 reports 2.00 -> 1.83 GB).
    return pd.DataFrame(columns, copy=False)


def _categorical(frame):
    """Text columns as pandas categoricals: GX filters the frame once per expectation (its row
    conditions), and taking rows of integer codes is cheaper than of Arrow strings (the identity suite
    at 100,000 reports: 34.1 s -> 29.5 s). Values, NULLs and comparisons are unchanged."""
    for column in frame.columns:
        if frame[column].dtype == "str":
            frame[column] = frame[column].astype("category")
    return frame


def _merged(parts: list[ExpectationOutcome]) -> ExpectationOutcome:
    """One expectation's outcome over every chunk of the frame."""
    first = parts[0]
    if len(parts) == 1:
        return first
    ids = sorted({r for p in parts for r in p.failing_report_ids})
    return ExpectationOutcome(
        expectation_type=first.expectation_type,
        column=first.column,
        description=first.description,
        success=all(p.success for p in parts),
        element_count=sum(p.element_count for p in parts),
        unexpected_count=sum(p.unexpected_count for p in parts),
        failing_report_ids=ids[:MAX_LISTED],
        rule=first.rule,
        missing_count=sum(p.missing_count for p in parts),
        unexpected_index=[i for p in parts for i in p.unexpected_index],
    )


def validate_all(
    con: duckdb.DuckDBPyConnection,
    names: list[str] | None = None,
    docs_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, SuiteOutcome]:
    """Validate the suites ``names`` (default: all) against the working database behind ``con``.

    With ``docs_dir``, GX's Data Docs for these validations are written there (the folder is created).
    ``progress(name, done, total)`` is called after each suite.
    """
    names = names if names is not None else suite_names()
    staging = _Staging(con, [suite_spec(name) for name in names])
    try:
        return _validate(con, names, staging, docs_dir, progress)
    finally:
        staging.close()


def _validate(
    con: duckdb.DuckDBPyConnection,
    names: list[str],
    staging: _Staging,
    docs_dir: Path | None,
    progress: Callable[[str, int, int], None] | None,
) -> dict[str, SuiteOutcome]:
    import great_expectations as gx

    context = _context(docs_dir)
    source = context.data_sources.add_pandas("warehouse")
    outcomes: dict[str, SuiteOutcome] = {}
    for name in names:
        spec = suite_spec(name)
        index_columns = spec["meta"].get("index_columns", ["report_id"])
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(_suite(spec))
        definition = gx.ValidationDefinition(name=name, data=batch, suite=suite)
        definition = context.validation_definitions.add(definition)
        parts = []
        for frame in _frames(con, spec, staging):
            result = definition.run(
                batch_parameters={"dataframe": frame},
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": index_columns,
                    "partial_unexpected_count": MAX_LISTED,
                },
            )
            parts.append((bool(result.success), [_outcome(r, index_columns) for r in result.results]))
        outcomes[name] = SuiteOutcome(
            name,
            spec["meta"]["table"],
            all(ok for ok, _ in parts),
            [_merged(list(same)) for same in zip(*(results for _, results in parts), strict=True)],
        )
        if progress:
            progress(name, len(outcomes), len(names))
    if docs_dir is not None:
        context.build_data_docs()
        for name, outcome in outcomes.items():
            pages = sorted((docs_dir / "validations" / name).rglob("*.html"))
            if pages:
                page = str(pages[-1].relative_to(docs_dir))
                outcomes[name] = SuiteOutcome(**{**outcome.__dict__, "docs_page": page})
    return outcomes


def validate(con: duckdb.DuckDBPyConnection, name: str) -> SuiteOutcome:
    """Validate suite ``name`` against the working database behind ``con``."""
    return validate_all(con, [name])[name]
