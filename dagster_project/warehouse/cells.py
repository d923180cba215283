"""Flatten a parse result into raw rows: the report's columns, its issues, and its cells (every
template cell, nulls included). Workers send these compact forms, never the provenance objects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import NamedTuple

from dagster_project.govreport import template
from dagster_project.govreport.record import (
    ABSENT,
    ERROR,
    PARSED,
    READ,
    UNDETERMINED,
    CellSource,
    ParseResult,
)

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


def agency_year_key(agency: str | None, year: int | None) -> str | None:
    if not agency or not year:
        return None
    return "".join(agency.split()) + "|" + str(year)


def report_fields(result: ParseResult) -> dict:
    """The columns of raw.reports that come from the parse (the rest say where the file is)."""
    rec = result.record or {}
    fee = result.meta.get("fee") or {}
    parsed = result.status == PARSED
    errors = [i for i in result.issues if i.severity == ERROR]
    published = result.meta.get("publish_date")
    return {
        "source_kind": result.source_kind,
        "encoding": result.encoding,
        "status": "parsed" if parsed else "quarantined",
        "quarantine_reason": None if parsed else result.status,
        "quarantine_message": None if parsed else (errors[0].message if errors else result.status),
        "format": rec.get("format"),
        "table3_layout": result.meta.get("table3_layout"),
        "agency": rec.get("agency"),
        "report_year": rec.get("year"),
        "publish_date": _date(published),
        "source_url": result.meta.get("source_url"),
        "fee_reported": fee.get("fee_reported"),
        "fee_charged": fee.get("fee_charged"),
        "fee_amount_yuan": fee.get("fee_amount_yuan"),
        "fee_text_raw": fee.get("fee_text_raw"),
        "agency_year_key": agency_year_key(rec.get("agency"), rec.get("year")) if parsed else None,
        "is_canonical": parsed,
        "script": result.meta.get("script"),
    }


def _date(text: str | None) -> date | None:
    return datetime.strptime(text, "%Y-%m-%d").date() if text else None


class Flat(NamedTuple):
    """One parsed file as rows: what a worker sends back (a few KB, no provenance objects)."""

    fields: dict  # report_fields()
    issues: list[tuple]  # (issue_no, code, severity, message, location, cell)
    cells: tuple[list, ...]  # cell_rows() without report_id, as columns (empty lists unless parsed)


def flatten(result: ParseResult) -> Flat:
    issues = [(n, i.code, i.severity, i.message, i.location, i.cell) for n, i in enumerate(result.issues, 1)]
    rows = [row[1:] for row in cell_rows("", result)] if result.status == PARSED else []
    columns = tuple(list(c) for c in zip(*rows, strict=True)) if rows else tuple([] for _ in range(10))
    return Flat(report_fields(result), issues, columns)
