"""What a parse worker sends back: the flattened rows are exactly ``cell_rows``, whether the key columns
travel as an index into the template's key sets or in full."""

from __future__ import annotations

import copy
import pickle

import pytest

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.record import PARSED
from dagster_project.warehouse.cells import cell_rows, flatten, key_sets

from .conftest import SEEDS


def _rows(flat) -> list[tuple]:
    keys = key_sets()[flat.keys] if isinstance(flat.keys, int) else flat.keys
    return list(zip(*keys, *flat.cells, strict=True)) if flat.cell_count else []


@pytest.fixture(scope="module")
def parsed():
    return [parse_bytes(p.read_bytes(), p.name) for p in SEEDS]


def test_key_sets_are_distinct_and_cover_both_formats():
    sets = key_sets()
    assert len(sets) == len(set(sets)) >= 2
    for tables, rows, cols in sets:
        assert len(tables) == len(rows) == len(cols) > 100
        assert set(tables) == {"table2", "table3", "table4"}


def test_seed_reports_send_an_index_and_expand_to_their_rows(parsed):
    for result in parsed:
        assert result.status == PARSED, result.name
        flat = flatten(result)
        assert isinstance(flat.keys, int), result.name  # a full template record: no key strings sent
        assert _rows(flat) == [row[1:] for row in cell_rows("", result)]
        again = pickle.loads(pickle.dumps(flat))
        assert _rows(again) == _rows(flat)


def test_a_record_with_other_keys_sends_them_in_full(parsed):
    result = copy.copy(parsed[0])
    record = copy.deepcopy(result.record)
    dropped = next(iter(record["table2"]))
    del record["table2"][dropped]
    record["table4"] = {}
    result.record = record
    flat = flatten(result)
    assert not isinstance(flat.keys, int)
    rows = _rows(flat)
    assert rows == [row[1:] for row in cell_rows("", result)]
    assert ("table2", dropped, "value") not in {r[:3] for r in rows}
    assert not any(r[0] == "table4" for r in rows)


def test_a_quarantined_report_sends_no_cells():
    flat = flatten(parse_bytes(b"\x00\x01 not a report", "x.bin"))
    assert flat.cell_count == 0 and _rows(flat) == []
    assert flat.fields["status"] == "quarantined"


def test_short_and_long_table3_rows_and_cells_without_a_status(parsed):
    """A table 三 row shorter than the template's columns is padded with NULLs, a longer one cut; a cell
    the parser left without a status gets ``cell_status``'s; the same record shape flattened again
    (its layout now cached) gives the same rows."""
    from dagster_project.govreport.record import CellSource
    from dagster_project.warehouse.cells import NO_STATUS_RULE

    result = copy.copy(parsed[1])
    record = copy.deepcopy(result.record)
    short, long = list(record["table3"])[:2]
    record["table3"][short] = record["table3"][short][:3]
    record["table3"][long] = [*record["table3"][long], 99, 98]
    result.record = record
    provenance = dict(result.provenance)
    unlabeled = next(cid for cid in provenance if cid.startswith("t2."))
    provenance[unlabeled] = CellSource(raw="7")
    result.provenance = provenance
    for _ in range(2):
        flat = flatten(result)
        rows = _rows(flat)
        assert rows == [row[1:] for row in cell_rows("", result)]
    by_cell = {(t, r, c): row for t, r, c, *row in rows}
    width = len(record["table3"][long]) - 2
    padded = [row for row in rows if row[0] == "table3" and row[1] == short]
    assert len(padded) == width and all(row[3] is None for row in padded[3:])
    assert len([row for row in rows if row[0] == "table3" and row[1] == long]) == width
    assert 99 not in {row[3] for row in rows if row[1] == long}
    assert by_cell[("table2", unlabeled[3:], "value")][-1] == NO_STATUS_RULE
