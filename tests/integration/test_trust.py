"""Trust is visible where users look: every cell's status, the identity flags and the report's trust grade,
through a real load, dbt build and publish (the shared seed refresh, plus one of ambiguous layouts)."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from dagster_project.govreport.parse import PARSER_VERSION
from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.schema import REPORTS_DDL

from .conftest import ROOT, SEEDS, marts, run_refresh

STATUSES = {"read", "inferred", "blank", "undetermined", "absent"}
NULL_STATUSES = {"blank", "undetermined", "absent"}
CELL_MARTS = {
    "fct_applications_by_outcome": "reported_count",
    "fct_reviews_litigation": "reported_count",
    "fct_active_disclosure": "reported_value",
}
TRUST_COLUMNS = ["cells_read", "cells_inferred", "cells_undetermined", "cells_blank", "cells_absent",
                 "identities_passed", "identities_failed", "identities_not_assessable"]  # fmt: skip
# A layout with fused digit runs, a 2019-form report, and seed 001 with one table 三 cell blanked.
FIXTURES = ROOT / "tests" / "fixtures" / "text"
BLANKED = "blank_cell_001.txt"


def _blanked_text() -> str:
    """Seed 001 with its first 部分公开 count (natural person, 0) printed as ``-``."""
    head, tail = SEEDS[1].read_text(encoding="utf-8").split("(二)部分公开", 1)
    label, rest = tail.split("\n", 1)
    assert rest.startswith("\n0\n")
    return head + "(二)部分公开" + label + "\n\n-\n" + rest[3:]


@pytest.fixture(scope="module")
def variants_run(tmp_path_factory):
    files = {n: (FIXTURES / n).read_bytes() for n in ("flat_fused_2021.txt", "pipe_rows_2019.txt")}
    files[BLANKED] = _blanked_text().encode("utf-8")
    result, wh = run_refresh(tmp_path_factory.mktemp("variants"), files)
    assert result.success
    return result, wh


def _report_id(wh, prefix: str) -> str:
    return marts(wh, "select report_id from main_marts.dim_report where file_name like ?", [prefix + "%"])[0][
        0
    ]


def _trust(wh) -> dict[str, dict]:
    cols = ["file_name", "status", "trust", *TRUST_COLUMNS]
    rows = marts(wh, f"select {', '.join(cols)} from main_marts.dim_report")
    return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}


def _template_cells(wh) -> dict[str, int]:
    """Cells of the official form each parsed report fills (table 三 by its layout, 二 and 四 by format)."""
    return dict(
        marts(
            wh,
            "select r.file_name, count(*) from main_marts.dim_report r join raw.template_rows t "
            "on t.format = case when t.table_name = 'table3' then r.table3_layout else r.format end "
            "where r.status = 'parsed' group by r.file_name",
        )
    )


@pytest.mark.parametrize(("mart", "value"), sorted(CELL_MARTS.items()))
def test_cell_marts_expose_status_and_flags(seeds_run, mart, value):
    _, wh = seeds_run
    rows = marts(
        wh,
        f"select value_status, {value} is null, in_passing_identity, in_failing_identity, is_safe "
        f"from main_marts.{mart}",
    )
    assert rows
    assert {r[0] for r in rows} <= STATUSES
    for status, is_null, passing, failing, safe in rows:
        assert is_null == (status in NULL_STATUSES)  # NULL exactly when the input did not decide a number
        assert None not in (passing, failing, safe)
        if safe:
            assert status in ("read", "inferred") and not failing


def test_seed_numbers_are_read(seeds_run):
    _, wh = seeds_run
    # The seeds' tables 三 and 四 are delimited one cell a line or by pipes: nothing to infer. (Table 二
    # rows of seed 001 print their cells run together; the parser may infer those.)
    for mart, value in CELL_MARTS.items():
        statuses = marts(wh, f"select distinct value_status from main_marts.{mart} where {value} is not null")
        if mart == "fct_active_disclosure":
            assert ("read",) in statuses and {s for (s,) in statuses} <= {"read", "inferred"}
        else:
            assert statuses == [("read",)], mart


def test_blank_cell_is_blank_and_null(seeds_run):
    _, wh = seeds_run
    rid = _report_id(wh, "004")
    row = marts(
        wh,
        "select reported_count, value_status, is_safe from main_marts.fct_applications_by_outcome "
        "where report_id = ? and outcome_key = 'granted' and applicant_type = 'natural_person'",
        [rid],
    )
    assert row == [(None, "blank", False)]
    raw = marts(
        wh,
        "select value, value_status from raw.report_cells where report_id = ? and table_name = 'table3' "
        "and row_key = 'granted' and col_key = 'natural_person'",
        [rid],
    )
    assert raw == [(None, "blank")]


def test_identity_flags_follow_fct_identity_checks(seeds_run):
    _, wh = seeds_run
    # 004 prints a natural-person total of 6 over blank result rows: S2 fails; the total is kept as read
    # but is not safe to publish. Its table 四 blocks add up (S4 passes).
    rid = _report_id(wh, "004")
    total = marts(
        wh,
        "select reported_count, value_status, in_failing_identity, is_safe "
        "from main_marts.fct_applications_by_outcome "
        "where report_id = ? and outcome_key = 'total_processed' and applicant_type = 'natural_person'",
        [rid],
    )
    assert total == [(6, "read", True, False)]
    table4 = marts(
        wh,
        "select bool_and(in_passing_identity), bool_and(is_safe) from main_marts.fct_reviews_litigation "
        "where report_id = ?",
        [rid],
    )
    assert table4 == [(True, True)]
    # 001 balances everywhere: every table 三 and 四 cell is in a passing identity; table 二 has none.
    rid = _report_id(wh, "001")
    for mart, expected in (
        ("fct_applications_by_outcome", True),
        ("fct_reviews_litigation", True),
        ("fct_active_disclosure", False),
    ):
        flags = marts(
            wh, f"select distinct in_passing_identity from main_marts.{mart} where report_id = ?", [rid]
        )
        assert flags == [(expected,)], mart
    assert marts(
        wh, "select bool_and(is_safe) from main_marts.fct_active_disclosure where report_id = ?", [rid]
    ) == [(True,)]


def test_trust_summary_adds_up(seeds_run):
    _, wh = seeds_run
    trust = _trust(wh)
    template = _template_cells(wh)
    checks = dict(
        marts(
            wh,
            "select r.file_name, count(*) from main_marts.fct_identity_checks c "
            "join main_marts.dim_report r using (report_id) group by r.file_name",
        )
    )
    assert set(template) == {p.name for p in SEEDS}
    for name, t in trust.items():
        assert None not in t.values()
        cells = sum(t[c] for c in TRUST_COLUMNS[:5])
        identities = sum(t[c] for c in TRUST_COLUMNS[5:])
        if t["status"] == "quarantined":
            assert (t["trust"], cells, identities) == ("unparsed", 0, 0)
        else:
            assert cells == template[name] == 200  # all seeds use the 2021 form
            assert identities == checks[name]


def test_trust_grades_of_the_seeds(seeds_run):
    _, wh = seeds_run
    grades = {name[:3]: t["trust"] for name, t in _trust(wh).items()}
    assert grades == {
        "000": "verified",  # its one blank cell is in table 二, which no identity covers
        "001": "verified",
        "002": "verified",
        "003": "incomplete",  # table 四 cut after three cells: the rest is absent
        "004": "flagged",  # S2 fails, numbers kept as printed
        "sav": "unparsed",
    }


def test_safe_to_publish_is_one_condition_and_never_null(seeds_run, variants_run):
    for _, wh in (seeds_run, variants_run):
        for mart, value in CELL_MARTS.items():
            safe, nulls = marts(
                wh,
                f"select count(*), count(*) filter (where {value} is null) "
                f"from main_marts.{mart} where is_safe",
            )[0]
            assert safe > 0 and nulls == 0, mart


def test_trust_grades_of_the_variants(variants_run):
    _, wh = variants_run
    trust = _trust(wh)
    template = _template_cells(wh)
    for name, t in trust.items():
        assert sum(t[c] for c in TRUST_COLUMNS[:5]) == template[name]
    assert template["pipe_rows_2019.txt"] == 198  # the 2019 form has fewer cells
    assert trust["pipe_rows_2019.txt"]["trust"] == "verified"  # its one blank is in table 二
    # A blank result cell leaves its row's S3 and its column's S2 unassessed: nothing contradicts the
    # numbers, but not every check could run.
    blanked = trust[BLANKED]
    assert (blanked["trust"], blanked["cells_blank"], blanked["identities_not_assessable"]) == (
        "consistent",
        1,
        2,
    )
    cell = marts(
        wh,
        "select reported_count, value_status, value_raw, in_passing_identity, is_safe "
        "from main_marts.fct_applications_by_outcome where report_id = ? "
        "and outcome_key = 'partially_granted' and applicant_type = 'natural_person'",
        [_report_id(wh, "blank_cell")],
    )
    assert cell == [(None, "blank", "-", False, False)]


def test_ambiguous_layout_cells_are_inferred_or_undetermined(variants_run):
    _, wh = variants_run
    fused = _trust(wh)["flat_fused_2021.txt"]
    assert fused["cells_inferred"] + fused["cells_undetermined"] > 0  # fused digit runs are never "read"
    if fused["cells_undetermined"]:
        assert fused["trust"] in ("incomplete", "flagged")
    rid = _report_id(wh, "flat_fused")
    rows = marts(
        wh,
        "select value_status, value_rule, reported_count, is_safe, in_failing_identity "
        "from main_marts.fct_applications_by_outcome where report_id = ? "
        "and value_status in ('inferred', 'undetermined')",
        [rid],
    )
    assert rows
    for status, rule, value, safe, failing in rows:
        if status == "inferred":
            assert value is not None and rule  # names the identities that decided
            assert safe == (not failing)
        else:
            assert value is None and not safe


# raw.report_cells as the first release created it, before value_status and value_rule.
OLD_REPORT_CELLS_DDL = """
create table raw.report_cells (
    report_id varchar not null,
    table_name varchar not null,
    row_key varchar not null,
    col_key varchar not null,
    value decimal(20, 6),
    value_raw varchar,
    source_line integer,
    source_offset bigint,
    source_page integer,
    primary key (report_id, table_name, row_key, col_key)
)
"""


def test_old_warehouse_without_cell_status_is_rebuilt(settings):
    settings.db_path.parent.mkdir(parents=True)
    seed = SEEDS[0]
    rid = hashlib.sha256(seed.read_bytes()).hexdigest()
    con = duckdb.connect(str(settings.db_path))
    con.execute("create schema raw")
    con.execute(REPORTS_DDL)
    con.execute(OLD_REPORT_CELLS_DDL)
    # A report loaded by the same parser version: without the rebuild it would be skipped as unchanged
    # and keep cells with no status.
    con.execute(
        "insert into raw.reports (report_id, file_name, file_paths, size_bytes, status, parser_version, "
        "loaded_at) values (?, ?, [?], 1, 'parsed', ?, now())",
        [rid, seed.name, seed.name, PARSER_VERSION],
    )
    con.execute(
        "insert into raw.report_cells (report_id, table_name, row_key, col_key, value) "
        "values (?, 'table2', 'x', 'value', 1)",
        [rid],
    )
    con.close()

    summary = load_raw(settings)

    assert summary.reparsed == len(SEEDS) and summary.unchanged == 0
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        nullable = con.execute(
            "select column_name, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'report_cells' "
            "and column_name in ('value_status', 'value_rule')"
        ).fetchall()
        statuses = con.execute("select value_status, count(*) from raw.report_cells group by 1").fetchall()
        stale = con.execute("select count(*) from raw.report_cells where row_key = 'x'").fetchone()[0]
    finally:
        con.close()
    assert dict(nullable) == {"value_status": "NO", "value_rule": "YES"}
    assert {s for s, _ in statuses} <= STATUSES and sum(n for _, n in statuses) == 200 * len(SEEDS)
    assert stale == 0
    assert load_raw(settings).unchanged == len(SEEDS)  # the next refresh skips them again
