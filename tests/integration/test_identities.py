"""S1–S4 are implemented twice: in SQL by dbt (fct_identity_checks) and as Great Expectations
expectations over the cells (expectations/fct_identity_checks.json, which reads only the cell marts).
Over the 57 real crawled reports, and over the seeds (whose 004 reports a total over blank result rows),
the two agree on every failing identity line and on how many lines each rule could assess."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pytest

from dagster_project.quality import gx_suites

from .conftest import ROOT, check_results, marts, run_refresh

REAL = ROOT / "tests" / "fixtures" / "real"
RULES = ("S1", "S2", "S3", "S4")


@pytest.fixture(scope="module")
def real_run(request, tmp_path_factory):
    """A real refresh of every crawled report of tests/fixtures/real (57 files, three portals): the
    session's ``reconciliation_run`` when a conftest provides one (the same reports, and more), else
    one of its own."""
    try:
        return request.getfixturevalue("reconciliation_run")
    except pytest.FixtureLookupError:
        pass
    files = {p.name: p.read_bytes() for p in sorted(REAL.glob("*/*.txt"))}
    assert len(files) >= 57
    result, wh = run_refresh(tmp_path_factory.mktemp("real"), files)
    assert result.success
    return result, wh


def _dbt(wh) -> tuple[set, dict]:
    rows = marts(wh, "select rule, report_id, column_key, status from main_marts.fct_identity_checks")
    fails = {(rule, rid, key) for rule, rid, key, status in rows if status == "fail"}
    counts = {(rule, status): 0 for rule in RULES for status in ("pass", "fail", "not_assessable")}
    for rule, _, _, status in rows:
        counts[(rule, status)] += 1
    return fails, counts


def _gx(wh) -> tuple[set, dict, dict]:
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    try:
        outcome = gx_suites.validate(con, "fct_identity_checks")
    finally:
        con.close()
    fails, assessed, lines = set(), dict.fromkeys(RULES, 0), dict.fromkeys(RULES, 0)
    for e in outcome.expectations:
        if e.rule not in RULES:
            continue
        fails |= {(e.rule, i["report_id"], i["line_key"]) for i in e.unexpected_index}
        if e.expectation_type == "expect_multicolumn_sum_to_equal":
            assessed[e.rule] += e.assessed
            lines[e.rule] += e.element_count
        else:  # S2's total over blank result rows: a failure the sum cannot assess
            assessed[e.rule] += e.unexpected_count
    return fails, assessed, lines


@pytest.mark.parametrize("run", ["real_run", "seeds_run"])
def test_gx_and_dbt_agree_on_every_identity(request, run):
    _, wh = request.getfixturevalue(run)
    dbt_fails, counts = _dbt(wh)
    gx_fails, assessed, lines = _gx(wh)
    assert gx_fails == dbt_fails
    for rule in RULES:
        assert lines[rule] == sum(counts[(rule, s)] for s in ("pass", "fail", "not_assessable")), rule
        assert assessed[rule] == counts[(rule, "pass")] + counts[(rule, "fail")], rule


def test_the_real_reports_exercise_every_rule(real_run):
    """The agreement above means something: every rule passes, fails and cannot be assessed somewhere."""
    _, wh = real_run
    _, counts = _dbt(wh)
    assert all(counts[(rule, status)] > 0 for rule in RULES for status in ("pass", "fail", "not_assessable"))
    layouts = dict(
        marts(
            wh,
            "select table3_layout, count(distinct report_id) from main_marts.fct_applications_by_outcome "
            "group by 1",
        )
    )
    assert set(layouts) == {"2019", "2021"}


def test_the_check_reports_the_failing_reports_with_data_docs(real_run):
    result, wh = real_run
    passed, meta = check_results(result)["gx_fct_identity_checks"]
    failing = marts(
        wh,
        "select distinct c.report_id, r.file_name from main_marts.fct_identity_checks c "
        "join main_marts.dim_report r using (report_id) where c.status = 'fail'",
    )
    assert passed is False and set(meta["failing_report_ids"]) == {rid for rid, _ in failing}
    page = Path(unquote(urlparse(meta["data_docs"]).path))
    assert page.is_relative_to(wh / "data_docs") and (wh / "data_docs").is_symlink()
    html = page.read_text(encoding="utf-8")
    assert "Sum across columns" in html
    assert all(name in html for _, name in failing)  # the failing reports are listed, by file too
    assert (wh / "data_docs" / "index.html").exists()


def test_one_check_runs_alone_as_from_the_ui(seeds_run, monkeypatch):
    """The suites run in one multi-asset check, yet the UI can run any one of them (or one mart)."""
    import dagster as dg

    from dagster_project.definitions import defs

    _, wh = seeds_run
    monkeypatch.setenv("GOVREPORT_DB", str(wh / "warehouse.duckdb"))
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_fees"]), "gx_fct_fees")
    job = defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(), asset_check_selection={key}
    )
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert set(check_results(result)) == {"gx_fct_fees"} and check_results(result)["gx_fct_fees"][0]
    # a mart alone: dbt builds it, and its check comes along
    subset = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={key.asset_key})
    assert {node.name for node in subset.graph.nodes} >= {"dbt_models", "gx_checks"}


def _comparable(outcome: gx_suites.SuiteOutcome) -> list[tuple]:
    out = []
    for e in outcome.expectations:
        index = sorted(sorted(i.items()) for i in e.unexpected_index)
        counts = (e.element_count, e.unexpected_count, e.missing_count)
        out.append((e.expectation_type, e.column, e.rule, e.success, counts, e.failing_report_ids, index))
    return out


def test_suites_validated_in_chunks_give_the_whole_frames_answer(real_run, monkeypatch):
    """A national-scale frame is validated in chunks of whole reports: with chunks of 40 rows (dozens
    of chunks here) every suite's outcome equals the one-frame validation, failing rows included."""
    _, wh = real_run
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    try:
        whole = gx_suites.validate_all(con)
        monkeypatch.setattr(gx_suites, "CHUNK_ROWS", 40)
        chunks = len(list(gx_suites._frames(con, gx_suites.suite_spec("fct_identity_checks"))))
        chunked = gx_suites.validate_all(con)
    finally:
        con.close()
    assert chunks > 10
    assert set(chunked) == set(whole)
    for name in whole:
        assert chunked[name].success == whole[name].success, name
        assert _comparable(chunked[name]) == _comparable(whole[name]), name
    assert not whole["fct_identity_checks"].success  # failing rows were compared, not only passes


