"""Align token streams to the official template: tables 二, 三 and 四.

Rows are identified by label; an unlabeled row takes the next position in the official row order.
Cells are read in document order; extra trailing blanks are layout padding. Fused digit runs are
split by ``segment`` under the identities, and left null (and flagged) when the split is ambiguous.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from . import labels as lab
from . import segment, template
from .record import ERROR, INFO, WARNING, CellSource, Issue
from .tokens import BLANK, BREAK, LABEL, TEXT, VALUE, Token
from .values import parse_value

N_COLUMNS = 7
_RUN = re.compile(r"-?[0-9][0-9.\-]*")
N_TABLE4 = 15
MAX_COMBINATIONS = 20000


@dataclass
class Cell:
    value: int | float | None
    source: CellSource


@dataclass
class TableResult:
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, CellSource] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


@dataclass
class RawRow:
    key: str | None
    group: str | None
    label: Token | None
    tokens: list[Token] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(t.kind == VALUE for t in self.tokens)


def _loc(token: Token | None) -> str | None:
    return f"line {token.line}" if token is not None else None


def _source(token: Token | None, raw: str | None = None, shift: int = 0) -> CellSource:
    if token is None:
        return CellSource(raw=None)
    return CellSource(raw=token.text if raw is None else raw, line=token.line, offset=token.offset + shift)


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
    """Drop trailing blanks beyond the expected cell count (row padding)."""
    out = list(tokens)
    while len(out) > n and out[-1].kind == BLANK:
        out.pop()
    return out


def _parse_cells(
    tokens: list[Token],
    keys: list[str],
    cell_id,
    result: TableResult,
    *,
    signed=frozenset(),
    amount=frozenset(),
) -> None:
    for i, key in enumerate(keys):
        cid = cell_id(i)
        tok = tokens[i] if i < len(tokens) else None
        if tok is None:
            result.values[key] = None
            result.sources[cid] = CellSource(raw=None)
            continue
        cv = parse_value(tok.text if tok.kind == VALUE else "", signed=key in signed, amount=key in amount)
        result.values[key] = cv.value
        result.sources[cid] = _source(tok)
        if cv.problem:
            sev = ERROR if cv.problem == "unparsable_cell" else WARNING
            result.issues.append(Issue(cv.problem, sev, cv.note or cv.problem, _loc(tok), cid))


def _agreed(readings: segment.Readings, i: int) -> int | float | None:
    """Cell ``i`` when every reading agrees on it (and the search was complete), else None."""
    if not readings.complete or not readings.splits:
        return None
    values = {r[i] for r in readings.splits}
    return values.pop() if len(values) == 1 else None


def _run_issue(tok: Token, cell: str, readings: segment.Readings) -> Issue:
    if not readings.complete:
        return Issue(
            "ambiguous_segmentation",
            WARNING,
            f"digit run {tok.text!r} has too many readings to decide; cells left null",
            _loc(tok),
            cell,
        )
    if not readings.splits:
        return Issue(
            "unsplittable_digit_run",
            ERROR,
            f"digit run {tok.text!r} has no reading that satisfies the identities; cells left null",
            _loc(tok),
            cell,
        )
    return Issue(
        "ambiguous_segmentation",
        WARNING,
        f"digit run {tok.text!r} reads {len(readings.splits)} ways; undetermined cells left null",
        _loc(tok),
        cell,
    )


# ---------------------------------------------------------------- table 三


def _table3_raw_rows(tokens: list[Token]) -> list[RawRow]:
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
                elif (
                    label.key == "其他"
                    and current is None
                    and rows
                    and rows[-1].key in ("other_overdue_correction", "other_overdue_fee")
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
                    current.tokens = []
                else:
                    close()
                    group = "other" if label.key == "other_processing" else None
                    current = RawRow(label.key, group, tok)
            elif label.role == lab.GROUP:
                close()
                current = RawRow(None, label.key, tok)
            else:
                close()
        elif tok.kind in (VALUE, BLANK):
            if current is None:
                current = RawRow(None, None, None)
            current.tokens.append(tok)
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


def align_table3(tokens: list[Token], default_layout: str) -> tuple[TableResult, str]:
    result = TableResult()
    raw_rows = _table3_raw_rows(tokens)
    layout = detect_table3_layout(raw_rows, default_layout)
    order = template.table3_rows(layout)
    groups = template.table3_groups()
    columns = template.table3_columns()

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
            expanded.append(RawRow(row.key, row.group, row.label, cells))

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
        if key not in order:
            result.issues.append(
                Issue(
                    "unexpected_row",
                    WARNING,
                    f"row {key} does not belong to the {layout} layout of table 三",
                    _loc(row.label),
                )
            )
            continue
        if key in assigned:
            result.issues.append(
                Issue("duplicate_row", WARNING, f"row {key} appears twice; kept the first", _loc(row.label))
            )
            continue
        assigned[key] = row
        prev = order.index(key)

    # Candidate readings of every row: one for delimited cells, several for ambiguous fused runs.
    options: dict[str, list[tuple]] = {}
    fused: dict[str, Token] = {}
    for key, row in assigned.items():
        if (
            len(row.tokens) == 1
            and _is_run(row.tokens[0])
            and len(row.tokens[0].text.lstrip("-")) >= N_COLUMNS
        ):
            tok = row.tokens[0]
            readings = segment.candidates(tok.text, N_COLUMNS, segment.row_sum_ok)
            fused[key] = tok
            if readings.complete and readings.splits:
                options[key] = list(readings.splits)
            else:
                result.issues.append(_run_issue(tok, f"t3.{key}", readings))

    resolved = _resolve_table3(options, assigned, order, columns, layout)
    for key in order:
        row = assigned.get(key)
        cid = lambda i, key=key: f"t3.{key}[{i}]"  # noqa: E731
        if row is None:
            result.values[key] = [None] * N_COLUMNS
            for i in range(N_COLUMNS):
                result.sources[cid(i)] = CellSource(raw=None)
            result.issues.append(
                Issue(
                    "missing_row", WARNING, f"table 三 row {key} not found; cells are null", None, f"t3.{key}"
                )
            )
            continue
        if key in fused:
            tok = fused[key]
            values = resolved.get(key)
            result.values[key] = list(values) if values else [None] * N_COLUMNS
            for i in range(N_COLUMNS):
                result.sources[cid(i)] = _source(tok)
            if key in resolved and any(v is None for v in resolved[key]) and options.get(key):
                result.issues.append(
                    Issue(
                        "ambiguous_segmentation",
                        WARNING,
                        f"digit run {tok.text!r} splits {len(options[key])} ways; "
                        "undetermined cells left null",
                        _loc(tok),
                        f"t3.{key}",
                    )
                )
            continue
        sub = TableResult()
        _parse_cells(row.tokens, columns, cid, sub)
        result.values[key] = [sub.values[c] for c in columns]
        result.sources.update(sub.sources)
        result.issues.extend(sub.issues)
        present = len([t for t in row.tokens])
        if present < N_COLUMNS:
            result.issues.append(
                Issue(
                    "missing_cells",
                    INFO if present else WARNING,
                    f"row {key} has {present} of {N_COLUMNS} cells; the rest are null",
                    _loc(row.label or (row.tokens[0] if row.tokens else None)),
                    f"t3.{key}",
                )
            )
        extra = [t for t in row.tokens[N_COLUMNS:] if t.kind == VALUE]
        if extra:
            result.issues.append(
                Issue(
                    "extra_cells",
                    WARNING,
                    f"row {key} has {len(extra)} extra values ignored",
                    _loc(extra[0]),
                    f"t3.{key}",
                )
            )
    return result, layout


def _resolve_table3(
    options: dict[str, list[tuple]],
    assigned: dict[str, RawRow],
    order: list[str],
    columns: list[str],
    layout: str,
) -> dict[str, tuple]:
    """Pick the fused-row splits that satisfy S1 and S2; cells that differ between the
    remaining readings become None."""
    if not options:
        return {}
    known: dict[str, list] = {}
    for key, row in assigned.items():
        if key in options:
            continue
        vals = []
        for i in range(N_COLUMNS):
            tok = row.tokens[i] if i < len(row.tokens) else None
            vals.append(parse_value(tok.text).value if tok is not None and tok.kind == VALUE else None)
        known[key] = vals
    keys = [k for k in options if options[k]]
    combos = 1
    for k in keys:
        combos *= len(options[k])
    results_rows = [
        k for k in order if k not in ("new_received", "carried_over", "total_processed", "carried_forward")
    ]
    valid: list[dict[str, tuple]] = []
    if combos <= MAX_COMBINATIONS:
        for choice in itertools.product(*(options[k] for k in keys)):
            table = dict(known)
            table.update(dict(zip(keys, choice, strict=True)))
            if _identities_hold(table, results_rows):
                valid.append(dict(zip(keys, choice, strict=True)))
    out: dict[str, tuple] = {}
    for k in keys:
        readings = [v[k] for v in valid] if valid else options[k]
        out[k] = tuple(
            readings[0][i] if all(r[i] == readings[0][i] for r in readings) else None
            for i in range(N_COLUMNS)
        )
    return out


def _identities_hold(table: dict[str, list], results_rows: list[str]) -> bool:
    for c in range(N_COLUMNS):

        def val(key: str, c=c):
            row = table.get(key)
            return None if row is None else row[c]

        s1 = [val("new_received"), val("carried_over"), val("total_processed"), val("carried_forward")]
        if all(v is not None for v in s1) and s1[0] + s1[1] != s1[2] + s1[3]:
            return False
        parts = [val(k) for k in results_rows]
        total = val("total_processed")
        if total is not None and all(v is not None for v in parts) and sum(parts) != total:
            return False
    return True


# ---------------------------------------------------------------- table 二


def align_table2(tokens: list[Token], fmt: str) -> TableResult:
    result = TableResult()
    rows: list[RawRow] = []
    current: RawRow | None = None
    for tok in tokens:
        if tok.kind == LABEL and tok.label and tok.label.role == lab.ROW:
            if current:
                rows.append(current)
            current = RawRow(tok.label.key, None, tok)
        elif tok.kind == LABEL or tok.kind == BREAK or (tok.kind == TEXT and len(tok.text) > 20):
            if current:
                rows.append(current)
            current = None
        elif tok.kind in (VALUE, BLANK):
            if current is not None:
                current.tokens.append(tok)
            elif tok.kind == VALUE:
                result.issues.append(
                    Issue(
                        "orphan_value", WARNING, f"value {tok.text!r} in table 二 outside any row", _loc(tok)
                    )
                )
    if current:
        rows.append(current)

    seen: set[str] = set()
    for row in rows:
        spec = lab.table2_row_label(fmt, row.key or "")
        if spec is None:
            result.issues.append(
                Issue(
                    "unexpected_row",
                    WARNING,
                    f"table 二 row {row.label.text if row.label else '?'} is not in the {fmt} format",
                    _loc(row.label),
                )
            )
            continue
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
        keys = list(spec.keys)
        amounts = frozenset(k for k in keys if k.endswith("_yuan")) if spec.amount else frozenset()
        n = len(keys)
        cells = _trim(row.tokens, n)
        if n > 1 and len(cells) == 1 and _is_run(cells[0]) and len(cells[0].text.lstrip("-")) >= n:
            tok = cells[0]
            signed = [k in spec.signed for k in keys]
            points = [k in amounts for k in keys]
            readings = segment.candidates(tok.text, n, None, signed=signed, decimals=points)
            for i, key in enumerate(keys):
                result.values[key] = _agreed(readings, i)
                result.sources[f"t2.{key}"] = _source(tok)
            if readings.unique is None:
                result.issues.append(_run_issue(tok, f"t2.{keys[0]}", readings))
            continue
        sub = TableResult()
        _parse_cells(
            cells,
            keys,
            lambda i, keys=keys: f"t2.{keys[i]}",
            sub,
            signed=spec.signed,
            amount=amounts,
        )
        for key in keys:
            result.values[key] = sub.values.get(key)
        result.sources.update(sub.sources)
        result.issues.extend(sub.issues)
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
            result.sources[f"t2.{key}"] = CellSource(raw=None)
            result.issues.append(
                Issue("missing_row", WARNING, f"table 二 cell {key} not found; null", None, f"t2.{key}")
            )
    return result


def _procurement_unit(result: TableResult, keys: list[str], cells: list[Token]) -> None:
    """The 2019 procurement amount has no printed unit: a 万元 suffix is converted to 元."""
    if "procurement_amount_yuan" not in keys:
        return
    i = keys.index("procurement_amount_yuan")
    if i < len(cells) and cells[i].text.strip().endswith("万元") and result.values.get(keys[i]) is not None:
        result.values[keys[i]] = round(float(result.values[keys[i]]) * 10000, 6)
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


def align_table4(tokens: list[Token]) -> TableResult:
    result = TableResult()
    keys = template.table4_keys()
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
    cells = _trim(cells, N_TABLE4)
    if len(cells) == 1 and _is_run(cells[0]) and len(cells[0].text) >= N_TABLE4:
        tok = cells[0]
        readings = segment.candidates(tok.text, N_TABLE4, segment.table4_ok)
        for i, key in enumerate(keys):
            result.values[key] = _agreed(readings, i)
            result.sources[f"t4.{key}"] = _source(tok)
        if readings.unique is None:
            result.issues.append(_run_issue(tok, "t4", readings))
        return result
    _parse_cells(cells, keys, lambda i: f"t4.{keys[i]}", result)
    if not cells:
        result.issues.append(Issue("missing_table", WARNING, "table 四 has no cells; all null", None, "t4"))
    elif len(cells) < N_TABLE4:
        result.issues.append(
            Issue(
                "truncated_table",
                WARNING,
                f"table 四 has {len(cells)} of {N_TABLE4} cells; the rest are null",
                _loc(cells[0]),
                "t4",
            )
        )
    extra = [t for t in cells[N_TABLE4:] if t.kind == VALUE]
    if extra:
        result.issues.append(
            Issue(
                "extra_cells",
                WARNING,
                f"table 四 has {len(extra)} extra values ignored",
                _loc(extra[0]),
                "t4",
            )
        )
    return result
