"""The published copy's in-place update (publisher.publish): rows of the reports whose raw.reports row
changed are replaced, and the table is then checked against the working database, so a row that
changed without its report changing is never left stale. Real DuckDB files; the row threshold of the
in-place path is lowered so small tables take it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse import publisher
from dagster_project.warehouse.settings import Settings

SCHEMAS = ("raw", "main_marts")


def _published_warehouse(tmp_path: Path, monkeypatch, *sql: str) -> Settings:
    """A working database of 50 reports and the tables ``sql`` makes (small tables take the in-place
    paths), published once."""
    monkeypatch.setattr(publisher, "DELTA_MIN_ROWS", 1)
    s = Settings(db_path=tmp_path / "warehouse.duckdb", raw_dir=tmp_path / "raw")
    con = duckdb.connect(str(s.db_path))
    for statement in (*SCHEMAS_AND_REPORTS, *sql):
        con.execute(statement)
    con.close()
    publisher.publish(s, SCHEMAS)
    return s


SCHEMAS_AND_REPORTS = (
    "create schema raw; create schema main_marts; create schema main_marts_state",
    "create table raw.reports (report_id varchar, agency varchar, report_year int)",
    "insert into raw.reports select 'r' || i, 'agency ' || i, 2020 + i % 4 from range(50) t(i)",
)


MART_TABLES = (
    "create table main_marts.fct_cells as select 'r' || i as report_id, j as cell, "
    "case when j % 7 = 0 then null else i * 100 + j end as reported_value "
    "from range(50) t(i), range(20) c(j)",
    "create table main_marts.dim_small as select 1 as id",
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch) -> Settings:
    return _published_warehouse(tmp_path, monkeypatch, *MART_TABLES)


def _rows(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def _change(settings: Settings, *sql: str) -> None:
    con = duckdb.connect(str(settings.db_path))
    for statement in sql:
        con.execute(statement)
    con.close()


@pytest.fixture
def in_place(monkeypatch) -> dict[str, bool]:
    """Per table: whether the last publish updated it in place (True) or copied it whole (False)."""
    seen: dict[str, bool] = {}
    update = publisher._update_in_place

    def spy(con, source, copy):
        seen[copy] = update(con, source, copy)
        return seen[copy]

    monkeypatch.setattr(publisher, "_update_in_place", spy)
    return seen


CELLS = 'pub."main_marts"."fct_cells"'


def _published_equals_source(settings: Settings) -> None:
    for table in ("raw.reports", "main_marts.fct_cells", "main_marts.dim_small"):
        assert _rows(settings.published_path, table) == _rows(settings.db_path, table), table


CHANGES = {
    # New, changed and gone reports: their rows are replaced in the copy.
    "reports changed": (
        [
            "update raw.reports set report_year = 2030 where report_id = 'r3'",
            "update main_marts.fct_cells set reported_value = -1 where report_id = 'r3'",
            "insert into raw.reports values ('r99', 'new agency', 2024)",
            "insert into main_marts.fct_cells select 'r99', j, j from range(20) c(j)",
            "delete from raw.reports where report_id = 'r7'",
            "delete from main_marts.fct_cells where report_id = 'r7'",
        ],
        True,
    ),
    # dbt rewrote cells of r5 and r6 although their raw.reports rows did not change (say, a model's
    # logic changed): replacing r1's rows leaves them stale, so the check copies the table whole.
    "rows of unchanged reports changed": (
        [
            "update raw.reports set report_year = 2031 where report_id = 'r1'",
            "update main_marts.fct_cells set reported_value = 123456 where report_id = 'r5' and cell = 2",
            "update main_marts.fct_cells set reported_value = null where report_id = 'r6' and cell = 3",
        ],
        False,
    ),
    "a row of an unchanged report duplicated": (
        [
            "update raw.reports set agency = 'renamed' where report_id = 'r2'",
            "insert into main_marts.fct_cells from main_marts.fct_cells where report_id = 'r8' limit 1",
        ],
        False,
    ),
}


@pytest.mark.parametrize("case", CHANGES)
def test_the_copy_equals_the_source_after_any_change(settings, in_place, case):
    statements, updated_in_place = CHANGES[case]
    _change(settings, *statements)
    publisher.publish(settings, SCHEMAS)
    _published_equals_source(settings)
    assert in_place[CELLS] is updated_in_place


def test_nothing_changed_publishes_the_same_rows(settings):
    before = _rows(settings.published_path, "main_marts.fct_cells")
    publisher.publish(settings, SCHEMAS)
    assert _rows(settings.published_path, "main_marts.fct_cells") == before
    _published_equals_source(settings)


def _versions(settings: Settings) -> list[Path]:
    return sorted(settings.published_path.parent.glob(f"{publisher.VERSION_PREFIX}*.duckdb"))


def _inode(path: Path) -> int:
    return path.stat().st_ino  # follows the symlink: the file readers get


def test_the_previous_file_is_updated_instead_of_copied(settings):
    first = _inode(settings.published_path)
    _change(settings, "update raw.reports set report_year = 2040 where report_id = 'r4'")
    publisher.publish(settings, SCHEMAS)
    second = _inode(settings.published_path)
    assert second != first and len(_versions(settings)) == 2
    _change(settings, "update raw.reports set report_year = 2041 where report_id = 'r9'")
    publisher.publish(settings, SCHEMAS)
    # The file published first (no reader has it) was brought up to date and published again.
    assert _inode(settings.published_path) == first
    assert {_inode(p) for p in _versions(settings)} == {first, second}
    assert settings.published_path.is_symlink()
    assert not list(settings.published_path.parent.glob(f"{publisher.TMP_PREFIX}*"))
    _published_equals_source(settings)


@pytest.mark.parametrize("where", ["this process", "another process"])
def test_a_reader_of_the_previous_file_keeps_its_snapshot(settings, where):
    _change(settings, "update raw.reports set report_year = 2042 where report_id = 'r11'")
    publisher.publish(settings, SCHEMAS)  # the reader's file
    held = _inode(settings.published_path)
    snapshot = _rows(settings.published_path, "raw.reports")
    if where == "this process":
        reader = duckdb.connect(str(settings.published_path), read_only=True)
    else:
        code = (
            "import duckdb, sys\n"
            "c = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print('open', flush=True)\n"
            "input()\n"
            "sql = \"select report_year from raw.reports where report_id = 'r12'\"\n"
            "print(c.execute(sql).fetchone()[0])\n"
        )
        reader = subprocess.Popen(
            [sys.executable, "-c", code, str(settings.published_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert reader.stdout.readline().strip() == b"open"
    try:
        for year in (2043, 2044, 2045):  # the held file is the previous one at the second publish
            _change(settings, f"update raw.reports set report_year = {year} where report_id = 'r12'")
            publisher.publish(settings, SCHEMAS)
            assert _inode(settings.published_path) != held
            _published_equals_source(settings)
        if where == "this process":
            assert reader.execute("select * from raw.reports order by all").fetchall() == snapshot
    finally:
        if where == "this process":
            reader.close()
        else:
            out, _ = reader.communicate(b"\n", timeout=30)
            assert out.split() == [b"2020"]  # r12 as it was in the held file


def test_a_plain_published_file_from_before_becomes_a_version(settings):
    # Published copies made before versions existed were one plain file.
    path = settings.published_path
    real = _versions(settings)[0]
    path.unlink()
    real.rename(path)
    inode = _inode(path)
    _change(settings, "update raw.reports set report_year = 2046 where report_id = 'r13'")
    publisher.publish(settings, SCHEMAS)
    assert path.is_symlink() and inode in {_inode(p) for p in _versions(settings)}
    _change(settings, "update raw.reports set report_year = 2047 where report_id = 'r13'")
    publisher.publish(settings, SCHEMAS)
    assert _inode(path) == inode  # and it is reused like any earlier version
    _published_equals_source(settings)


# --- tables whose changed reports are known: incremental models (dbt's state) and the raw rows ------


@pytest.fixture
def state_settings(tmp_path: Path, monkeypatch) -> Settings:
    """A working database with an incremental model and dbt's state of it (one row per report: its
    version, the build's checksum and when it was built), and the raw cells, published once."""
    return _published_warehouse(
        tmp_path,
        monkeypatch,
        "create table raw.report_cells as select 'r' || i as report_id, j as cell, i * 10 + j as value "
        "from range(50) t(i), range(5) c(j)",
        "create table main_marts.fct_inc as select 'r' || i as report_id, j as cell, i * 100 + j as v "
        "from range(49) t(i), range(20) c(j)",  # r49 is not in the model (yet)
        "create table main_marts_state.fct_inc as select 'r' || i as report_id, 'v1' as report_version, "
        "'c1' as build_checksum, timestamp '2026-01-01' as built_at from range(49) t(i)",
        "create table main_marts_state.fct_inc__build as select timestamp '2026-01-01' as state_built_at",
    )


