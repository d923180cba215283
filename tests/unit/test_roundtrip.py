"""Property: a random canonical record rendered in any layout parses back to the same record, except
fused digit runs that the identities cannot split uniquely, which come back null and flagged."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.govreport import segment
from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.render import CRAWL_LAYOUTS, LAYOUTS, fused_rows, render_text

from .strategies import records

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cells(record: dict) -> dict[str, object]:
    out: dict[str, object] = {"agency": record["agency"], "year": record["year"], "format": record["format"]}
    out.update({f"t2.{k}": v for k, v in record["table2"].items()})
    out.update({f"t3.{k}[{i}]": v for k, row in record["table3"].items() for i, v in enumerate(row)})
    out.update({f"t4.{k}": v for k, v in record["table4"].items()})
    return out


def _placeholder_readings(run: str, n: int) -> set[tuple]:
    """Readings of a table 二 run in which one "-" is a blank cell, as reports write it ("0-10": 0, -1,
    0 or 0, blank, 10); the parser weighs these too (readings._dash_alternatives)."""
    out: set[tuple] = set()
    for i, c in enumerate(run):
        if c != "-":
            continue
        left, right = run[:i], run[i + 1 :]
        for j in range(n):  # the placeholder is cell j
            parts = []
            for piece, cells in ((left, j), (right, n - 1 - j)):
                if cells == 0:
                    parts.append({()} if piece == "" else set())
                    continue
                every = [True] * cells
                parts.append(set(segment.candidates(piece, cells, None, signed=every, decimals=every).splits))
            out |= {(*a, None, *b) for a in parts[0] for b in parts[1]}
    return out


def _undetermined(record: dict) -> set[str]:
    """Cells of fused runs whose digits alone have more than one reading (a row-local oracle:
    the parser may still settle some of them with the column identities)."""
    loose: set[str] = set()
    for key, values in fused_rows(record).items():
        run = "".join(str(v) for v in values)
        if key.startswith("t2:"):
            ids = [f"t2.{k}" for k in key[3:].split(",")]
            every = [True] * len(values)
            readings = set(segment.candidates(run, len(values), None, signed=every, decimals=every).splits)
            readings |= _placeholder_readings(run, len(values))
        elif key.startswith("t3:"):
            ids = [f"t3.{key[3:]}[{i}]" for i in range(7)]
            readings = set(segment.candidates(run, 7, segment.row_sum_ok).splits)
        else:
            from dagster_project.govreport.template import table4_keys

            ids = [f"t4.{k}" for k in table4_keys()]
            readings = set(segment.candidates(run, 15, segment.table4_ok).splits)
        if len(readings) != 1:
            loose.update(ids)
    return loose


def _check(record: dict, layout: str, data: bytes) -> None:
    result = parse_bytes(data, "x.txt")
    assert result.status == "parsed", result.issues
    got, want = _cells(result.record), _cells(record)
    loose = _undetermined(record) if layout in ("flat", "traditional") else set()
    wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v and k not in loose}
    assert not wrong, wrong
    for k in loose:
        assert got.get(k) in (None, want[k]), (k, want[k], got.get(k))  # null or right, never a wrong number
    if any(got.get(k) is None and want[k] is not None for k in loose):
        assert any(i.code in ("ambiguous_segmentation", "unsplittable_digit_run") for i in result.issues)
    if record["table3"].keys() != result.record["table3"].keys():
        raise AssertionError("table 三 layout not preserved")


@SETTINGS
@given(record=records(), layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 10_000))
def test_render_then_parse_round_trips(record, layout, seed):
    text = render_text(record, layout, random.Random(seed))
    _check(record, layout, text.encode("utf-8"))


@settings(max_examples=15, deadline=None)
@given(record=records(), encoding=st.sampled_from(["gb18030", "utf-16", "utf-8-sig"]))
def test_round_trip_in_other_encodings(record, encoding):
    text = render_text(record, "pipe_rows")
    _check(record, "pipe_rows", text.encode(encoding))


def _never_wrong(record: dict, data: bytes) -> tuple[int, int]:
    """Every cell exact, or NULL and undetermined with an issue on its row: never another number.
    Returns (exact cells, cells)."""
    result = parse_bytes(data, "x.txt")
    assert result.status == "parsed", result.issues
    got, want = _cells(result.record), _cells(record)
    flagged = {
        i.cell for i in result.issues if i.code in ("ambiguous_segmentation", "unsplittable_digit_run")
    }
    exact = 0
    for key, value in want.items():
        mine = got.get(key)
        if mine == value:
            exact += 1
            continue
        assert mine is None, (key, value, mine)  # a different number is never acceptable
        assert result.provenance[key].status == "undetermined", (key, result.provenance[key])
        row = key.split("[")[0] if key.startswith("t3.") else "t4" if key.startswith("t4.") else None
        assert row is None or row in flagged, (key, flagged)
    return exact, len(want)


@SETTINGS
@given(record=records(), layout=st.sampled_from(CRAWL_LAYOUTS), seed=st.integers(0, 10_000))
def test_crawl_layouts_are_exact_or_flagged(record, layout, seed):
    _never_wrong(record, render_text(record, layout, random.Random(seed)).encode("utf-8"))


# Share of cells a crawl layout must still give exactly (the rest is genuinely ambiguous: e.g. a
# collapsed row "3⏎0⏎3" of a column whose identities cannot place the zeros). Measured: flat crawl
# 93%, split labels 100%, collapsed 82%, spaced 98.5% over 150 records.
CRAWL_FLOORS = {"flat_crawl": 88.0, "split_labels": 100.0, "collapsed": 75.0, "spaced": 95.0}


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(record=records())
def _collect(record, out):
    out.append(record)


def test_crawl_layouts_stay_mostly_exact():
    corpus: list[dict] = []
    _collect(out=corpus)
    for layout, floor in CRAWL_FLOORS.items():
        exact = total = 0
        for i, record in enumerate(corpus):
            e, t = _never_wrong(record, render_text(record, layout, random.Random(i)).encode("utf-8"))
            exact, total = exact + e, total + t
        assert 100.0 * exact / total >= floor, (layout, exact, total)
