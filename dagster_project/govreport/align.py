"""Align token streams to the official template: tables 二, 三 and 四.

Rows are identified by label; an unlabeled row takes the next position in the official row order.
Cells are read in document order; extra trailing blanks are layout padding. Each row's text gives
a set of candidate readings (``readings``); table 三's rows are then chosen together under S1/S2
(``solve``). A cell gets a number only when every surviving reading agrees on it; otherwise it is
null, ``undetermined``, and flagged. Every cell's provenance carries its status.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Final

from . import labels as lab
from . import segment, solve, template
from .readings import DEFAULT_LAYOUT, DISAGREE, Layout, RowReadings, agreed, no_flags, read_row
from .record import (
    ABSENT,
    ERROR,
    INFERRED,
    INFO,
    READ,
    UNDETERMINED,
    WARNING,
    CellSource,
    Issue,
)
from .record import (
    BLANK as BLANK_CELL,
)
from .tokens import BLANK, BREAK, LABEL, TEXT, VALUE, Token
from .values import parse_value

N_COLUMNS: Final = 7
_RUN: Final = re.compile(r"-?[0-9][0-9.\-]*")
N_TABLE4: Final = 15


@dataclass
class Cell:
    value: int | float | None
    source: CellSource


@dataclass
class TableResult:
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, CellSource] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # ``sources`` holds exactly the cells of ``values``, in their order, each with a status (table
    # 三 makes its sources so: the provenance can take them as they are).
    complete: bool = False


class RawRow:
    """A table row as read: its label and the value and blank tokens after it. A plain class, not a
    dataclass: compiled (native.py), its constructor is native code."""

    __slots__ = ("group", "has_values", "key", "label", "tokens")

    def __init__(
        self, key: str | None, group: str | None, label: Token | None, tokens: list[Token] | None = None
    ) -> None:
        self.key = key
        self.group = group
        self.label = label
        self.tokens: list[Token] = tokens if tokens is not None else []
        self.has_values = any(t.kind == VALUE for t in self.tokens)

    def add(self, token: Token) -> None:
        self.tokens.append(token)
        if token.kind == VALUE:
            self.has_values = True


def _loc(token: Token | None) -> str | None:
    return f"line {token.line}" if token is not None else None


def _source(token: Token | None, raw: str | None = None, status: str | None = None) -> CellSource:
    if token is None:
        return ABSENT_SOURCE
    text = token.text if raw is None else raw
    return CellSource(text, token.line, token.offset, None, status, None)


def _with(src: CellSource, status: str, rule: str | None) -> CellSource:
    return CellSource(src.raw, src.line, src.offset, src.page, status, rule)


def _is_run(token: Token) -> bool:
    """A value written without separators that may hold several cells (digits, signs, points)."""
    t = token.text
    return (
        token.kind == VALUE
        and not token.explicit
        and len(t) > 1
        and _RUN.fullmatch(t) is not None
        and sum(ch.isdigit() for ch in t) > 1
    )


def _trim(tokens: list[Token], n: int) -> list[Token]:
    """Drop trailing blanks beyond the expected cell count (row padding); ``tokens`` itself when
    there are none to drop (never changed in place)."""
    end = len(tokens)
    while end > n and tokens[end - 1].kind == BLANK:
        end -= 1
    return tokens if end == len(tokens) else tokens[:end]


def _parse_cells(
    tokens: list[Token],
    cell_ids: Sequence[str],
    result: TableResult,
    signed: tuple[bool, ...] | None,
    amount: tuple[bool, ...] | None,
) -> list:
    """The values of a row of delimited cells (``signed`` and ``amount`` mark the cells that may be
    negative or hold decimals; None: none may); their sources and issues go into ``result``."""
    sources, issues = result.sources, result.issues
    n = len(cell_ids)
    n_tokens = len(tokens)
    texts = tuple([t.text if t.kind == VALUE else "" for t in tokens[:n]])
    if signed is None and amount is None:  # tables 三 and 四: the common case, a plain dict lookup
        parsed = _PLAIN_ROWS.get(texts)
        if parsed is None:
            parsed = _row_cells(texts, no_flags(len(texts)), no_flags(len(texts)))
            if len(_PLAIN_ROWS) < _ROW_CACHE:  # full: the rows seen first stay
                _PLAIN_ROWS[texts] = parsed
    else:
        parsed = _cells(texts, signed or no_flags(len(texts)), amount or no_flags(len(texts)))
    values: list = []
    for i in range(n):
        cid = cell_ids[i]
        if i >= n_tokens:
            # The row is there but stops short: the report left the rest of it empty.
            values.append(None)
            sources[cid] = _SHORT_ROW
            continue
        tok = tokens[i]
        value, status, problem = parsed[i]
        values.append(value)
        sources[cid] = CellSource(tok.text, tok.line, tok.offset, None, status, None)
        if problem is not None:
            issues.append(Issue(problem[0], problem[1], problem[2], _loc(tok), cid))
    return values


_SHORT_ROW: Final = CellSource(None, None, None, None, BLANK_CELL)
ABSENT_SOURCE: Final = CellSource(None, None, None, None, ABSENT)  # a cell the report does not have


# Rows repeat across reports ("0 | 0 | 0 | ..."): a row's cells are parsed once.
_PLAIN_ROWS: Final[dict[tuple[str, ...], tuple[tuple, ...]]] = {}
_ROW_CACHE: Final = 16384


@lru_cache(maxsize=16384)
def _cells(texts: tuple[str, ...], signed: tuple[bool, ...], amount: tuple[bool, ...]) -> tuple[tuple, ...]:
    return _row_cells(texts, signed, amount)


def _row_cells(texts: tuple[str, ...], signed: tuple[bool, ...], amount: tuple[bool, ...]) -> tuple:
    return tuple([_cell(text, signed[i], amount[i]) for i, text in enumerate(texts)])


def _cell(text: str, signed: bool, amount: bool) -> tuple:
    """A delimited cell's value, status and issue (code, severity, message) or None; kept per text in
    one of four dicts by the flags (a plain dict lookup: no argument tuple and recency list)."""
    cache = _CELL_CACHES[(2 if signed else 0) + (1 if amount else 0)]
    hit = cache.get(text)
    if hit is None:
        hit = _compute_cell(text, signed, amount)
        if len(cache) < _ROW_CACHE:  # full: the cells seen first stay
            cache[text] = hit
    return hit


_CELL_CACHES: Final[tuple[dict[str, tuple], ...]] = ({}, {}, {}, {})


def _compute_cell(text: str, signed: bool, amount: bool) -> tuple:
    cv = parse_value(text, signed=signed, amount=amount)
    if cv.value is not None:
        status = READ
    elif cv.problem == "unparsable_cell":
        status = UNDETERMINED
    else:
        status = BLANK_CELL
    problem = None
    if cv.problem:
        sev = ERROR if cv.problem == "unparsable_cell" else WARNING
        problem = (cv.problem, sev, cv.note or cv.problem)
    return cv.value, status, problem


# ---------------------------------------------------------------- table 三


def table3_raw_rows(tokens: list[Token]) -> list[RawRow]:
    rows: list[RawRow] = []
    current: RawRow | None = None
    seen_data = False
    seen_keys: set[str] = set()

    def close() -> None:
        nonlocal current, seen_data
        if current is not None and (current.key or current.group or current.has_values):
            rows.append(current)
            seen_data = seen_data or current.has_values
            if current.key:
                seen_keys.add(current.key)
        current = None

    for tok in tokens:
        if tok.kind == LABEL:
            label = tok.label
            assert label is not None
            if label.role == lab.HEADER and seen_data:
                # After the data started, bare 总计 / 其他 are row labels written without numbering.
                if label.key == "总计" and "total_processed" not in seen_keys:
                    label = lab.Label(lab.ROW, "total_processed")
                elif label.key == "其他" and (
                    current.key if current is not None else rows[-1].key if rows else None
                ) in (
                    "other_overdue_correction",
                    "other_overdue_fee",
                ):
                    label = lab.Label(lab.ROW, "other_other")
            if label.role == lab.ROW:
                reuse = (
                    current is not None
                    and not current.has_values
                    and current.key in (None, "other_processing")
                    and (current.key is None or label.key.startswith("other_"))
                )
                if reuse:
                    assert current is not None
                    current.key, current.label = label.key, tok
                    current.tokens = []  # blanks only: ``has_values`` stays False
                else:
                    close()
                    group = "other" if label.key == "other_processing" else None
                    current = RawRow(label.key, group, tok)
            elif label.role == lab.GROUP:
                close()
                current = RawRow(None, label.key, tok)
            elif seen_data and current is not None and current.key and not current.has_values:
                # Header words between a row label and its values are a label broken over lines
                # ("不计" / "其他" / "情形"): they do not end the row.
                continue
            else:
                close()
        elif tok.kind in (VALUE, BLANK):
            if current is None:
                current = RawRow(None, None, None)
            current.add(tok)
        elif tok.kind == BREAK or (tok.kind == TEXT and len(tok.text) > 20):
            close()
    close()
    return rows


def detect_table3_layout(rows: list[RawRow], default: str) -> str:
    keys = {r.key for r in rows}
    if keys & {"other_overdue_correction", "other_overdue_fee", "other_other"}:
        return template.FORMAT_2021
    if "other_processing" in keys:
        return template.FORMAT_2019
    return default


def align_table3(
    raw_rows: list[RawRow], default_layout: str, text_layout: Layout = DEFAULT_LAYOUT
) -> tuple[TableResult, str]:
    """Table 三 from its rows as ``table3_raw_rows`` reads them (left unchanged)."""
    result = TableResult()
    layout = detect_table3_layout(raw_rows, default_layout)
    order = template.table3_rows(layout)
    positions, results_rows = _table3_plan(layout)
    groups = template.table3_groups()

    # Expand rows that swallowed the cells of following unlabeled rows (one cell per line).
    expanded: list[RawRow] = []
    for row in raw_rows:
        cells = _trim(row.tokens, N_COLUMNS)
        if len(cells) > N_COLUMNS and not any(_is_run(t) for t in cells):
            expanded.append(RawRow(row.key, row.group, row.label, cells[:N_COLUMNS]))
            rest = cells[N_COLUMNS:]
            while rest:
                chunk, rest = _trim(rest[:N_COLUMNS], N_COLUMNS), rest[N_COLUMNS:]
                if any(t.kind == VALUE for t in chunk):
                    expanded.append(RawRow(None, None, None, chunk))
        else:
            expanded.append(row if cells is row.tokens else RawRow(row.key, row.group, row.label, cells))

    assigned: dict[str, RawRow] = {}
    prev = -1
    for row in expanded:
        key = row.key
        if key == "other_processing" and layout == template.FORMAT_2021:
            key = groups["other"]["first_row"]
        if key is None and row.group:
            g = groups[row.group]
            key = (
                g.get("first_row_2019")
                if layout == template.FORMAT_2019 and g.get("first_row_2019")
                else g.get("first_row")
            )
        if key is None:
            if prev + 1 >= len(order):
                result.issues.append(
                    Issue(
                        "extra_row",
                        WARNING,
                        "values after the last row of table 三 ignored",
                        _loc(row.tokens[0] if row.tokens else None),
                    )
                )
                continue
            key = order[prev + 1]
            result.issues.append(
                Issue(
                    "missing_label",
                    INFO,
                    f"row without a label read as {key} by its position",
                    _loc(row.tokens[0] if row.tokens else None),
                    f"t3.{key}",
                )
            )
        if key not in positions:
            result.issues.append(
                Issue(
                    "unexpected_row",
                    WARNING,
                    f"row {key} does not belong to the {layout} layout of table 三",
                    _loc(row.label),
                )
            )
            continue
        if key in assigned and not (assigned[key].label is None and row.label is not None):
            result.issues.append(
                Issue("duplicate_row", WARNING, f"row {key} appears twice; kept the first", _loc(row.label))
            )
            continue
        if key in assigned:
            # A row placed by position yields to the row that carries the label.
            message = f"unlabelled values before row {key} ignored"
            result.issues.append(Issue("duplicate_row", WARNING, message, _loc(row.label)))
        assigned[key] = row
        prev = positions[key]

    columns_n = N_COLUMNS
    row_readings: dict[str, RowReadings] = {}
    for key, row in assigned.items():
        row_readings[key] = read_row(
            _trim(row.tokens, columns_n), columns_n, segment.row_sum_ok, layout=text_layout
        )
    candidates = {k: rr.candidates or ((None,) * columns_n,) for k, rr in row_readings.items()}
    solution = solve.solve(candidates, results_rows)

    for key in order:
        found = assigned.get(key)
        if found is None:
            result.values[key] = [None] * columns_n
            for cid in _t3_cell_ids(key):
                result.sources[cid] = ABSENT_SOURCE
            result.issues.append(
                Issue(
                    "missing_row", WARNING, f"table 三 row {key} not found; cells are null", None, f"t3.{key}"
                )
            )
            continue
        rr = row_readings[key]
        cells = _trim(found.tokens, columns_n)
        kept = solution.kept.get(key, ()) if rr.candidates else ()
        rule = "S3" if len(rr.candidates) > 1 or not rr.forced else None
        if len(rr.candidates) > 1 and solution.rule != "none needed":
            rule = f"S3; {solution.rule}"
        result.values[key] = _emit_row(result, _t3_cell_ids(key), cells, rr, kept, rule, f"t3.{key}")
        if rr.kind == "delimited" and rr.forced:
            _row_shape_issues(result, key, row, cells)
    # Every row of ``order`` got its N_COLUMNS values and, in the same order, a source with a status
    # for each (ABSENT_SOURCE, ``_parse_cells`` or ``_emit_row``); nothing else writes a source.
    result.complete = True
    return result, layout


@cache
def _table3_plan(layout: str) -> tuple[dict[str, int], list[str]]:
    """The rows of table 三 in ``layout``: each key's position, and the result rows (the rows
    other than the four of S1)."""
    order = template.table3_rows(layout)
    positions = {key: i for i, key in enumerate(order)}
    flow = ("new_received", "carried_over", "total_processed", "carried_forward")
    return positions, [k for k in order if k not in flow]


def _t3_cell_ids(key: str) -> tuple[str, ...]:
    ids = _T3_CELL_IDS.get(key)
    if ids is None:  # keys are the template's rows: the dict stays small
        ids = _T3_CELL_IDS[key] = tuple([f"t3.{key}[{i}]" for i in range(N_COLUMNS)])
    return ids


_T3_CELL_IDS: Final[dict[str, tuple[str, ...]]] = {}


def _row_shape_issues(result: TableResult, key: str, row: RawRow, cells: list[Token]) -> None:
    present = len(cells)
    if present < N_COLUMNS:
        result.issues.append(
            Issue(
                "missing_cells",
                INFO if present else WARNING,
                f"row {key} has {present} of {N_COLUMNS} cells; the rest are null",
                _loc(row.label or (cells[0] if cells else None)),
                f"t3.{key}",
            )
        )
    _extra_cells(result, cells, N_COLUMNS, f"row {key}", f"t3.{key}")


def _extra_cells(result: TableResult, cells: list[Token], n: int, what: str, cell: str) -> None:
    extra = [t for t in cells[n:] if t.kind == VALUE]
    if extra:
        message = f"{what} has {len(extra)} extra values ignored"
        result.issues.append(Issue("extra_cells", WARNING, message, _loc(extra[0]), cell))


def _emit_row(
    result: TableResult,
    cell_ids: Sequence[str],
    cells: list[Token],
    rr: RowReadings,
    kept: tuple,
    rule: str | None,
    row_cell: str,
    signed: tuple[bool, ...] | None = None,
    amount: tuple[bool, ...] | None = None,
) -> list:
    """One row's values; their provenance, statuses and issues go into ``result``. ``signed`` and
    ``amount`` mark the cells that may be negative or hold decimals."""
    n = len(cell_ids)
    if rr.forced and len(rr.candidates) == 1 and rr.kind in ("delimited", "spaced"):
        return _parse_cells(cells, cell_ids, result, signed, amount)
    first = cells[0] if cells else None
    raw = " ".join(t.text for t in cells) if cells else None
    src = _source(first, raw=raw)
    values = agreed(kept, n) if kept else [DISAGREE] * n
    undetermined = 0
    read = rr.forced and len(rr.candidates) == 1
    raw_text, line, offset = src.raw, src.line, src.offset
    out_values: list = []
    out_sources = result.sources
    # Every cell of the row has the row's text and place; a source is made once per status and
    # shared by the cells that have it (a CellSource is not changed once made).
    made: dict[str, CellSource] = {}
    for i in range(n):
        v = values[i]
        if v is DISAGREE:
            out_values.append(None)
            status, why = UNDETERMINED, rule
            undetermined += 1
        elif read:
            out_values.append(v)
            status, why = (READ if v is not None else BLANK_CELL), None
        else:
            out_values.append(v)
            status, why = (INFERRED if v is not None else BLANK_CELL), rule or "every reading agrees"
        shared = made.get(status)
        if shared is None:
            shared = made[status] = CellSource(raw_text, line, offset, None, status, why)
        out_sources[cell_ids[i]] = shared
    if undetermined:
        if not rr.candidates or not kept:
            code, sev = "unsplittable_digit_run", ERROR
            why = rr.note or "no reading satisfies the identities"
            msg = f"row text {raw!r}: {why}; cells left null"
        else:
            code, sev = "ambiguous_segmentation", WARNING
            msg = (
                f"row text {raw!r} reads {len(kept)} ways ({rr.kind}); "
                f"{undetermined} undetermined cells left null"
            )
            if not rr.complete:
                msg = f"row text {raw!r} has too many readings to decide; undetermined cells left null"
        result.issues.append(Issue(code, sev, msg, _loc(first), row_cell))
    elif len(rr.candidates) > 1 or not rr.forced:
        result.issues.append(
            Issue(
                "inferred_cells",
                INFO,
                f"row text {raw!r} ({rr.kind}) read as the only reading consistent with {rule}"
                if rule
                else f"row text {raw!r} ({rr.kind}): every well-formed reading agrees on the cells given",
                _loc(first),
                row_cell,
            )
        )
    return out_values


@lru_cache(maxsize=64)
def cell_ids(table: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The cell ids of ``keys`` in ``table`` ("t2" or "t4"): ``t2.<key>``."""
    return tuple([f"{table}.{key}" for key in keys])