@pytest.fixture
def paths(monkeypatch) -> dict[str, str]:
    """Per table: how the last publish brought it in line: 'reports' (the changed reports' rows, known
    from raw.reports or the model's state), 'checked' (rows replaced, then the whole table compared),
    'copied' (whole)."""
    seen: dict[str, str] = {}
    by_reports, checked = publisher._update_reports, publisher._update_in_place

    def spy_reports(con, source, copy, changed):
        done = by_reports(con, source, copy, changed)
        seen[copy] = "reports" if done else "copied"
        return done

    def spy_checked(con, source, copy):
        done = checked(con, source, copy)
        seen[copy] = "checked" if done else "copied"
        return done

    monkeypatch.setattr(publisher, "_update_reports", spy_reports)
    monkeypatch.setattr(publisher, "_update_in_place", spy_checked)
    return seen


INC, RAW_CELLS = 'pub."main_marts"."fct_inc"', 'pub."raw"."report_cells"'
STATE_CHANGES = {
    # dbt rebuilt r5 (its context changed, not its raw.reports row) and dropped r6's rows.
    "rebuilt and dropped by dbt": (
        [
            "update main_marts.fct_inc set v = -5 where report_id = 'r5'",
            "update main_marts_state.fct_inc set built_at = timestamp '2026-02-01' where report_id = 'r5'",
            "delete from main_marts.fct_inc where report_id = 'r6'",
            "delete from main_marts_state.fct_inc where report_id = 'r6'",
        ],
        "reports",
    ),
    # r49 enters the model (its context changed), its raw row unchanged.
    "a report enters the model": (
        [
            "insert into main_marts.fct_inc select 'r49', j, j from range(20) c(j)",
            "insert into main_marts_state.fct_inc values ('r49', 'v2', 'c1', timestamp '2026-02-01')",
        ],
        "reports",
    ),
    # A new report: its raw row, its cells, its model rows and its state row.
    "a new report": (
        [
            "insert into raw.reports values ('r99', 'new', 2024)",
            "insert into raw.report_cells select 'r99', j, j from range(5) c(j)",
            "insert into main_marts.fct_inc select 'r99', j, j from range(20) c(j)",
            "insert into main_marts_state.fct_inc values ('r99', 'v1', 'c1', timestamp '2026-02-01')",
        ],
        "reports",
    ),
    # Every report built anew (the model's code changed): copied whole.
    "a full rebuild": (
        [
            "update main_marts.fct_inc set v = v + 1",
            "update main_marts_state.fct_inc set build_checksum = 'c2', built_at = timestamp '2026-03-01'",
        ],
        "copied",
    ),
    # Rows that changed without the state saying so (dbt's bookkeeping never does this): the row
    # counts disagree, so the table is copied whole.
    "a row added behind the state's back": (
        [
            "update main_marts_state.fct_inc set built_at = timestamp '2026-02-01' where report_id = 'r1'",
            "insert into main_marts.fct_inc from main_marts.fct_inc where report_id = 'r8' limit 1",
        ],
        "copied",
    ),
}


