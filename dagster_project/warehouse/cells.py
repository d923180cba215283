"""Flatten a canonical record into raw.report_cells rows (every template cell, nulls included)."""

from __future__ import annotations

from collections.abc import Iterator

from dagster_project.govreport import template
from dagster_project.govreport.record import CellSource, ParseResult

_BLOCKS = tuple(b["key"] for b in template.raw()["table4"]["blocks"])


def split_table4_key(key: str) -> tuple[str, str]:
    """``litigation_after_review_upheld`` -> (``litigation_after_review``, ``upheld``)."""
    block = max((b for b in _BLOCKS if key.startswith(b + "_")), key=len)
    return block, key[len(block) + 1 :]


def cell_rows(report_id: str, result: ParseResult) -> Iterator[tuple]:
    """``(report_id, table, row_key, col_key, value, value_raw, line, offset, page)`` per cell."""
    record = result.record or {}
    prov = result.provenance
    empty = CellSource(raw=None)

    def row(table: str, row_key: str, col_key: str, value, cell_id: str) -> tuple:
        src = prov.get(cell_id, empty)
        return (report_id, table, row_key, col_key, value, src.raw, src.line, src.offset, src.page)

    for key, value in (record.get("table2") or {}).items():
        yield row("table2", key, "value", value, f"t2.{key}")
    columns = template.table3_columns()
    for key, values in (record.get("table3") or {}).items():
        for i, col in enumerate(columns):
            yield row("table3", key, col, values[i] if i < len(values) else None, f"t3.{key}[{i}]")
    for key, value in (record.get("table4") or {}).items():
        block, result_key = split_table4_key(key)
        yield row("table4", block, result_key, value, f"t4.{key}")