# ---------------------------------------------------------------- table 二


def align_table2(tokens: list[Token], fmt: str, text_layout: Layout = DEFAULT_LAYOUT) -> TableResult:
    result = TableResult()
    rows: list[RawRow] = []
    current: RawRow | None = None
    for tok in tokens:
        if tok.kind == LABEL and tok.label and tok.label.role == lab.ROW:
            if current:
                rows.append(current)
            current = RawRow(tok.label.key, None, tok)
        elif (
            tok.kind == LABEL
            or tok.kind == BREAK
            or (tok.kind == TEXT and (len(tok.text) > 20 or (current is not None and current.has_values)))
        ):
            # Text after a row's values ends the row: table 二 has no text between its cells.
            if current:
                rows.append(current)
            current = None
        elif tok.kind in (VALUE, BLANK):
            if current is not None:
                current.add(tok)
            elif tok.kind == VALUE:
                result.issues.append(
                    Issue(
                        "orphan_value", WARNING, f"value {tok.text!r} in table 二 outside any row", _loc(tok)
                    )
                )
    if current:
        rows.append(current)

    # A row label without values that recurs later with values was a word in the narrative.
    with_values = {r.key for r in rows if r.tokens}
    rows = [r for r in rows if r.tokens or r.key not in with_values]
    seen: set[str] = set()
    for row in rows:
        plan = _table2_plan(fmt, row.key or "")
        if plan is None:
            result.issues.append(
                Issue(
                    "unexpected_row",
                    WARNING,
                    f"table 二 row {row.label.text if row.label else '?'} is not in the {fmt} format",
                    _loc(row.label),
                )
            )
            continue
        spec, keys, signed, amounts, ids = plan
        if spec.label in seen:
            if row.has_values:
                result.issues.append(
                    Issue(
                        "duplicate_row",
                        WARNING,
                        f"table 二 row {spec.label} appears twice; kept the first",
                        _loc(row.label),
                    )
                )
            continue
        seen.add(spec.label)
        n = len(keys)
        cells = _trim(row.tokens, n)
        rr = read_row(cells, n, None, signed=signed, decimals=amounts, layout=text_layout)
        values = _emit_row(
            result,
            ids,
            cells,
            rr,
            rr.candidates,
            None,
            f"t2.{keys[0]}",
            signed,
            amounts,
        )
        result.values.update(zip(keys, values, strict=True))
        if rr.forced and rr.kind in ("delimited", "spaced"):
            _procurement_unit(result, keys, cells)
            if len(cells) < n:
                result.issues.append(
                    Issue(
                        "missing_cells",
                        INFO if cells else WARNING,
                        f"table 二 row {spec.label} has {len(cells)} of {n} cells",
                        _loc(row.label),
                        f"t2.{keys[0]}",
                    )
                )
    for key in template.table2_keys(fmt):
        if key not in result.values:
            result.values[key] = None
            result.sources[f"t2.{key}"] = ABSENT_SOURCE
            result.issues.append(
                Issue("missing_row", WARNING, f"table 二 cell {key} not found; null", None, f"t2.{key}")
            )
    return result


