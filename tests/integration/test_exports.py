"""The exports, read back the way their users read them and compared with the marts, NULLs included:
Parquet with DuckDB and Polars, CSV as bytes in its declared encoding, XLSX with openpyxl (a reader
that shares no code with the writer). The shared seed refresh wrote them; docs/exports.md's examples
run against them."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from dagster_project.warehouse.exports import BLANK_RULE, XLSX_NAME, write_exports
from dagster_project.warehouse.publisher import publish_directory

from .conftest import ROOT

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def exported(seeds_run):
    result, wh = seeds_run
    folder = wh / "exports"
    assert folder.is_symlink() and (folder / "manifest.json").exists()
    return result, wh, folder


def _marts(wh: Path) -> dict[str, tuple[list[str], list[str], list[tuple]]]:
    """Every mart of the published copy: column names, DuckDB types, rows (Python values)."""
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        out = {}
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main_marts' order by 1"
        ).fetchall():
            cols = con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = 'main_marts' "
                "and table_name = ? order by column_index",
                [table],
            ).fetchall()
            rows = con.execute(f"select * from main_marts.{table}").fetchall()
            out[table] = ([c for c, _ in cols], [t for _, t in cols], rows)
        return out
    finally:
        con.close()


def _comments(wh: Path) -> dict[str, dict[str, str]]:
    """The column comments of the published copy (the dbt descriptions), per mart."""
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, coalesce(comment, '') from duckdb_columns() "
            "where schema_name = 'main_marts'"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, text in rows:
        out.setdefault(table, {})[column] = text.strip()
    return out


def _key(row) -> tuple:
    return tuple((v is None, repr(v)) for v in row)


def _same_rows(expected: list[tuple], got: list[tuple]) -> None:
    assert len(got) == len(expected)
    assert sorted(got, key=_key) == sorted(expected, key=_key)


def test_the_refresh_exports_every_mart(exported):
    result, wh, folder = exported
    marts = _marts(wh)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tables"]) == set(marts) and len(marts) >= 7
    assert {t: m["rows"] for t, m in manifest["tables"].items()} == {
        t: len(r) for t, (_, _, r) in marts.items()
    }
    for table, (cols, _, _) in marts.items():
        expected = "report_year" if "report_year" in cols else None
        assert manifest["tables"][table]["partitioned_by"] == expected
    materialized = result.asset_materializations_for_node("published_exports")
    assert materialized and materialized[0].metadata["csv_encoding"].value == "utf-8-sig"


def test_parquet_reads_back_equal_with_duckdb_and_polars(exported):
    _, wh, folder = exported
    comments = _comments(wh)
    con = duckdb.connect()
    for table, (cols, _, rows) in _marts(wh).items():
        path = folder / "parquet" / table
        files = sorted(path.rglob("*.parquet"))
        assert files
        partitioned = "report_year" in cols
        if partitioned:
            assert all(f.parent.name.startswith("report_year=") for f in files)
        select = ", ".join(f'"{c}"' for c in cols)
        got = con.execute(
            f"select {select} from read_parquet('{path}/**/*.parquet', hive_partitioning = {partitioned})"
        ).fetchall()
        _same_rows(rows, got)
        frame = pl.read_parquet(path, hive_partitioning=partitioned).select(cols)
        _same_rows(rows, [tuple(bytes(v) if isinstance(v, bytes) else v for v in r) for r in frame.rows()])
        # zstd, and the column descriptions travel with the file
        meta = pq.read_metadata(files[0])
        assert meta.row_group(0).column(0).compression == "ZSTD"
        kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
        described = json.loads(kv["govreport.columns"])
        assert described == comments[table]  # the published copy's column comments
        assert kv["govreport.table"] == table and kv["govreport.blank_rule"] == BLANK_RULE
        fields = pq.read_schema(files[0])
        assert all(f.metadata[b"description"].decode() == described[f.name] for f in fields)


def _csv_text(value) -> str | None:
    """How a mart value is spelled in the CSV (None: an empty, unquoted field)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps([v.hex() if isinstance(v, bytes) else v for v in value], ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _read_csv_text(text: str) -> list[tuple]:
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)  # every field as text; "" stays ""
    return frame.rows()


