"""Export every mart of the published copy for readers who never open SQL: Parquet, CSV and XLSX.

Written beside the published copy, in ``exports/`` (switched atomically, see ``publish_directory``):

- ``parquet/<mart>/report_year=<year>/part-0.parquet``: hive-partitioned by ``report_year`` (a NULL
  year is ``__HIVE_DEFAULT_PARTITION__``; a mart without the column is one file), zstd-compressed,
  each column's description in its Arrow field metadata (``description``) and the table's in the
  file's key-value metadata (``govreport.*``);
- ``csv/<mart>.csv``: UTF-8 with a BOM (Excel on a Chinese-locale Windows reads it as UTF-8), or
  GB18030 on request; CRLF line ends; an empty field is NULL, ``""`` an empty text. A mart too large
  for the workbook is one file per year instead, ``csv/<mart>/report_year=<year>.csv``;
- ``govreport_marts.xlsx``: a README sheet (what each column means, the trust grades, the rule that a
  blank is NULL and never 0), then one sheet per mart of at most ``GOVREPORT_XLSX_MAX_ROWS`` rows
  (50,000); the README names the larger marts and where to find them (CSV, Parquet);
- ``manifest.json``: what was written, from which published copy, with row counts, and a fingerprint
  of every file's rows.

The published copy is the only input (opened read-only), so the exports always match what SQL users
and BI tools see. A file whose rows have the same fingerprint (row count, an order-independent sum of
row hashes, the columns and their descriptions) as in the previous exports is not written again: it is
hard-linked from the previous folder, so one new report rewrites only its year's partitions. Dataframe
work is Polars; XLSX goes through xlsxwriter.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .publisher import publish_directory
from .settings import Settings

SCHEMA = "main_marts"
PARTITION_COLUMN = "report_year"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # what Hive, Arrow, Polars and DuckDB read as NULL
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig: UTF-8 with a byte-order mark
CSV_CHUNK_ROWS = 100_000
XLSX_NAME = "govreport_marts.xlsx"
XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header
XLSX_MART_MAX_ROWS = 50_000  # larger marts stay out of the workbook (GOVREPORT_XLSX_MAX_ROWS)
EXPORT_FORMAT = "2"
# DuckDB's memory for the exports (GOVREPORT_EXPORT_MEMORY); without one it caches up to 80% of RAM.
EXPORT_MEMORY = os.environ.get(
    "GOVREPORT_EXPORT_MEMORY", "1GB"
)  # files of exports written in another format are never reused
# Columns that put rows in a reader's order (agency, year, then the template's order), when present.
ORDER_FIRST = ("agency", "report_year", "file_name")
LABEL_SUFFIXES = ("_label_zh", "_label_en")  # labels of a code column (label_lookups)
LABEL_LOOKUP_ROWS = 10_000
BLANK_RULE = (
    "A blank is NULL, never 0. An empty cell means the report gives no number there: it left the cell "
    "blank or wrote a placeholder (-, /, —, 无), the row is missing, or the text does not decide the "
    "digits. value_status says which (read, inferred, blank, undetermined, absent). Never read an "
    "empty cell as 0; to keep only numbers safe to publish, filter is_safe = TRUE."
)


def exports_dir(settings: Settings) -> Path:
    """Where the exports live: ``exports/`` beside the published copy."""
    return settings.published_path.parent / "exports"


@dataclass(frozen=True)
class MartDoc:
    name: str
    description: str
    columns: list[tuple[str, str, str]]  # (column, DuckDB type, description)


@dataclass
class ExportSummary:
    path: Path
    csv_encoding: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def mart_docs(con: duckdb.DuckDBPyConnection) -> list[MartDoc]:
    """Every mart of the published copy with its table and column comments (dbt's descriptions)."""
    tables = con.execute(
        "select table_name, coalesce(comment, '') from duckdb_tables() "
        "where schema_name = ? order by table_name",
        [SCHEMA],
    ).fetchall()
    docs = []
    for table, comment in tables:
        columns = con.execute(
            "select column_name, data_type, coalesce(comment, '') from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [SCHEMA, table],
        ).fetchall()
        docs.append(MartDoc(table, comment.strip(), [(c, t, d.strip()) for c, t, d in columns]))
    return docs


def _mart_query(
    con: duckdb.DuckDBPyConnection, doc: MartDoc, year: int | str | None, exclude: set[str] | None = None
) -> duckdb.DuckDBPyRelation:
    """The mart (or one ``report_year`` of it), rows in a stable reader's order; without the columns
    ``exclude`` names (neither in the rows nor in the sort)."""
    exclude = exclude or set()
    names = [c for c, _, _ in doc.columns]
    sortable = [c for c, t, _ in doc.columns if not t.endswith("[]") and t != "BLOB" and c not in exclude]
    order = [c for c in ORDER_FIRST if c in names]
    order += [c for c in sortable if c.endswith("_order") and c not in order]
    order += [c for c in sortable if c not in order]
    clause = ", ".join(f'"{c}" nulls last' for c in order)
    columns = ", ".join(f'"{c}"' for c in names if c not in exclude) if exclude else "*"
    if year == "all":
        return con.sql(f'select {columns} from {SCHEMA}."{doc.name}" order by {clause}')
    return con.sql(
        f'select {columns} from {SCHEMA}."{doc.name}" where {PARTITION_COLUMN} is not distinct from ? '
        f"order by {clause}",
        params=[year],
    )


def read_mart(con: duckdb.DuckDBPyConnection, doc: MartDoc, year: int | str | None = "all") -> pl.DataFrame:
    """The mart (or one ``report_year`` of it) as a Polars frame, rows in a stable reader's order."""
    return _mart_query(con, doc, year).pl()


def iter_mart(
    con: duckdb.DuckDBPyConnection,
    doc: MartDoc,
    year: int | str | None = "all",
    rows: int | None = None,
    labels: list[tuple[str, pl.DataFrame]] | None = None,
) -> Iterator[pl.DataFrame]:
    """``read_mart`` in frames of at most ``rows`` rows (``CSV_CHUNK_ROWS``), for marts too large to
    hold at once (DuckDB sorts within its memory limit, spilling to disk beyond it).

    ``labels`` (from ``label_lookups``) are label columns that their code column decides: DuckDB then
    sorts the rows without them and each frame gets them back from the small lookup tables. The rows,
    their order and their columns are the same (a label column is a sort key after its code column,
    so it never breaks a tie); the sort moves less (a year of fct_applications_by_outcome at 100,000
    reports: 3.0-3.6 s sorted with its six label columns, 1.8-2.0 s without).
    """
    names = [c for c, _, _ in doc.columns]
    dropped = {c for _, lookup in labels or [] for c in lookup.columns[1:]}
    relation = _mart_query(con, doc, year, exclude=dropped)
    for batch in relation.to_arrow_reader(rows or CSV_CHUNK_ROWS):
        frame = pl.from_arrow(pa.Table.from_batches([batch]))
        for code, lookup in labels or []:
            frame = frame.join(lookup, on=code, how="left", nulls_equal=True, maintain_order="left")
        yield frame.select(names) if dropped else frame  # type: ignore[union-attr]


def label_lookups(con: duckdb.DuckDBPyConnection, doc: MartDoc) -> list[tuple[str, pl.DataFrame]]:
    """The label columns of ``doc`` (``*_label_zh``, ``*_label_en``) with the code column that decides
    them (the nearest column before them that is neither a label nor an ``*_order`` column), as
    ``(code, lookup)``: one row per code value (NULL included) with its labels. A code column is used
    only when the data show that it decides its labels (no code value with two label tuples); the others
    stay in the sort."""
    groups: dict[str, list[str]] = {}
    code = None
    for name, type_, _ in doc.columns:
        if name.endswith(LABEL_SUFFIXES):
            if code is not None and type_ == "VARCHAR":
                groups.setdefault(code, []).append(name)
        elif not name.endswith("_order"):
            code = name if not type_.endswith("[]") and type_ != "BLOB" else None  # a sort key
    if not groups:
        return []
    # One scan for every code column: the distinct codes with their labels (a few hundred rows).
    columns = [c for code, labels in groups.items() for c in (code, *labels)]
    listed = ", ".join(f'"{c}"' for c in dict.fromkeys(columns))
    pairs = con.sql(f'select distinct {listed} from {SCHEMA}."{doc.name}" limit {LABEL_LOOKUP_ROWS + 1}').pl()
    if pairs.height > LABEL_LOOKUP_ROWS:  # codes of that many values are not what this is for
        return []
    out = []
    for code, labels in groups.items():
        lookup = pairs.select(code, *labels).unique(maintain_order=True)
        if lookup[code].n_unique() == lookup.height:  # each code value (NULL too) has one label tuple
            out.append((code, lookup))
    return out


def xlsx_max_rows() -> int:
    return int(os.environ.get("GOVREPORT_XLSX_MAX_ROWS", XLSX_MART_MAX_ROWS))


def fingerprints(con: duckdb.DuckDBPyConnection, doc: MartDoc) -> dict[int | str | None, str]:
    """What a file of the mart holds, per ``report_year`` (or ``"all"`` for a mart without one): row
    count and an order-independent sum of row hashes, with the columns, types and descriptions."""
    columns = hashlib.md5(
        json.dumps([EXPORT_FORMAT, doc.description, doc.columns], ensure_ascii=False).encode()
    ).hexdigest()
    names = [c for c, _, _ in doc.columns]
    if PARTITION_COLUMN in names:
        rows = con.execute(
            f"select {PARTITION_COLUMN}, count(*), sum(hash(t)::hugeint) "
            f'from {SCHEMA}."{doc.name}" as t group by 1'
        ).fetchall()
    else:
        rows = [
            (
                "all",
                *con.execute(
                    f'select count(*), sum(hash(t)::hugeint) from {SCHEMA}."{doc.name}" as t'
                ).fetchall()[0],
            )
        ]
    return {key: f"{count}:{digest}:{columns}" for key, count, digest in rows}


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Text and numbers only, for CSV and XLSX: lists become JSON arrays, bytes hexadecimal."""

    def as_json(values) -> str:
        items = [v.hex() if isinstance(v, bytes) else v for v in values]
        return json.dumps(items, ensure_ascii=False, default=str)

    columns = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List) and (dtype.inner == pl.String or dtype.inner.is_integer()):
            columns.append(_json_array(name))
        elif isinstance(dtype, pl.List | pl.Array):
            columns.append(pl.col(name).map_elements(as_json, return_dtype=pl.String, skip_nulls=True))
        elif dtype == pl.Binary:
            columns.append(pl.col(name).bin.encode("hex"))
        elif isinstance(dtype, pl.Struct):
            columns.append(pl.col(name).struct.json_encode())
        else:
            columns.append(pl.col(name))
    return frame.select(columns)


def _json_array(name: str) -> pl.Expr:
    """A list of text or integers as the JSON array ``json.dumps(values, ensure_ascii=False)`` writes
    (``", "`` between items, ``null`` for a NULL item, the same escapes), computed by Polars instead of
    one Python call per row: 0.8 s -> 0.07 s for 200,000 lists (tests/unit/test_exports_json.py
    compares the two on every control character, quotes, backslashes and non-ASCII text)."""
    # Each item is encoded as the one field of a struct, {"v":<item>}, and unwrapped.
    item = pl.struct(pl.element().alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    joined = pl.col(name).list.eval(item).list.join(", ")
    return pl.concat_str([pl.lit("["), joined, pl.lit("]")]).alias(name)


class _ParquetFile:
    """One Parquet file (a mart, or one year of it without the partition column), written frame by
    frame: each column's description in its Arrow field metadata, the table's in the file's."""

    def __init__(self, doc: MartDoc, target: Path, partitioned: bool):
        self.doc, self.target, self.partitioned = doc, target, partitioned
        self.writer: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.partitioned:
            frame = frame.drop(PARTITION_COLUMN)
        table = frame.to_arrow()
        if self.writer is None:
            described = {c: d for c, _, d in self.doc.columns}
            metadata = {
                "govreport.table": self.doc.name,
                "govreport.description": self.doc.description,
                "govreport.columns": json.dumps(described, ensure_ascii=False),
                "govreport.blank_rule": BLANK_RULE,
            }
            fields = [f.with_metadata({"description": described.get(f.name, "")}) for f in table.schema]
            self.schema = pa.schema(fields, metadata=metadata)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.target, self.schema, compression="zstd")
        self.writer.write_table(pa.Table.from_arrays(table.columns, schema=self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _write_frames(frames: Iterable[pl.DataFrame], files: list[_ParquetFile | _CsvFile]) -> None:
    """Write each frame to every file, in order; the Parquet files in a thread beside the rest.

    pyarrow compresses and writes Parquet on one core without the GIL, while the CSV and the next
    frame from DuckDB go on in this thread (one year of fct_applications_by_outcome at 100,000 reports:
    Parquet ~1.4 s, CSV ~2.4 s, the sort ~2.6 s, one after the other before). A file still receives
    its frames one at a time and in order, so the files are byte for byte what a single thread writes.
    """
    parquet = [out for out in files if isinstance(out, _ParquetFile)]
    others = [out for out in files if not isinstance(out, _ParquetFile)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet") as pool:
        pending: Future | None = None
        try:
            for frame in frames:
                if pending is not None:
                    pending.result()  # one frame ahead at most: memory stays at two frames
                pending = pool.submit(lambda f=frame: [out.write(f) for out in parquet]) if parquet else None
                for out in others:
                    out.write(frame)
        except BaseException:
            if pending is not None:  # the first error is the one to show (a full disk names its file)
                pending.exception()
            raise
        if pending is not None:
            pending.result()


def _write_parquet(frame: pl.DataFrame, doc: MartDoc, target: Path, partitioned: bool) -> None:
    """One Parquet file from a frame in memory."""
    out = _ParquetFile(doc, target, partitioned)
    out.write(frame)
    out.close()


def _parquet_path(doc: MartDoc, key) -> str:
    if key == "all":
        return f"parquet/{doc.name}/part-0.parquet"
    year = NULL_PARTITION if key is None else key
    return f"parquet/{doc.name}/{PARTITION_COLUMN}={year}/part-0.parquet"


def _csv_path(doc: MartDoc, key) -> str:
    if key == "all":
        return f"csv/{doc.name}.csv"
    year = NULL_PARTITION if key is None else key
    return f"csv/{doc.name}/{PARTITION_COLUMN}={year}.csv"


class _CsvFile:
    """One CSV file written frame by frame (the header once, with the first frame)."""

    def __init__(self, path: Path, encoding: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.out = path.open("wb")
        self.encoding = encoding
        self.header = True
        if encoding == "utf-8-sig":
            self.out.write(codecs.BOM_UTF8)
            self.encoding = "utf-8"

    def write(self, frame: pl.DataFrame) -> None:
        flat = _flat(frame)
        if self.encoding == "utf-8":  # straight into the file: a str of the frame, encoded, took 6x longer
            flat.write_csv(self.out, include_header=self.header, line_terminator="\r\n", null_value="")
            self.header = False
            return
        for offset in range(0, max(flat.height, 1), CSV_CHUNK_ROWS):  # Polars writes UTF-8 only
            chunk = flat.slice(offset, CSV_CHUNK_ROWS)
            text = chunk.write_csv(include_header=self.header, line_terminator="\r\n", null_value="")
            self.out.write(text.encode(self.encoding))
            self.header = False

    def close(self) -> None:
        self.out.close()


def _write_csv(frame: pl.DataFrame, path: Path, encoding: str) -> None:
    out = _CsvFile(path, encoding)
    try:
        out.write(frame)
    finally:
        out.close()


def _sheet_names(doc: MartDoc, rows: int) -> list[str]:
    """One sheet per mart; a mart longer than a sheet continues on ``<name> (2)`` and so on."""
    count = max(1, -(-rows // XLSX_MAX_ROWS))
    return [doc.name[:31]] + [f"{doc.name[:26]} ({i})" for i in range(2, count + 1)]


def _readme_rows(docs: list[MartDoc], rows: dict[str, int], trust: list[tuple], source: str) -> list:
    out: list[tuple] = [
        ("govreport marts: 政府信息公开工作年度报告 (government information disclosure annual reports)",),
        (f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {source}",),
        (),
        ("Blank is NULL, never 0",),
        (BLANK_RULE,),
        (),
        ("Trust grade (dim_report.trust)",),
    ]
    trust_doc = next(
        (d for doc in docs if doc.name == "dim_report" for c, _, d in doc.columns if c == "trust"), ""
    )
    out.append((trust_doc,))
    out.append(("grade", "reports"))
    out += [(grade, n) for grade, n in trust]
    out += [(), ("Sheets",), ("sheet", "mart", "rows", "what it holds")]
    limit = xlsx_max_rows()
    for doc in docs:
        if rows[doc.name] > limit:
            partitioned = PARTITION_COLUMN in [c for c, _, _ in doc.columns]
            where = f"csv/{doc.name}/" if partitioned else f"csv/{doc.name}.csv"
            out.append(
                (
                    "(not in this workbook)",
                    doc.name,
                    rows[doc.name],
                    f"More than {limit:,} rows: read {where} or parquet/{doc.name}/. {doc.description}",
                )
            )
            continue
        for sheet in _sheet_names(doc, rows[doc.name]):
            out.append((sheet, doc.name, rows[doc.name], doc.description))
    out += [(), ("Columns",), ("mart", "column", "type", "meaning")]
    for doc in docs:
        out += [(doc.name, column, dtype, text) for column, dtype, text in doc.columns]
    return out


def _number_format(dtype: pl.DataType) -> str | None:
    """Excel shows every digit: whole numbers plain, decimals as stored, times to the second."""
    if dtype.is_integer():
        return "0"
    if dtype.is_float() or dtype.is_decimal():
        return "General"
    if dtype == pl.Date:
        return "yyyy-mm-dd"
    if isinstance(dtype, pl.Datetime):
        return "yyyy-mm-dd hh:mm:ss"
    return None


def _write_xlsx(path: Path, docs: list[MartDoc], frames: dict[str, pl.DataFrame], readme: list) -> None:
    import xlsxwriter

    # Report text is data, never a formula or a link (a crawled "=..." stays text).
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        bold = workbook.add_format({"bold": True})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        sheet = workbook.add_worksheet("README")
        sheet.set_column(0, 1, 28)
        sheet.set_column(2, 2, 14)
        sheet.set_column(3, 3, 100, wrap)
        headings = {"Blank is NULL, never 0", "Trust grade (dim_report.trust)", "Sheets", "Columns"}
        for r, row in enumerate(readme):
            for c, value in enumerate(row):
                sheet.write(r, c, value, bold if (c == 0 and value in headings) else None)
        for doc in docs:
            if doc.name not in frames:
                continue
            flat = _flat(frames[doc.name])
            formats = {c: f for c, d in flat.schema.items() if (f := _number_format(d))}
            for i, name in enumerate(_sheet_names(doc, flat.height)):
                flat.slice(i * XLSX_MAX_ROWS, XLSX_MAX_ROWS).write_excel(
                    workbook,
                    name,
                    column_formats=formats,
                    autofilter=True,
                    freeze_panes=(1, 0),
                    table_style=None,
                )
    finally:
        workbook.close()


def _previous_files(previous: Path | None, csv_encoding: str) -> dict[str, str]:
    """Fingerprints of the files of the previous exports that can be reused (same format, encoding)."""
    if previous is None or not (previous / "manifest.json").exists():
        return {}
    try:
        manifest = json.loads((previous / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if manifest.get("export_format") != EXPORT_FORMAT or manifest.get("csv_encoding") != csv_encoding:
        return {}
    return {path: fp for path, fp in manifest.get("fingerprints", {}).items() if (previous / path).is_file()}


def _reuse(
    previous: Path | None, reusable: dict[str, str], path: str, fingerprint: str, folder: Path
) -> bool:
    """Hard-link ``path`` from the previous exports when its rows are the same; False when it must be
    written. Files are never changed in place, so a link is as good as a copy."""
    if previous is None or reusable.get(path) != fingerprint:
        return False
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(previous / path, target)
    except OSError:
        return False
    return True


def write_exports(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    csv_encoding: str = "utf-8-sig",
    source: str = "",
    progress: Callable[[str], None] | None = None,
    previous: Path | None = None,
) -> ExportSummary:
    """Write every mart of ``con`` (the published copy) into ``folder`` (which must not exist yet).

    Files whose rows did not change since the exports in ``previous`` are hard-linked from there.
    """
    if csv_encoding not in CSV_ENCODINGS:
        raise ValueError(f"csv encoding must be one of {', '.join(CSV_ENCODINGS)}, not {csv_encoding!r}")
    summary = ExportSummary(folder, csv_encoding)
    docs = mart_docs(con)
    reusable = _previous_files(previous, csv_encoding)
    (folder / "csv").mkdir(parents=True)
    manifest_tables = {}
    written: dict[str, str] = {}
    limit = xlsx_max_rows()
    # The workbook is written by a thread of its own while the marts go to Parquet and CSV: xlsxwriter
    # is Python on one core, and DuckDB, Polars and pyarrow release the GIL while they sort and write.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx") as xlsx:
        workbook = xlsx.submit(_workbook, con.cursor(), folder / XLSX_NAME, docs, source)
        for doc in docs:
            if progress:
                progress(doc.name)
            parts = fingerprints(con, doc)
            rows = sum(int(fp.split(":", 1)[0]) for fp in parts.values())
            summary.rows[doc.name] = rows
            split_csv = rows > limit and "all" not in parts  # not in the workbook: one CSV per year
            # Marts of at most the workbook limit are read once for all their files; larger ones in frames.
            whole = read_mart(con, doc) if rows <= limit else None
            labels = label_lookups(con, doc) if whole is None else None
            for key, fp in sorted(parts.items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
                paths = [_parquet_path(doc, key)] + ([_csv_path(doc, key)] if split_csv else [])
                todo = []
                for path in paths:
                    written[path] = fp
                    if not _reuse(previous, reusable, path, fp, folder):
                        todo.append(path)
                if not todo:
                    continue
                files = [
                    _ParquetFile(doc, folder / path, partitioned=key != "all")
                    if path.startswith("parquet/")
                    else _CsvFile(folder / path, csv_encoding)
                    for path in todo
                ]
                try:
                    # A year of a mart held in memory is filtered from it; otherwise it is read in frames.
                    frames_of = (
                        [whole.filter(_year_is(key))]
                        if whole is not None
                        else iter_mart(con, doc, key, labels=labels)
                    )
                    _write_frames(frames_of, files)
                finally:
                    for out in files:
                        out.close()
            if not split_csv:
                path = _csv_path(doc, "all")
                fp = _combined(parts)
                if not _reuse(previous, reusable, path, fp, folder):
                    out = _CsvFile(folder / path, csv_encoding)
                    try:
                        for frame in [whole] if whole is not None else iter_mart(con, doc, labels=labels):
                            out.write(frame)
                    finally:
                        out.close()
                written[path] = fp
            if not parts:  # an empty mart: one empty file of each kind, with the columns
                empty = read_mart(con, doc)
                _write_parquet(empty, doc, folder / _parquet_path(doc, "all"), partitioned=False)
                written[_parquet_path(doc, "all")] = "0"
            manifest_tables[doc.name] = {
                "rows": rows,
                "description": doc.description,
                "parquet": f"parquet/{doc.name}",
                "partitioned_by": PARTITION_COLUMN
                if PARTITION_COLUMN in [c for c, _, _ in doc.columns]
                else None,
                "csv": f"csv/{doc.name}/" if split_csv else f"csv/{doc.name}.csv",
                "xlsx_sheets": _sheet_names(doc, rows) if rows <= limit else [],
                "columns": {c: {"type": t, "description": d} for c, t, d in doc.columns},
            }
        if progress:
            progress(XLSX_NAME)
        workbook.result()
    summary.files += sorted(written)
    summary.files.append(XLSX_NAME)
    manifest = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "export_format": EXPORT_FORMAT,
        "csv_encoding": csv_encoding,
        "blank_rule": BLANK_RULE,
        "xlsx_max_rows": limit,
        "tables": manifest_tables,
        "fingerprints": written,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    summary.files.append("manifest.json")
    return summary


def _workbook(con: duckdb.DuckDBPyConnection, path: Path, docs: list[MartDoc], source: str) -> None:
    """The workbook: the README sheet, then every mart of at most ``xlsx_max_rows()`` rows (``con`` is
    a cursor of its own: this runs in a thread beside the other exports)."""
    try:
        limit = xlsx_max_rows()
        rows = {
            doc.name: con.execute(f'select count(*) from {SCHEMA}."{doc.name}"').fetchall()[0][0]
            for doc in docs
        }
        trust = []
        if any(d.name == "dim_report" and "trust" in [c for c, _, _ in d.columns] for d in docs):
            trust = [
                (g, int(n))
                for g, n in con.execute(
                    f"select trust, count(*) from {SCHEMA}.dim_report group by 1 order by 1"
                ).fetchall()
            ]
        frames = {doc.name: read_mart(con, doc) for doc in docs if rows[doc.name] <= limit}
        _write_xlsx(path, docs, frames, _readme_rows(docs, rows, trust, source))
    finally:
        con.close()


def _year_is(key) -> pl.Expr:
    if key == "all":
        return pl.lit(True)
    return pl.col(PARTITION_COLUMN).is_null() if key is None else pl.col(PARTITION_COLUMN) == key


def _combined(parts: dict) -> str:
    """One fingerprint for the whole mart from its partitions' fingerprints."""
    return hashlib.md5(json.dumps(sorted(f"{k}={v}" for k, v in parts.items())).encode()).hexdigest()


def export(
    settings: Settings,
    csv_encoding: str = "utf-8-sig",
    progress: Callable[[str], None] | None = None,
) -> ExportSummary:
    """Export the published copy's marts to ``exports/`` beside it, replacing the previous exports at once."""
    source = settings.published_path
    if not source.exists():
        raise FileNotFoundError(f"no published copy at {source}: run `govreport refresh` first")
    con = duckdb.connect(str(source), read_only=True)
    try:
        # Large marts are sorted and read in frames: DuckDB spills past this instead of holding them.
        con.execute(f"set memory_limit = '{EXPORT_MEMORY}'")
        current = exports_dir(settings)
        previous = current.resolve() if current.is_symlink() and current.exists() else None

        def build(folder: Path) -> ExportSummary:
            return write_exports(con, folder, csv_encoding, str(source), progress, previous)

        summary = publish_directory(exports_dir(settings), build)
    finally:
        con.close()
    summary.path = exports_dir(settings)
    return summary