def test_suite_frames_staged_ahead_are_removed_after_an_error(real_run, monkeypatch, tmp_path):
    """The chunked suites' frames are written to Parquet by a thread ahead of their validation: a suite
    whose query fails raises DuckDB's error from ``validate_all``, and no staged file is left behind."""
    import tempfile

    _, wh = real_run
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    broken = {**gx_suites.suite_spec("fct_fees")}
    broken["meta"] = {**broken["meta"], "query": "select report_id, missing_column from main_marts.fct_fees"}
    assert gx_suites._chunkable(broken)
    spec = gx_suites.suite_spec
    monkeypatch.setattr(gx_suites, "suite_spec", lambda name: broken if name == "fct_fees" else spec(name))
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    try:
        with pytest.raises(duckdb.BinderException, match="missing_column"):
            gx_suites.validate_all(con, ["dim_report", "fct_fees", "fct_identity_checks"])
        staged_dirs = list(tmp_path.glob("govreport-gx-*"))
        ok = gx_suites.validate_all(con, ["dim_report"])  # the connection is still usable
    finally:
        con.close()
    assert staged_dirs == []
    assert ok["dim_report"].expectations


def test_suite_frames_reach_pandas_as_duckdb_df_makes_them(real_run):
    """The frames go to pandas through Arrow (faster than DuckDB's ``.df()``): every suite's frame,
    and a frame whose columns are all NULL, equal ``.df()``'s, dtypes and values."""
    import pandas as pd

    _, wh = real_run
    con = duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("set preserve_insertion_order = true")
        queries = [
            f"select * from ({gx_suites.suite_spec(n)['meta']['query']}) order by all"
            for n in gx_suites.suite_names()
        ]
        queries.append(
            "select null::bigint as n, null::varchar as s, 1::integer as i, 'x' as t from range(3)"
        )
        for sql in queries:
            expected = con.execute(sql).df()
            pd.testing.assert_frame_equal(gx_suites._pandas(con, sql), expected, check_exact=True)
        arrow_path = [s for s in queries if all(str(t) in gx_suites._ARROW_SAFE for t in con.sql(s).types)]
    finally:
        con.close()
    assert len(arrow_path) >= 5  # the identity suite's frame among them
