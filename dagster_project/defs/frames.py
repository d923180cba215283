"""Dagster metadata for a DuckDB table read back through Polars: its schema, row count and a preview,
so the UI shows what each asset wrote (the dagster-duckdb-polars I/O manager shows the same)."""

from __future__ import annotations

import dagster as dg
import duckdb

PREVIEW_ROWS = 5
MAX_CELL = 60  # characters of a text cell shown in the preview


def _cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, order_by: str | None = "all") -> dict:
    """``dagster/column_schema``, ``dagster/row_count`` and a ``preview`` of ``table`` (schema.name).
    ``order_by=None`` previews any rows (no sort: for tables too large to sort on every refresh)."""
    order = f" order by {order_by}" if order_by else ""
    head = con.sql(f"select * from {table}{order} limit {PREVIEW_ROWS}").pl()
    count = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    schema = dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in head.schema.items()])
    records = [dg.TableRecord({k: _cell(v) for k, v in row.items()}) for row in head.iter_rows(named=True)]
    return {
        "dagster/column_schema": schema,
        "dagster/row_count": count,
        "preview": dg.MetadataValue.table(records, schema=schema),
    }