@cache
def _table2_plan(
    fmt: str, label_key: str
) -> tuple[template.Table2Row, tuple[str, ...], tuple[bool, ...], tuple[bool, ...], tuple[str, ...]] | None:
    """The table 二 row of ``fmt`` labelled ``label_key`` (``labels.table2_row_label``), with what
    reading it takes, once per row: its keys, which cells may be negative, which hold amounts, and
    its cell ids."""
    spec = lab.table2_row_label(fmt, label_key)
    if spec is None:
        return None
    keys = spec.keys
    signed = tuple([k in spec.signed for k in keys])
    amounts = tuple([spec.amount and k.endswith("_yuan") for k in keys])
    return spec, keys, signed, amounts, cell_ids("t2", keys)


def _procurement_unit(result: TableResult, keys: tuple[str, ...], cells: list[Token]) -> None:
    """The 2019 procurement amount has no printed unit: a 万元 suffix is converted to 元."""
    if "procurement_amount_yuan" not in keys:
        return
    i = keys.index("procurement_amount_yuan")
    if i < len(cells) and cells[i].text.strip().endswith("万元") and result.values.get(keys[i]) is not None:
        result.values[keys[i]] = round(float(result.values[keys[i]]) * 10000, 6)  # type: ignore[arg-type]
        result.issues.append(
            Issue(
                "unit_converted",
                INFO,
                "procurement amount in 万元 converted to 元",
                _loc(cells[i]),
                "t2.procurement_amount_yuan",
            )
        )