def test_csv_is_utf8_with_bom_and_equal_to_the_marts(exported):
    _, wh, folder = exported
    for table, (cols, _, rows) in _marts(wh).items():
        data = (folder / "csv" / f"{table}.csv").read_bytes()
        assert data.startswith(BOM), table
        text = data[len(BOM) :].decode("utf-8")  # strict: every byte is UTF-8
        assert text.split("\r\n", 1)[0] == ",".join(cols)
        got = [tuple(_same_ts(v) for v in r) for r in _read_csv_text(text)]
        # NULL comes back as an empty field, an empty text as "": both compared here
        _same_rows([tuple(_csv_text(v) for v in r) for r in rows], got)


def _same_ts(value):
    """A timestamp field in the spelling of ``_csv_text`` (however many fraction digits were written)."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return dt.datetime.fromisoformat(value).isoformat(timespec="microseconds")
    return value


def test_csv_in_gb18030_on_request(exported, tmp_path):
    _, wh, folder = exported
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        write_exports(con, tmp_path / "gb", csv_encoding="gb18030")
    finally:
        con.close()
    for csv_path in sorted((tmp_path / "gb" / "csv").glob("*.csv")):
        data = csv_path.read_bytes()
        assert not data.startswith(BOM)
        utf8 = (folder / "csv" / csv_path.name).read_bytes()[len(BOM) :].decode("utf-8")
        assert data.decode("gb18030") == utf8, csv_path.name
    agencies = (tmp_path / "gb" / "csv" / "dim_agency.csv").read_bytes()
    assert "大同市人民政府办公室".encode("gb18030") in agencies
    with pytest.raises(UnicodeDecodeError):
        agencies.decode("utf-8")  # really GB18030, not UTF-8 under another name


def test_marts_over_the_workbook_limit_are_streamed_per_year(exported, tmp_path, monkeypatch):
    """Every mart over the workbook limit: read in frames of 7 rows, one CSV per year, Parquet per year;
    what comes back equals the marts, and the frames join without a repeated header."""
    from dagster_project.warehouse import exports

    _, wh, _ = exported
    monkeypatch.setenv("GOVREPORT_XLSX_MAX_ROWS", "1")
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 7)
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        write_exports(con, tmp_path / "big")
    finally:
        con.close()
    out = tmp_path / "big"
    streamed = 0
    for table, (cols, _, rows) in _marts(wh).items():
        if len(rows) <= 1:
            continue
        partitioned = "report_year" in cols
        csvs = sorted((out / "csv" / table).glob("*.csv")) if partitioned else [out / "csv" / f"{table}.csv"]
        got = []
        for csv_path in csvs:
            text = csv_path.read_bytes()[len(BOM) :].decode("utf-8")
            assert text.split("\r\n", 1)[0] == ",".join(cols)
            got += [tuple(_same_ts(v) for v in r) for r in _read_csv_text(text)]
        _same_rows([tuple(_csv_text(v) for v in r) for r in rows], got)
        path = out / "parquet" / table
        frame = pl.read_parquet(path, hive_partitioning=partitioned).select(cols)
        _same_rows(rows, [tuple(bytes(v) if isinstance(v, bytes) else v for v in r) for r in frame.rows()])
        fields = pq.read_schema(sorted(path.rglob("*.parquet"))[0])
        assert all(b"description" in f.metadata for f in fields)
        streamed += len(rows) > 7
    assert streamed  # some mart really came in several frames
    import openpyxl

    names = openpyxl.load_workbook(out / XLSX_NAME, read_only=True).sheetnames
    assert names == ["README"]  # none fits the workbook's limit of 1 row


def _xlsx_value(value):
    """A mart value as openpyxl reads it back from the workbook (datetimes: compared apart)."""
    if value is None or value == "":
        return None  # an empty text is an empty cell
    if isinstance(value, list):
        return _csv_text(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return "<datetime>"
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _datetimes(rows) -> list[dt.datetime]:
    return sorted(v for r in rows for v in r if isinstance(v, dt.datetime))


def test_xlsx_has_a_readme_and_one_sheet_per_mart_equal_to_the_marts(exported):
    import openpyxl

    _, wh, folder = exported
    marts = _marts(wh)
    book = openpyxl.load_workbook(folder / XLSX_NAME, read_only=True)
    assert book.sheetnames == ["README", *sorted(marts)]
    for table, (cols, _, rows) in marts.items():
        values = list(book[table].iter_rows(values_only=True))
        assert list(values[0]) == cols
        sheet_rows = values[1:]
        got = [tuple("<datetime>" if isinstance(v, dt.datetime) and not _midnight(v) else v for v in r)
               for r in sheet_rows]  # fmt: skip
        _same_rows([tuple(_xlsx_value(v) for v in r) for r in rows], got)
        # Excel keeps time to the millisecond (a float of days): equal within 2 ms
        expected = _datetimes(rows)
        written = [v for v in _datetimes(sheet_rows) if not _midnight(v)]
        assert len(written) == len(expected)
        assert all(abs(a - b) <= dt.timedelta(milliseconds=2) for a, b in zip(expected, written, strict=True))
    readme = [tuple(c for c in r if c is not None) for r in book["README"].iter_rows(values_only=True)]
    assert BLANK_RULE in [c for r in readme for c in r]
    grades = {r[0]: r[1] for r in readme if len(r) == 2 and r[0] in {"verified", "consistent", "incomplete",
                                                                      "flagged", "unparsed"}}  # fmt: skip
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        counted = con.execute("select trust, count(*) from main_marts.dim_report group by 1").fetchall()
    finally:
        con.close()
    assert grades == dict(counted)
    meanings: dict[str, dict[str, str]] = {}
    for row in book["README"].iter_rows(values_only=True):
        if row[0] in marts and row[1] in marts[row[0]][0]:
            meanings.setdefault(row[0], {})[row[1]] = row[3] or ""
    assert meanings == _comments(wh)  # every column of every mart, with its description


def _midnight(value: dt.datetime) -> bool:
    """A date column reads back as a datetime at midnight; a timestamp (loaded_at) practically never is."""
    return value.time() == dt.time(0)


def test_a_workbook_that_cannot_be_written_fails_the_export(exported, tmp_path, monkeypatch):
    """The workbook is written in a thread beside the Parquet and CSV files: its error is the export's,
    raised after the other files are done, never lost with the thread."""
    from dagster_project.warehouse import exports

    _, wh, _ = exported

    def broken(path, *args):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(exports, "_write_xlsx", broken)
    con = duckdb.connect(str(wh / "published.duckdb"), read_only=True)
    try:
        with pytest.raises(OSError, match="No space left"):
            write_exports(con, tmp_path / "full")
    finally:
        con.close()
    assert (tmp_path / "full" / "parquet").is_dir()  # the marts were written before the error surfaced
    assert not (tmp_path / "full" / "manifest.json").exists()


def test_a_failed_export_leaves_the_previous_one(tmp_path):
    target = tmp_path / "exports"

    def build(text):
        def fill(folder: Path) -> str:
            folder.mkdir()
            (folder / "a.txt").write_text(text)
            if text == "boom":
                raise RuntimeError("disk full")
            return text

        return fill

    assert publish_directory(target, build("one")) == "one"
    held = (target / "a.txt").open()  # a reader in the middle of the first export
    publish_directory(target, build("two"))
    assert (target / "a.txt").read_text() == "two" and held.read() == "one"
    with pytest.raises(RuntimeError):
        publish_directory(target, build("boom"))
    assert (target / "a.txt").read_text() == "two"
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name != "exports")
    assert len(hidden) == 2 and not any("building" in n or "link" in n for n in hidden)  # current, previous
    assert os.readlink(target) in hidden


def _doc_blocks(lang: str) -> list[str]:
    text = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in text.split(f"```{lang}\n")[1:]]


@pytest.mark.parametrize("code", _doc_blocks("python"), ids=lambda c: c.splitlines()[-1][:40])
def test_documented_python_examples_run(exported, code, monkeypatch):
    _, wh, _ = exported
    monkeypatch.chdir(wh.parent)  # the examples use the default layout: warehouse/exports/...
    link = wh.parent / "warehouse"
    if not link.exists():
        link.symlink_to(wh.name)
    exec(compile(code, "docs/exports.md", "exec"), {})


@pytest.mark.parametrize("sql", _doc_blocks("sql"), ids=lambda q: q.split("from", 1)[-1].split("(")[0])
def test_documented_sql_examples_run(exported, sql):
    _, wh, _ = exported
    rows = duckdb.connect().execute(sql.replace("warehouse/exports", str(wh / "exports"))).fetchall()
    assert rows