@pytest.mark.parametrize("case", STATE_CHANGES)
def test_an_incremental_model_is_updated_from_its_state(state_settings, paths, case):
    statements, how = STATE_CHANGES[case]
    _change(state_settings, *statements)
    publisher.publish(state_settings, SCHEMAS)
    for table in ("raw.reports", "raw.report_cells", "main_marts.fct_inc", "main_marts_state.fct_inc"):
        assert _rows(state_settings.published_path, table) == _rows(state_settings.db_path, table), table
    assert paths[INC] == how


def test_raw_cells_follow_their_report(state_settings, paths):
    _change(
        state_settings,
        "update raw.reports set report_year = 2035 where report_id = 'r3'",  # parsed again
        "update raw.report_cells set value = -3 where report_id = 'r3'",
    )
    publisher.publish(state_settings, SCHEMAS)
    assert _rows(state_settings.published_path, "raw.report_cells") == _rows(
        state_settings.db_path, "raw.report_cells"
    )
    assert paths[RAW_CELLS] == "reports"


def test_without_a_state_in_the_copy_the_whole_table_is_compared(state_settings, paths):
    con = duckdb.connect(str(state_settings.published_path))
    con.execute("drop table main_marts_state.fct_inc")  # a copy published before states were
    con.close()
    _change(state_settings, *STATE_CHANGES["rebuilt and dropped by dbt"][0])
    publisher.publish(state_settings, SCHEMAS)
    assert _rows(state_settings.published_path, "main_marts.fct_inc") == _rows(
        state_settings.db_path, "main_marts.fct_inc"
    )
    assert paths[INC] == "copied"  # r5's rows changed without its raw row: the check caught it


