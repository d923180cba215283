"""Choose among the readings of table 三's rows with the column identities S1 and S2.

Every row comes with its candidate readings (``readings.read_row``; S3 already applied inside each
row). A combination of one reading per row is *consistent* when, for every column,

- S1: new_received + carried_over = total_processed + carried_forward, and
- S2: total_processed = the sum of the result rows,

a blank operand making that rule not assessable (never read as 0). The solver keeps, for every
row, the readings that take part in at least one consistent combination. The result rows are
combined by dynamic programming over their column sums, so the work grows with the number of
distinct partial sums, not with the product of the rows' readings.

When no combination is consistent the report itself may break an identity (its delimited cells do
not add up). The solver then drops the fewest rules needed, first one (rule, column) pair, then a
whole rule, then both; dropping rules only widens the kept readings, so a cell decided under a
relaxation is decided by what is left, never by a guess.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

N: Final = 7
MAX_STATES: Final = 200_000
MAX_OUTER: Final = 20_000
MAX_SUFFIX: Final = 50_000

Reading = tuple


@dataclass(frozen=True)
class Solution:
    kept: dict[str, tuple[Reading, ...]]  # surviving readings per row
    rule: str  # the identities that were applied, e.g. "S1+S2" or "S2 (S1 dropped in column 3)"
    relaxed: bool  # some rule had to be dropped
    complete: bool = True


def _s1(nr, co, tp, cf, cols) -> bool:
    return all(
        nr[c] is None or co[c] is None or tp[c] is None or cf[c] is None or nr[c] + co[c] == tp[c] + cf[c]
        for c in cols
    )


def solve(
    rows: Mapping[str, Sequence[Reading]],
    results_rows: Sequence[str],
) -> Solution:
    """``rows`` maps row keys to candidate readings (absent rows are simply missing)."""
    ambiguous = [k for k, c in rows.items() if len(c) > 1]
    if not ambiguous:
        return Solution({k: tuple(v) for k, v in rows.items()}, "none needed", False)
    all_cols = tuple(range(N))
    attempts: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [("S1+S2", all_cols, all_cols)]
    for c in all_cols:
        attempts.append((f"S1+S2 (S1 dropped in column {c})", tuple(x for x in all_cols if x != c), all_cols))
        attempts.append((f"S1+S2 (S2 dropped in column {c})", all_cols, tuple(x for x in all_cols if x != c)))
    attempts += [("S2 (S1 dropped)", (), all_cols), ("S1 (S2 dropped)", all_cols, ())]

    def merged(results: list[tuple[str, dict]]) -> dict[str, tuple[Reading, ...]]:
        out = {}
        for key, cands in rows.items():
            keep = set()
            for _, kept in results:
                keep |= kept.get(key, set())
            out[key] = tuple(c for i, c in enumerate(cands) if i in keep)
        return out

    cache: dict = {}  # forward passes by S2 columns: the relaxations share them
    first = _attempt(rows, results_rows, all_cols, all_cols, cache)
    if first is None:
        return Solution({k: tuple(v) for k, v in rows.items()}, "none (too many readings)", False, False)
    if _any(first):
        return Solution(merged([("S1+S2", first)]), "S1+S2", False)
    for level in (attempts[1:15], attempts[15:]):
        found = []
        for name, s1_cols, s2_cols in level:
            kept = _attempt(rows, results_rows, s1_cols, s2_cols, cache)
            if kept is None:
                return Solution(
                    {k: tuple(v) for k, v in rows.items()}, "none (too many readings)", True, False
                )
            if _any(kept):
                found.append((name, kept))
        if found:
            return Solution(merged(found), "; ".join(n for n, _ in found), True)
    return Solution({k: tuple(v) for k, v in rows.items()}, "none (no reading satisfies S1 or S2)", True)


def _any(kept: dict[str, set[int]]) -> bool:
    return any(kept.values())


def _column_suffix_sums(
    rows: dict[str, Sequence[Reading]], present: list[str], col: int
) -> list[set | None] | None:
    """For every position k of ``present``, the sums column ``col`` can take over rows k.. (None is
    absorbing: a blank operand makes the sum blank). None when a set grows past ``MAX_SUFFIX``."""
    out: list[set | None] = [None] * (len(present) + 1)
    acc: set = {0}
    out[len(present)] = acc
    for k in range(len(present) - 1, -1, -1):
        values = {cand[col] for cand in rows[present[k]]}
        nxt: set = set()
        for v in values:
            if v is None:
                nxt.add(None)
                continue
            for b in acc:
                nxt.add(None if b is None else v + b)
        if len(nxt) > MAX_SUFFIX:
            return None
        out[k] = acc = nxt
    return out


class _Packed:
    """Partial sums of the result rows over the S2 columns, each held as one int (about 80 bytes a
    sum in a set, against about 300 for a tuple of ints).

    Column ``i`` of a sum lives in bits ``[i*w, (i+1)*w)``: its value plus ``off`` per row added (so
    negative cells stay non-negative), or only the top bit of the field when the column is blank
    (a blank operand makes the sum blank, never 0). ``w`` leaves the top bit above any sum of all the rows, so
    adding two sums never carries from one column into the next.
    """

    def __init__(self, cands: list[list[Reading]], width: int):
        values = [v for rows in cands for cand in rows for v in cand if v is not None]
        self.off = max(0, -min(values, default=0))
        top = len(cands) * (max(values, default=0) + self.off)
        self.w = top.bit_length() + 1
        self.field = (1 << self.w) - 1
        self.flag = 1 << (self.w - 1)
        self.flags = sum(self.flag << (i * self.w) for i in range(width))
        self.width = width

    def encode(self, cand: Reading) -> int:
        out = 0
        for i, v in enumerate(cand):
            out |= (self.flag if v is None else v + self.off) << (i * self.w)
        return out

    def add(self, a: int, b: int) -> int:
        blank = (a | b) & self.flags
        if not blank:
            return a + b
        mask = (blank >> (self.w - 1)) * self.field  # the whole field of every blank column
        return ((a & ~mask) + (b & ~mask)) | blank

    def column(self, state: int, i: int, rows: int) -> int | None:
        """Column ``i`` of a sum of ``rows`` rows."""
        x = (state >> (i * self.w)) & self.field
        return None if x & self.flag else x - rows * self.off


def _viability(rows, present, s2_cols) -> list[tuple[int, set, list]]:
    """Per S2 column: (its position in a state, the total_processed values to reach, suffix sums). A
    partial sum of the result rows that cannot reach one of those values in some column is on no
    consistent path."""
    totals = rows.get("total_processed")
    if not totals:
        return []
    out = []
    for i, c in enumerate(s2_cols):
        targets = {tp[c] for tp in totals}
        if None in targets:
            continue
        suffix = _column_suffix_sums(rows, present, c)
        if suffix is not None:
            out.append((i, targets, suffix))
    return out


def _viable(packed: _Packed, state: int, k: int, checks) -> bool:
    for i, targets, suffix in checks:
        x = packed.column(state, i, k)
        if x is None:
            continue
        rest = suffix[k]
        if None in rest:
            continue
        if not any(t - x in rest for t in targets):
            return False
    return True


def _forward(rows, present, s2_cols):
    """Reachable sums of the result rows over the S2 columns, layer by layer; partial sums that cannot
    complete to a total in an S2 column are pruned (they lie on no consistent path). The other
    columns take part in no rule on the result rows, so sums that differ only there are one state.
    Only the sets of sums are kept (the backward pass finds each step again). None when a layer
    would grow past ``MAX_STATES``."""
    checks = _viability(rows, present, s2_cols)
    projected = [[tuple(cand[c] for c in s2_cols) for cand in rows[key]] for key in present]
    packed = _Packed(projected, len(s2_cols))
    cands = [[packed.encode(c) for c in row] for row in projected]
    add = packed.add
    layers: list[set[int]] = [{0}]
    for k, row in enumerate(cands, start=1):
        nxt: set[int] = set()
        for s in layers[-1]:
            for cand in row:
                total = add(s, cand)
                if total in nxt or (checks and not _viable(packed, total, k, checks)):
                    continue
                if len(nxt) >= MAX_STATES:
                    return None  # the layer would grow past the limit: stop before it does
                nxt.add(total)
        layers.append(nxt)
    return layers, cands, packed


def _attempt(rows, results_rows, s1_cols, s2_cols, cache=None) -> dict[str, set[int]] | None:
    """Indexes of the readings of each row that take part in a consistent combination
    (empty sets when there is none); None when the search is too large."""
    present = [k for k in results_rows if k in rows]
    missing_result = len(present) < len(results_rows)
    if missing_result:
        # A missing result row makes S2 not assessable in every column.
        s2_cols = ()
    cache = {} if cache is None else cache
    if s2_cols not in cache:
        cache[s2_cols] = _forward(rows, present, s2_cols)
    forward = cache[s2_cols]
    if forward is None:
        return None
    layers, cands, packed = forward
    finals, n_rows = layers[-1], len(cands)
    by_target: dict[Reading, list[int]] = {}  # final sums matching a total_processed (few distinct ones)

    def matching(target: Reading) -> list[int]:
        if target not in by_target:
            by_target[target] = [
                s
                for s in finals
                if all(
                    t is None or x is None or x == t
                    for t, x in [(t, packed.column(s, i, n_rows)) for i, t in enumerate(target)]
                )
            ]
        return by_target[target]

    def opts(key):
        return list(enumerate(rows[key])) if key in rows else [(None, (None,) * N)]

    kept: dict[str, set[int]] = {k: set() for k in rows}
    good_finals: set[int] = set()
    outer = 0
    for (ni, nr), (ci, co), (ti, tp), (fi, cf) in itertools.product(
        opts("new_received"), opts("carried_over"), opts("total_processed"), opts("carried_forward")
    ):
        outer += 1
        if outer > MAX_OUTER:
            return None
        if not _s1(nr, co, tp, cf, s1_cols):
            continue
        found = matching(tuple(tp[c] for c in s2_cols))
        if not found:
            continue
        good_finals.update(found)
        for key, idx in (
            ("new_received", ni),
            ("carried_over", ci),
            ("total_processed", ti),
            ("carried_forward", fi),
        ):
            if idx is not None:
                kept[key].add(idx)
    if not good_finals:
        return {k: set() for k in rows}
    # Backward: mark the result-row readings on a path to a good final sum.
    marked = good_finals
    for j in range(len(present) - 1, -1, -1):
        key, row, prev_layer = present[j], cands[j], layers[j]
        prev: set[int] = set()
        for p in prev_layer:
            for ci, cand in enumerate(row):
                if packed.add(p, cand) in marked:
                    kept[key].add(ci)
                    prev.add(p)
        marked = prev
    return kept
