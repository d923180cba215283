"""An incremental refresh gives exactly the marts a from-scratch refresh gives.

The per-report dbt models (dbt/macros/report_incremental.sql) rebuild only the reports that are new,
changed, gone or canonical in or out; the published copy and the exports are updated the same way. Here
one warehouse is refreshed, then its raw/ changes (a report added, one removed, one re-downloaded with
other bytes, a better copy that takes over an agency-year), and the next refresh runs on the same
database; a second warehouse is refreshed from scratch on the final raw/. Every mart of the two
published copies must hold the same rows (NULLs included) in the same columns.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from dagster_project.defs.dbt import KEEP_RUN_TARGETS, prune_run_targets

from .conftest import REAL, ROOT, SEEDS, run_refresh


def _refresh_in_place(tmp: Path):
    """Run the refresh job again on the warehouse and raw/ under ``tmp`` (not a fresh one)."""
    import dagster as dg

    from dagster_project.definitions import defs

    env = {"GOVREPORT_DB": str(tmp / "wh" / "warehouse.duckdb"), "GOVREPORT_RAW": str(tmp / "raw")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        job = defs.resolve_job_def("refresh_all")
        return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _marts(published: Path) -> dict[str, tuple[list, list]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main_marts' order by 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            columns = [
                c for (c,) in con.execute(f"select column_name from (describe main_marts.{t})").fetchall()
            ]
            # When a file was loaded differs between two warehouses; everything else must not.
            select = ", ".join("null" if c == "loaded_at" else f'"{c}"' for c in columns)
            out[t] = (columns, con.execute(f"select {select} from main_marts.{t} order by all").fetchall())
        return out
    finally:
        con.close()


def _state(db: Path) -> tuple[set, set]:
    """The (report, version) pairs the state of fct_applications_by_outcome holds, and those its latest
    build wrote."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = "main_marts_state.fct_applications_by_outcome"
        held = set(con.execute(f"select report_id, report_version from {state}").fetchall())
        last = set(
            con.execute(
                f"select report_id, report_version from {state} "
                f"where built_at = (select state_built_at from {state}__build)"
            ).fetchall()
        )
        return held, last
    finally:
        con.close()


def _assert_equals_a_full_refresh(incremental: dict, tmp: Path, files: dict[str, bytes]) -> None:
    """Every mart of ``incremental`` holds the rows and columns a from-scratch refresh of ``files`` gives."""
    scratch, wh_full = run_refresh(tmp, files)
    assert scratch.success
    full = _marts(wh_full / "published.duckdb")
    assert incremental.keys() == full.keys()
    for table in full:
        assert incremental[table][0] == full[table][0], f"{table}: columns differ"
        assert incremental[table][1] == full[table][1], f"{table}: rows differ"


def _final_files() -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in SEEDS[:4]}  # SEEDS[4] was removed
    files[SEEDS[1].name] = SEEDS[1].read_bytes() + b"\n"  # re-downloaded: other bytes, same name
    # The same agency-year as seed 000 under a name that sorts first: it becomes the canonical report
    # and the unchanged seed 000 becomes its duplicate.
    files["000_0_better_copy.txt"] = SEEDS[0].read_bytes() + b"\n\n"
    # A new report: another agency.
    text = next(t for p in SEEDS[:4] if "忻州市民政局" in (t := p.read_text(encoding="utf-8")))
    files["new_agency.txt"] = text.replace("忻州市民政局", "忻州市教育局").encode("utf-8")
    return files


def _latest_dbt_log() -> str:
    runs = sorted(ROOT.joinpath("dbt", "target").glob("dbt_models-*"), key=lambda p: p.stat().st_mtime)
    return (runs[-1] / "dbt.log").read_text(encoding="utf-8")


def test_incremental_refresh_equals_full_refresh(tmp_path):
    first, wh = run_refresh(tmp_path / "inc", {p.name: p.read_bytes() for p in SEEDS})
    assert first.success
    before = _marts(wh / "published.duckdb")
    state_before = _state(wh / "warehouse.duckdb")
    assert state_before[1] == state_before[0]  # a first build builds every report

    raw = tmp_path / "inc" / "raw"
    for p in raw.iterdir():
        p.unlink()
    final = _final_files()
    for name, data in final.items():
        (raw / name).write_bytes(data)
    again = _refresh_in_place(tmp_path / "inc")
    assert again.success
    incremental = _marts(wh / "published.duckdb")
    # The state is updated in place: the reports this build wrote (what the tests of the model check,
    # report_built_last) are exactly the report versions the first build did not hold.
    state_after = _state(wh / "warehouse.duckdb")
    assert state_after[1] == state_after[0] - state_before[0]
    assert 0 < len(state_after[1]) < len(state_after[0])
    # The second build of the same warehouse starts from the parse the first one left (defs/dbt.py).
    # (The file log is at info level, which holds dbt's partial-parse messages: defs/dbt.py.)
    log = _latest_dbt_log()
    assert "Running with dbt" in log and "Unable to do partial parsing" not in log
    # Earlier commands' target folders are pruned: this run's and the newest KEEP_RUN_TARGETS others.
    assert len(list(ROOT.joinpath("dbt", "target").glob("dbt_models-*"))) <= KEEP_RUN_TARGETS + 1

    _assert_equals_a_full_refresh(incremental, tmp_path / "full", final)
    # The change was real: the marts moved (a report left, one arrived, canonical switched).
    assert before["dim_report"][1] != incremental["dim_report"][1]
    reports = {row[0] for row in incremental["fct_identity_checks"][1]}
    assert len(reports) == 5  # seed 000 (now its copy), 001 (new bytes), 002, 003, the new agency