# ---------------------------------------------------------------- table 四


def table4_cells(tokens: list[Token]) -> list[Token]:
    """The value and blank tokens after table 四's last header label."""
    last_header = max((i for i, t in enumerate(tokens) if t.kind == LABEL), default=-1)
    header_line = tokens[last_header].line if last_header >= 0 else -1
    cells: list[Token] = []
    for tok in tokens[last_header + 1 :]:
        if tok.kind == BLANK and tok.line == header_line:
            continue
        if tok.kind == TEXT and len(tok.text) > 20:
            break
        if tok.kind in (VALUE, BLANK):
            cells.append(tok)
    return _trim(cells, N_TABLE4)


def align_table4(cells: list[Token], text_layout: Layout = DEFAULT_LAYOUT) -> TableResult:
    """Table 四 from its cells as ``table4_cells`` reads them."""
    result = TableResult()
    keys = template.table4_keys()
    if not cells:
        for key in keys:
            result.values[key] = None
            result.sources[f"t4.{key}"] = ABSENT_SOURCE
        result.issues.append(Issue("missing_table", WARNING, "table 四 has no cells; all null", None, "t4"))
        return result
    rr = read_row(cells, N_TABLE4, segment.table4_ok, layout=text_layout)
    values = _emit_row(result, cell_ids("t4", tuple(keys)), cells, rr, rr.candidates, "S4", "t4")
    result.values.update(zip(keys, values, strict=True))
    if rr.forced and rr.kind in ("delimited", "spaced"):
        if len(cells) < N_TABLE4:
            for key in keys[len(cells) :]:
                # A table cut short: the cells after the cut are not in the report.
                result.sources[f"t4.{key}"] = ABSENT_SOURCE
            result.issues.append(
                Issue(
                    "truncated_table",
                    WARNING,
                    f"table 四 has {len(cells)} of {N_TABLE4} cells; the rest are null",
                    _loc(cells[0]),
                    "t4",
                )
            )
        _extra_cells(result, cells, N_TABLE4, "table 四", "t4")
    return result


# ---------------------------------------------------------------- text layout of the document


def detect_layout(t3_rows: list[list[Token]], t4_cells: list[Token]) -> Layout:
    """How this document writes rows: were consecutive identical lines dropped (one cell per line,
    no two equal neighbours anywhere, and some row with fewer digits than cells)? Decided from
    tables 三 and 四 and applied to all three tables."""
    rows = [(r, N_COLUMNS) for r in t3_rows] + ([(t4_cells, N_TABLE4)] if t4_cells else [])
    loose = [(r, n) for r, n in rows if r and not all(t.explicit for t in r)]
    if not loose:
        return DEFAULT_LAYOUT
    values = [t for r, _ in loose for t in r if t.kind == VALUE]
    one_per_line = len(values) >= 10 and len({t.line for t in values}) == len(values)
    if not one_per_line:
        return DEFAULT_LAYOUT
    repeats = any(a.text == b.text for r, _ in loose for a, b in itertools.pairwise(r))
    # A row holding fewer digits than cells cannot be a fused run: cells are missing from it.
    short = any(0 < sum(ch.isdigit() for t in r for ch in t.text) < n for r, n in loose)
    return Layout(collapsed=short and not repeats)
