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
from collections.abc import Sequence
from dataclasses import dataclass

N = 7
MAX_STATES = 200_000
MAX_OUTER = 20_000
MAX_SUFFIX = 50_000

Reading = tuple


@dataclass(frozen=True)
class Solution:
    kept: dict[str, tuple[Reading, ...]]  # surviving readings per row
    rule: str  # the identities that were applied, e.g. "S1+S2" or "S2 (S1 dropped in column 3)"
    relaxed: bool  # some rule had to be dropped
    complete: bool = True


def _add(a: Reading, b: Reading) -> Reading:
    return tuple(None if x is None or y is None else x + y for x, y in zip(a, b, strict=True))


def _eq(a: Reading, b: Reading, cols: Sequence[int]) -> bool:
    return all(a[c] is None or b[c] is None or a[c] == b[c] for c in cols)


def _s1(nr, co, tp, cf, cols) -> bool:
    return all(
        nr[c] is None or co[c] is None or tp[c] is None or cf[c] is None or nr[c] + co[c] == tp[c] + cf[c]
        for c in cols
    )


def solve(
    rows: dict[str, Sequence[Reading]],
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


def _viability(rows, present, s2_cols) -> list[tuple[int, set, list]]:
    """Per S2 column: (column, the total_processed values to reach, suffix sums). A partial sum of
    the result rows that cannot reach one of those values in some column is on no consistent path."""
    totals = rows.get("total_processed")
    if not totals:
        return []
    out = []
    for c in s2_cols:
        targets = {tp[c] for tp in totals}
        if None in targets:
            continue
        suffix = _column_suffix_sums(rows, present, c)
        if suffix is not None:
            out.append((c, targets, suffix))
    return out


def _viable(state: Reading, k: int, checks) -> bool:
    for c, targets, suffix in checks:
        x = state[c]
        if x is None:
            continue
        rest = suffix[k]
        if None in rest:
            continue
        if not any(t - x in rest for t in targets):
            return False
    return True


def _forward(rows, present, s2_cols):
    """Reachable column sums of the result rows, layer by layer, with back-pointers; partial sums
    that cannot complete to a total in an S2 column are pruned (they lie on no consistent path).
    None when the search is too large."""
    checks = _viability(rows, present, s2_cols)
    layers: list[dict[Reading, list[tuple[Reading, int]]]] = []
    frontier: dict[Reading, list] = {(0,) * N: []}
    for k, key in enumerate(present, start=1):
        nxt: dict[Reading, list] = {}
        for s in frontier:
            for ci, cand in enumerate(rows[key]):
                total = _add(s, cand)
                back = nxt.get(total)
                if back is None:
                    if checks and not _viable(total, k, checks):
                        continue
                    nxt[total] = back = []
                back.append((s, ci))
        if len(nxt) > MAX_STATES:
            return None
        layers.append(nxt)
        frontier = nxt
    return layers, list(frontier)


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
    layers, finals = forward

    def opts(key):
        return list(enumerate(rows[key])) if key in rows else [(None, (None,) * N)]

    kept: dict[str, set[int]] = {k: set() for k in rows}
    good_finals: set[Reading] = set()
    outer = 0
    for (ni, nr), (ci, co), (ti, tp), (fi, cf) in itertools.product(
        opts("new_received"), opts("carried_over"), opts("total_processed"), opts("carried_forward")
    ):
        outer += 1
        if outer > MAX_OUTER:
            return None
        if not _s1(nr, co, tp, cf, s1_cols):
            continue
        matching = [s for s in finals if _eq(s, tp, s2_cols)]
        if not matching:
            continue
        good_finals.update(matching)
        for key, idx in (
            ("new_received", ni),
            ("carried_over", ci),
            ("total_processed", ti),
            ("carried_forward", fi),
        ):
            if idx is not None:
                kept[key].add(idx)
    # Backward: mark the result-row readings on a path to a good final sum.
    marked = good_finals
    for key, layer in zip(reversed(present), reversed(layers), strict=True):
        prev: set[Reading] = set()
        for s in marked:
            for p, ci in layer.get(s, ()):
                kept[key].add(ci)
                prev.add(p)
        marked = prev
    if not good_finals:
        return {k: set() for k in rows}
    return kept