def test_the_state_is_published_as_bookkeeping(state_settings):
    con = duckdb.connect(str(state_settings.published_path), read_only=True)
    try:
        comments = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'main_marts_state'"
            ).fetchall()
        )
    finally:
        con.close()
    assert comments["fct_inc"].startswith("Bookkeeping, not data")
    assert "main_marts.fct_inc" in comments["fct_inc"]
    assert "latest incremental build of main_marts.fct_inc" in comments["fct_inc__build"]
    con = duckdb.connect(str(state_settings.published_path), read_only=True)
    try:
        undescribed = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'main_marts_state' and coalesce(comment, '') = ''"
        ).fetchall()
    finally:
        con.close()
    assert undescribed == []


# --- a large table keyed by its first column (the agency dimensions) ------------------------------

DIM = 'pub."main_marts"."dim_agency"'
KEYED_CHANGES = {
    "a row changed, one added, one gone": (
        [
            "update main_marts.dim_agency set report_years = [2020, 2021, 2022] where agency_id = 'a3'",
            "insert into main_marts.dim_agency values ('a99', 'new agency', [2024])",
            "delete from main_marts.dim_agency where agency_id = 'a7'",
            "update main_marts.dim_agency set agency = null where agency_id = 'a8'",
        ],
        True,
    ),
    "the first column is not a key": (
        ["insert into main_marts.dim_agency select * from main_marts.dim_agency where agency_id = 'a2'"],
        False,
    ),
    "a NULL in the first column": (
        ["update main_marts.dim_agency set agency_id = null where agency_id = 'a4'"],
        False,
    ),
    "most rows changed": (["update main_marts.dim_agency set agency = agency || ' (renamed)'"], False),
}


DIM_TABLE = (
    "create table main_marts.dim_agency as select 'a' || i as agency_id, 'agency ' || i as agency, "
    "[2020 + i % 3] as report_years from range(40) t(i)"
)


@pytest.fixture
def keyed_settings(tmp_path: Path, monkeypatch) -> Settings:
    return _published_warehouse(tmp_path, monkeypatch, DIM_TABLE)


@pytest.mark.parametrize("case", KEYED_CHANGES)
def test_a_keyed_table_gets_its_changed_rows(keyed_settings, monkeypatch, case):
    statements, by_key = KEYED_CHANGES[case]
    seen = {}
    update = publisher._update_by_key

    def spy(con, source, copy, key):
        seen[copy] = (key, update(con, source, copy, key))
        return seen[copy][1]

    monkeypatch.setattr(publisher, "_update_by_key", spy)
    _change(keyed_settings, *statements)
    publisher.publish(keyed_settings, SCHEMAS)
    table = "main_marts.dim_agency"
    assert _rows(keyed_settings.published_path, table) == _rows(keyed_settings.db_path, table)
    assert seen[DIM] == ("agency_id", by_key)
