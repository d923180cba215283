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


@pytest.fixture
def settings(tmp_path: Path, monkeypatch) -> Settings:
    monkeypatch.setattr(publisher, "DELTA_MIN_ROWS", 1)
    s = Settings(db_path=tmp_path / "warehouse.duckdb", raw_dir=tmp_path / "raw")
    con = duckdb.connect(str(s.db_path))
    con.execute("create schema raw; create schema main_marts")
    con.execute("create table raw.reports (report_id varchar, agency varchar, report_year int)")
    con.execute("insert into raw.reports select 'r' || i, 'agency ' || i, 2020 + i % 4 from range(50) t(i)")
    con.execute(
        "create table main_marts.fct_cells as select 'r' || i as report_id, j as cell, "
        "case when j % 7 = 0 then null else i * 100 + j end as reported_value "
        "from range(50) t(i), range(20) c(j)"
    )
    con.execute("create table main_marts.dim_small as select 1 as id")
    con.close()
    publisher.publish(s, SCHEMAS)
    return s


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
