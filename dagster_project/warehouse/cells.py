"""Flatten a canonical record into raw.report_cells rows (every template cell, nulls included)."""

from __future__ import annotations

from collections.abc import Iterator

from dagster_project.govreport import template
from dagster_project.govreport.record import ABSENT, READ, UNDETERMINED, CellSource, ParseResult

_BLOCKS = tuple(b["key"] for b in template.raw()["table4"]["blocks"])


def split_table4_key(key: str) -> tuple[str, str]:
    """``litigation_after_review_upheld`` -> (``litigation_after_review``, ``upheld``)."""
    block = max((b for b in _BLOCKS if key.startswith(b + "_")), key=len)
    return block, key[len(block) + 1 :]


# A cell the parser left without a status (the contract says it never does) still gets one, so the
# NOT NULL column holds and the cell is never counted as read unless it has a number.
NO_STATUS_RULE = "no status from the parser"


def cell_status(value, src: CellSource) -> tuple[str, str | None]:
    """``(value_status, value_rule)`` of one cell: the parser's, or a conservative fallback."""
    if src.status is not None:
        return src.status, src.rule
    if value is not None:
        return READ, NO_STATUS_RULE
    if src.raw is None:
        return ABSENT, NO_STATUS_RULE
    return UNDETERMINED, NO_STATUS_RULE


def cell_rows(report_id: str, result: ParseResult) -> Iterator[tuple]:
    """``(report_id, table, row_key, col_key, value, value_raw, line, offset, page, value_status,
    value_rule)`` per cell (the order of ``load.CELL_COLUMNS``)."""
    record = result.record or {}
    prov = result.provenance
    empty = CellSource(raw=None)

    def row(table: str, row_key: str, col_key: str, value, cell_id: str) -> tuple:
        src = prov.get(cell_id, empty)
        status, rule = cell_status(value, src)
        return (
            report_id,
            table,
            row_key,
            col_key,
            value,
            src.raw,
            src.line,
            src.offset,
            src.page,
            status,
            rule,
        )

    for key, value in (record.get("table2") or {}).items():
        yield row("table2", key, "value", value, f"t2.{key}")
    columns = template.table3_columns()
    for key, values in (record.get("table3") or {}).items():
        for i, col in enumerate(columns):
            yield row("table3", key, col, values[i] if i < len(values) else None, f"t3.{key}[{i}]")
    for key, value in (record.get("table4") or {}).items():
        block, result_key = split_table4_key(key)
        yield row("table4", block, result_key, value, f"t4.{key}")
