"""Flatten a parse result into raw rows: the report's columns, its issues, and its cells (every
template cell, nulls included). Workers send these compact forms, never the provenance objects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import cache
from itertools import repeat
from operator import attrgetter
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


def _cells(record: dict) -> Iterator[tuple[str, str, str, object, str]]:
    """``(table, row_key, col_key, value, cell_id)`` of every cell of a record, in the raw table's order."""
    for key, value in (record.get("table2") or {}).items():
        yield "table2", key, "value", value, f"t2.{key}"
    columns = template.table3_columns()
    for key, values in (record.get("table3") or {}).items():
        for i, col in enumerate(columns):
            yield "table3", key, col, values[i] if i < len(values) else None, f"t3.{key}[{i}]"
    for key, value in (record.get("table4") or {}).items():
        block, result_key = split_table4_key(key)
        yield "table4", block, result_key, value, f"t4.{key}"


def cell_rows(report_id: str, result: ParseResult) -> Iterator[tuple]:
    """``(report_id, table, row_key, col_key, value, value_raw, line, offset, page, value_status,
    value_rule)`` per cell (the order of ``writer.CELL_COLUMNS``)."""
    prov = result.provenance
    empty = CellSource(raw=None)
    for table, row_key, col_key, value, cell_id in _cells(result.record or {}):
        src = prov.get(cell_id, empty)
        status, rule = cell_status(value, src)
        yield report_id, table, row_key, col_key, value, src.raw, src.line, src.offset, src.page, status, rule


@cache
def key_sets() -> tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]:
    """The ``(table, row_key, col_key)`` columns of a full record of each table 二 format and table 三
    layout of the template: a worker sends the index of its report's key columns when they are one of
    these (nearly always), instead of ~200 x 3 strings. Derived from the template alone, so every
    process numbers them alike; a report with other keys sends them in full."""
    t3_layouts = sorted({f for r in template.raw()["table3_rows"] for f in r["formats"]})
    sets = []
    for fmt in sorted(template.raw()["table2"]):
        for layout in t3_layouts:
            record = {
                "table2": dict.fromkeys(template.table2_keys(fmt)),
                "table3": {k: [] for k in template.table3_rows(layout)},
                "table4": dict.fromkeys(template.table4_keys()),
            }
            tables, rows, cols = zip(*((t, r, c) for t, r, c, _, _ in _cells(record)), strict=True)
            sets.append((tables, rows, cols))
    return tuple(sets)


@cache
def _key_set_ids() -> dict[tuple[str, ...], int]:
    return {tables + rows + cols: i for i, (tables, rows, cols) in enumerate(key_sets())}


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
    # The cells' (table, row_key, col_key) columns: an index into key_sets(), or the three columns.
    keys: int | tuple[Sequence[str], Sequence[str], Sequence[str]]
    # The other cell columns: value, value_raw, line, offset, page, value_status, value_rule
    # (empty lists unless parsed).
    cells: tuple[list, ...]

    @property
    def cell_count(self) -> int:
        return len(self.cells[0])


class _Layout(NamedTuple):
    """The cells of one record shape (its table keys, in order): their provenance ids, and their
    ``(table, row_key, col_key)`` columns as an index into ``key_sets()`` or as the three tuples."""

    cell_ids: tuple[str, ...]
    keys: int | tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    table3_width: int


_LAYOUTS: dict[tuple, _Layout] = {}
_NO_SOURCE = CellSource(raw=None)  # a cell the provenance does not list
_RAW, _LINE, _OFFSET, _PAGE = (attrgetter(name) for name in ("raw", "line", "offset", "page"))
_STATUS, _RULE = attrgetter("status"), attrgetter("rule")
_LAYOUT_CACHE = 256  # record shapes kept per process (the template has four; a stray report adds one)


def _layout(t2: dict, t3: dict, t4: dict) -> _Layout:
    shape = (tuple(t2), tuple(t3), tuple(t4))
    layout = _LAYOUTS.get(shape)
    if layout is None:
        blank = {
            "table2": dict.fromkeys(shape[0]),
            "table3": dict.fromkeys(shape[1], ()),
            "table4": dict.fromkeys(shape[2]),
        }
        cells = list(_cells(blank))
        tables, rows, cols = (tuple(c[i] for c in cells) for i in range(3))
        key_id = _key_set_ids().get(tables + rows + cols)
        keys = key_id if key_id is not None else (tables, rows, cols)
        layout = _Layout(tuple(c[4] for c in cells), keys, len(template.table3_columns()))
        if len(_LAYOUTS) < _LAYOUT_CACHE:
            _LAYOUTS[shape] = layout
    return layout


def _values(t2: dict, t3: dict, t4: dict, width: int) -> list:
    """The cells' values in ``_cells`` order: a table 三 row padded (or cut) to the template's columns."""
    values = list(t2.values())
    for row in t3.values():
        values.extend(row[:width])
        if len(row) < width:
            values.extend([None] * (width - len(row)))
    values.extend(t4.values())
    return values


def flatten(result: ParseResult) -> Flat:
    """The report's columns, issues and cells as plain columns. The cells' keys and provenance ids
    come from the record's shape (``_layout``, computed once per shape), and each column is built in one
    pass over the cells: 150-159 -> 67 us a report against a loop that appended each cell to ten lists."""
    issues = [(n, i.code, i.severity, i.message, i.location, i.cell) for n, i in enumerate(result.issues, 1)]
    if result.status != PARSED:
        return Flat(report_fields(result), issues, ([], [], []), ([], [], [], [], [], [], []))
    record = result.record or {}
    t2, t3, t4 = record.get("table2") or {}, record.get("table3") or {}, record.get("table4") or {}
    layout = _layout(t2, t3, t4)
    values = _values(t2, t3, t4, layout.table3_width)
    get = result.provenance.get
    sources = list(map(get, layout.cell_ids, repeat(_NO_SOURCE, len(layout.cell_ids))))
    statuses = list(map(_STATUS, sources))
    rules = list(map(_RULE, sources))
    if None in statuses:  # the parser always sets a status; cell_status only for a cell it left without one
        for i, src in enumerate(sources):
            if src.status is None:
                statuses[i], rules[i] = cell_status(values[i], src)
    cells = (
        values,
        list(map(_RAW, sources)),
        list(map(_LINE, sources)),
        list(map(_OFFSET, sources)),
        list(map(_PAGE, sources)),
        statuses,
        rules,
    )
    return Flat(report_fields(result), issues, layout.keys, cells)
