"""The fast searches of the parser find exactly what a plain enumeration finds.

Speed work replaced three enumerations with pruned ones: the S3 split of a fused table 三 run, the
expansions of a collapsed row, and the S1/S2 solver over table 三's readings. Each is compared here
with a brute-force reference on random inputs (hypothesis), so a pruning that drops a valid reading
or keeps an invalid one fails the suite. Two shortcuts of the same kind are checked the same way: the
compiled pattern that recognises a digit run (against the character rules it replaced) and the skipped
second pass over CJK spaces (dropping them twice changes nothing).
"""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.govreport import normalize, readings, segment, solve
from dagster_project.govreport.tokens import BLANK, VALUE, Token

CELL = st.one_of(st.just(0), st.integers(0, 9), st.integers(0, 120), st.integers(0, 30000))


@st.composite
def fused_rows(draw) -> str:
    cells = draw(st.lists(CELL, min_size=6, max_size=6))
    total = sum(cells) if draw(st.booleans()) else draw(st.integers(0, 40000))
    run = "".join(map(str, [*cells, total]))
    cut = draw(st.integers(0, 2))
    return run[: len(run) - cut] if len(run) - cut >= 7 else run


@settings(max_examples=300, deadline=None)
@given(fused_rows())
def test_row_sum_search_matches_plain_search(run):
    flags = (False,) * 7
    fast = segment._search_row_sum(run)
    plain = segment._search_any(run, 7, segment.row_sum_ok, flags, flags)
    if plain.complete:  # the plain search gives up past its budget; the fast one rarely needs to
        assert fast.complete
        assert fast.splits == plain.splits
    for split in fast.splits:
        assert "".join(map(str, split)) == run
        assert segment.row_sum_ok(split)


@st.composite
def digit_runs(draw) -> tuple[str, int, object]:
    n = draw(st.sampled_from([2, 3, 4, 7, 15]))
    check = draw(
        st.sampled_from([None, segment.row_sum_ok if n == 7 else segment.table4_ok if n == 15 else None])
    )
    if n == 15 and draw(st.booleans()):  # table 四 as reports print it: three blocks with their totals
        cells = []
        for _ in range(3):
            block = draw(st.lists(CELL, min_size=4, max_size=4))
            cells += [*block, sum(block)]
        return "".join(map(str, cells)), n, check
    run = draw(st.text(alphabet="0000123456789", min_size=n, max_size=3 * n + 2))
    return run, n, check


def _any_search(run: str, n: int, check, digits: bool) -> tuple:
    flags = (False,) * n
    search = segment._AnySearch(run, n, check, flags, flags)
    search.digits = digits
    search.rec(0, 0, [])
    return tuple(search.out), search.complete, search.steps


@settings(max_examples=400, deadline=None)
@given(digit_runs())
def test_digit_run_search_matches_the_general_piece_by_piece_search(case):
    # A run of ASCII digits is read digit by digit; the general loop (slices, the part pattern,
    # int()) must find the same readings in the same order after the same number of steps.
    run, n, check = case
    assert segment._AnySearch(run, n, check, (False,) * n, (False,) * n).digits
    assert _any_search(run, n, check, True) == _any_search(run, n, check, False)


def _plain_expansions(values: list, n: int) -> list[tuple]:
    out = []
    for cuts in itertools.combinations(range(1, n), len(values) - 1):
        bounds = (0, *cuts, n)
        out.append(tuple(v for j, v in enumerate(values) for _ in range(bounds[j + 1] - bounds[j])))
    return out


@st.composite
def collapsed_rows(draw):
    n = draw(st.sampled_from([7, 15]))
    k = draw(st.integers(1, min(n, 6)))
    value = st.one_of(st.none(), st.sampled_from([0, 0, 0, 1, 2, 3, 5]))
    values = draw(st.lists(value, min_size=k, max_size=k))
    check = draw(st.sampled_from([None, segment.row_sum_ok if n == 7 else segment.table4_ok]))
    return n, values, check


@settings(max_examples=300, deadline=None)
@given(collapsed_rows())
def test_collapsed_expansions_match_plain_enumeration(case):
    n, values, check = case
    pieces = [Token(BLANK, "", 1, 0) if v is None else Token(VALUE, str(v), 1, 0) for v in values]
    got = readings._expand_collapsed(pieces, n, check, (False,) * n, (False,) * n)
    every = _plain_expansions(values, n)
    if len(every) > readings.MAX_EXPANSIONS:
        assert not got.complete and not got.candidates
    elif len(every) == 1:
        assert got.forced and got.candidates == tuple(every)
    else:
        assert got.candidates == tuple(r for r in every if check is None or readings._check(check, r))


def _add(a: tuple, b: tuple) -> tuple:
    """Column sums, a blank operand making the sum blank (never read as 0)."""
    return tuple(None if x is None or y is None else x + y for x, y in zip(a, b, strict=True))


def _eq(a: tuple, b: tuple, cols) -> bool:
    return all(a[c] is None or b[c] is None or a[c] == b[c] for c in cols)