def _real(*names: str) -> dict[str, bytes]:
    """Real crawled reports (tests/fixtures/real/<portal>/<file>) by file name."""
    return {Path(name).name: (REAL / name).read_bytes() for name in names}


def test_incremental_refresh_follows_the_previous_year(tmp_path):
    """The cross-year, narrative and quality marts are incremental by report and context
    (int_report_context_versions): a report is rebuilt when the agency's report of the year before or its
    latest earlier report arrives, leaves or changes, not only when the report itself changes."""
    first_files = _real(
        "putian/u1440681_ptcg_2019.txt",
        "putian/u1794760_ptcg_2022.txt",
        "putian/u1899110_ptcg_2023.txt",
        "pingtan/p80589_czj_2020.txt",
        "pingtan/p80614_czj_2022.txt",
        "putian/u1440395_pthyyyyj_2019.txt",
        "putian/u1561650_pthyyyyj_2020.txt",
        "putian/u1793459_pthyyyyj_2022.txt",
    )
    first, wh = run_refresh(tmp_path / "inc", first_files)
    assert first.success
    before = _marts(wh / "published.duckdb")

    final = _real(
        "putian/u1440681_ptcg_2019.txt",
        "putian/u1562401_ptcg_2020.txt",  # new: the latest earlier report of the unchanged 2022 one
        "putian/u1794760_ptcg_2022.txt",
        "putian/u1899110_ptcg_2023.txt",
        "pingtan/p80600_czj_2021.txt",  # new: the previous year of the unchanged 2022 report
        "pingtan/p80614_czj_2022.txt",
        "putian/u1440395_pthyyyyj_2019.txt",  # 2020 leaves: 2019 is the latest before 2022 again
        "putian/u1793459_pthyyyyj_2022.txt",
    )
    # The 2020 report re-downloaded with other bytes: a new report id for the previous year of 2021.
    final["p80589_czj_2020.txt"] = first_files["p80589_czj_2020.txt"] + b"\n"
    raw = tmp_path / "inc" / "raw"
    for p in raw.iterdir():
        p.unlink()
    for name, data in final.items():
        (raw / name).write_bytes(data)
    again = _refresh_in_place(tmp_path / "inc")
    assert again.success
    incremental = _marts(wh / "published.duckdb")

    _assert_equals_a_full_refresh(incremental, tmp_path / "full", final)

    # The change reached reports whose own files did not change: pairs appeared and went.
    def assessed(marts):
        columns, rows = marts["fct_cross_year_checks"]
        prev = columns.index("prev_report_id")
        return {row[columns.index("report_id")] for row in rows if row[prev] is not None}

    assert assessed(before) != assessed(incremental)
    assert len(assessed(incremental)) == 4  # ptcg 2020, 2023; czj 2021 (new), 2022 (unchanged)


def test_incremental_state_is_rebuilt_when_lost(tmp_path):
    """Without its build state an incremental model rebuilds every report (never a partial table)."""
    first, wh = run_refresh(tmp_path, {p.name: p.read_bytes() for p in SEEDS[:3]})
    assert first.success
    before = _marts(wh / "published.duckdb")
    con = duckdb.connect(str(wh / "warehouse.duckdb"))
    try:
        con.execute("drop schema main_marts_state cascade")
        con.execute("delete from main_marts.fct_applications_by_outcome")
    finally:
        con.close()
    again = _refresh_in_place(tmp_path)
    assert again.success
    assert _marts(wh / "published.duckdb") == before


def test_prune_keeps_this_run_and_the_newest_others(tmp_path):
    target = tmp_path / "target"
    folders = []
    for i in range(6):
        folder = target / f"dbt_models-run{i}-x"
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text("{}")
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))
        folders.append(folder)
    other_op = target / "dbt_docs-run0-x"
    other_op.mkdir()
    current = folders[0]  # the oldest mtime, yet the run being finished: never removed
    removed = prune_run_targets(current, keep=2)
    assert sorted(removed) == folders[1:4]
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [current.name, folders[4].name, folders[5].name, other_op.name]
    )