def _plain_solve(rows: dict, results_rows: list[str], s1_cols, s2_cols) -> dict[str, set[int]]:
    """Brute force: every combination of one reading per row, kept when S1 and S2 hold."""
    keys = list(rows)
    kept: dict[str, set[int]] = {k: set() for k in keys}
    present = [k for k in results_rows if k in rows]
    if len(present) < len(results_rows):
        s2_cols = ()
    none = (None,) * solve.N
    for combo in itertools.product(*(range(len(rows[k])) for k in keys)):
        pick = {k: rows[k][i] for k, i in zip(keys, combo, strict=True)}
        total = (0,) * solve.N
        for k in present:
            total = _add(total, pick[k])
        tp = pick.get("total_processed", none)
        flow = ("new_received", "carried_over", "total_processed", "carried_forward")
        args = [pick.get(k, none) for k in flow]
        if solve._s1(*args, s1_cols) and _eq(total, tp, s2_cols):
            for k, i in zip(keys, combo, strict=True):
                kept[k].add(i)
    return kept


@st.composite
def solver_cases(draw):
    results = ["a", "b", "c"]
    base = {k: draw(st.lists(st.integers(0, 6), min_size=solve.N, max_size=solve.N)) for k in results}
    tp = [sum(base[k][c] for k in results) for c in range(solve.N)]
    cf = draw(st.lists(st.integers(0, 3), min_size=solve.N, max_size=solve.N))
    co = draw(st.lists(st.integers(0, 3), min_size=solve.N, max_size=solve.N))
    nr = [tp[c] + cf[c] - co[c] for c in range(solve.N)]
    truth = {**base, "total_processed": tp, "carried_forward": cf, "carried_over": co, "new_received": nr}
    rows = {}
    for key, values in truth.items():
        if draw(st.integers(0, 19)) == 0:
            continue  # a missing row
        noise = st.lists(st.one_of(st.none(), st.integers(-3, 12)), min_size=solve.N, max_size=solve.N).map(
            lambda d, v=values: tuple(None if x is None else v[i] + x for i, x in enumerate(d))
        )
        extra = draw(st.lists(noise, max_size=2))
        rows[key] = list(dict.fromkeys([tuple(values), *extra]))
    return rows, results


@settings(max_examples=200, deadline=None)
@given(solver_cases())
def test_solver_keeps_exactly_the_readings_of_consistent_combinations(case):
    rows, results = case
    every = tuple(range(solve.N))
    for s1_cols, s2_cols in [(every, every), ((), every), (every, ()), (every, every[1:])]:
        got = solve._attempt(rows, results, s1_cols, s2_cols)
        want = _plain_solve(rows, results, s1_cols, s2_cols)
        if not any(want.values()):
            want = {k: set() for k in rows}
        assert got == want


def _plain_normalize_line(line: str) -> str:
    """The normalization as first written: one regex or library call per step."""
    import unicodedata

    from dagster_project.govreport import normalize

    line = normalize._SPACES.sub(" ", line)
    line = unicodedata.normalize("NFKC", line)
    line = normalize._CONTROL.sub("", line)
    line = re.sub(rf"(?<=[{normalize._CJK}])\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,7}}\d?)\)", "", line)
    return normalize._CJK_SPACE.sub("", line)


LINE_ALPHABET = st.sampled_from(
    list("商业企发布 \t\u3000“”、()（），。：０１２ａｂ0123abcfā\u0301\u00a0\u200b|-—")
)


@settings(max_examples=500, deadline=None)
@given(st.text(LINE_ALPHABET, max_size=40))
def test_fast_line_normalization_matches_plain_steps(line):
    from dagster_project.govreport import normalize

    assert normalize.normalize_line(line) == _plain_normalize_line(line)


def test_fast_line_normalization_matches_plain_steps_on_real_reports():
    from pathlib import Path

    from dagster_project.govreport import normalize
    from dagster_project.govreport.decode import decode

    root = Path(__file__).resolve().parents[1] / "fixtures" / "real"
    for path in sorted(root.rglob("*.txt")):
        for line in decode(path.read_bytes())[0].splitlines():
            assert normalize.normalize_line(line) == _plain_normalize_line(line), path.name


def _plain_is_run(text: str, signed: bool, decimal: bool) -> bool:
    allowed = "0123456789" + ("-+" if signed else "") + ("." if decimal else "")
    return (
        any(c.isdigit() for c in text)
        and (text[0].isdigit() or (text[0] in "-+" and signed))
        and all(c in allowed for c in text)
    )


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789-+.元a２ ", max_size=8), st.booleans(), st.booleans())
def test_run_pattern_matches_character_rules(text, signed, decimal):
    assert readings._is_run(text, signed, decimal) == _plain_is_run(text, signed, decimal)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="中文報告 \t“”、(),。a1-", max_size=16))
def test_dropping_cjk_spaces_twice_changes_nothing(line):
    # normalize._normalize_uncached relies on it: a line conversion leaves alone is not scanned again.
    once = normalize._drop_cjk_spaces(line)
    assert normalize._drop_cjk_spaces(once) == once
