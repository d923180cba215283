"""Loading raw/ into DuckDB: accounting, duplicates, reruns, hostile names (real files, real DuckDB)."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from opencc import OpenCC

from dagster_project.govreport.record import ParseResult
from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.locking import RefreshLocked, refresh_lock
from dagster_project.warehouse.publisher import publish
from dagster_project.warehouse.schema import PARSE_ISSUES_DDL, REPORTS_DDL

from .conftest import SEEDS

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def query(settings, sql: str, params=None):
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(settings):
    """Everything a rerun must reproduce (loaded_at aside)."""
    return (
        query(settings, "select * exclude (loaded_at) from raw.reports order by report_id"),
        query(settings, "select * from raw.report_cells order by all"),
        query(settings, "select * from raw.parse_issues order by all"),
    )


def test_mixed_folder_is_accounted_for_exactly(settings, raw_dir):
    seed0, seed3 = SEEDS[0], SEEDS[3]
    (raw_dir / "empty.txt").write_bytes(b"")
    (raw_dir / "blank lines.txt").write_bytes(b"\n\n  \n")
    (raw_dir / "picture.png").write_bytes(PNG)
    (raw_dir / "gbk copy.txt").write_bytes(seed3.read_text(encoding="utf-8").encode("gbk"))
    shutil.copy(seed0, raw_dir / "dup of 000.txt")  # same bytes, second name
    mirror = OpenCC("s2t").convert(SEEDS[1].read_text(encoding="utf-8")).replace("開", "開(kāi)")
    (raw_dir / "mirror-001.txt").write_text(mirror, encoding="utf-8")
    hostile = "a 'quoted'; name\nwith newline 报告.txt"
    (raw_dir / hostile).write_bytes(SEEDS[2].read_bytes() + "\n来源:转载\n".encode())
    (raw_dir / "notes.txt").write_text("今天天气很好,我们去公园散步。\n", encoding="utf-8")

    summary = load_raw(settings)

    assert summary.files == 13
    rows = {
        r[0]: r[1:]
        for r in query(settings, "select unnest(file_paths), status, quarantine_reason from raw.reports")
    }
    assert set(rows) == {p.name for p in raw_dir.iterdir()}  # every file accounted for
    assert rows["empty.txt"] == ("quarantined", "empty")
    assert rows["blank lines.txt"] == ("quarantined", "empty")
    assert rows["picture.png"] == ("quarantined", "binary")
    assert rows["notes.txt"] == ("quarantined", "not_a_report")
    assert rows[hostile] == ("parsed", None)
    # Same bytes under two names: one report listing both paths.
    paths = query(
        settings, "select file_paths from raw.reports where list_contains(file_paths, ?)", [seed0.name]
    )
    assert sorted(paths[0][0]) == sorted([seed0.name, "dup of 000.txt"])
    # The GBK copy and the Traditional mirror are other files for the same agency-year: kept, marked,
    # and the original (simplified, UTF-8) stays canonical.
    dup = dict(
        query(settings, "select file_name, duplicate_of is not null from raw.reports where status = 'parsed'")
    )
    assert dup["mirror-001.txt"] is True and dup[SEEDS[1].name] is False
    assert query(settings, "select count(*) from raw.reports where is_canonical")[0][0] == 5
    assert summary.parsed == 8 and summary.quarantined_total == 4
    assert summary.quarantined == {"empty": 2, "binary": 1, "not_a_report": 1}


def test_rerun_is_idempotent_and_skips_unchanged(settings):
    first = load_raw(settings)
    before = snapshot(settings)
    second = load_raw(settings)
    assert first.reparsed == 5 and second.reparsed == 0 and second.unchanged == 5
    assert snapshot(settings) == before


def test_changed_file_replaces_and_deleted_file_leaves(settings, raw_dir):
    load_raw(settings)
    target = raw_dir / SEEDS[0].name
    target.write_text(
        target.read_text(encoding="utf-8").replace("行政许可 |\n0 |", "行政许可 |\n12 |"), "utf-8"
    )
    (raw_dir / SEEDS[4].name).unlink()
    summary = load_raw(settings)
    assert summary.reparsed == 1 and summary.removed == 1
    assert query(settings, "select count(*) from raw.reports")[0][0] == 4
    value = query(
        settings,
        "select c.value from raw.report_cells c join raw.reports r using (report_id) "
        "where r.file_name = ? and c.row_key = 'licensing_decisions'",
        [SEEDS[0].name],
    )
    assert value == [(12,)]
    orphans = query(
        settings,
        "select count(*) from raw.report_cells where report_id not in (select report_id from raw.reports)",
    )
    assert orphans == [(0,)]


def test_parser_exception_quarantines_one_file_and_the_rest_loads(settings):
    def flaky(data: bytes, name: str) -> ParseResult:
        if name.startswith("002"):
            raise KeyError("boom")
        from dagster_project.govreport.parse import parse_bytes

        return parse_bytes(data, name)

    summary = load_raw(settings, parse=flaky)
    assert summary.parsed == 4 and summary.quarantined == {"parser_failure": 1}
    message = query(settings, "select quarantine_message from raw.reports where status = 'quarantined'")[0][0]
    assert "KeyError" in message


def test_symlink_outside_raw_is_not_followed(settings, raw_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside", encoding="utf-8")
    os.symlink(secret, raw_dir / "link.txt")
    load_raw(settings)
    assert query(
        settings, "select status, quarantine_reason from raw.reports where file_name = 'link.txt'"
    ) == [("quarantined", "symlink_outside_raw")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file(settings, raw_dir):
    locked = raw_dir / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    locked.chmod(0)
    load_raw(settings)
    assert query(settings, "select quarantine_reason from raw.reports where file_name = 'locked.txt'") == [
        ("unreadable",)
    ]


def test_oversized_file(settings, raw_dir):
    from dataclasses import replace

    small = replace(settings, max_bytes=8000)
    load_raw(small)
    reasons = dict(query(small, "select file_name, quarantine_reason from raw.reports"))
    assert reasons[SEEDS[2].name] == "oversized"  # 17 kB
    assert reasons[SEEDS[3].name] is None  # 7 kB


def test_very_long_line_is_handled(settings, raw_dir):
    (raw_dir / "long.txt").write_text("政府信息公开" + "9" * 3_000_000 + "\n", encoding="utf-8")
    summary = load_raw(settings)
    assert summary.files == 6
    assert (
        query(settings, "select status from raw.reports where file_name = 'long.txt'")[0][0] == "quarantined"
    )


def test_publish_is_atomic_for_readers(settings):
    load_raw(settings)
    publish(settings, ("raw",))
    reader = duckdb.connect(str(settings.published_path), read_only=True)
    before = reader.execute("select count(*) from raw.reports").fetchone()[0]
    (settings.raw_dir / SEEDS[0].name).unlink()
    load_raw(settings)
    publish(settings, ("raw",))
    # The open reader keeps its consistent old snapshot; a new connection sees the new data.
    assert reader.execute("select count(*) from raw.reports").fetchone()[0] == before == 5
    reader.close()
    fresh = duckdb.connect(str(settings.published_path), read_only=True)
    assert fresh.execute("select count(*) from raw.reports").fetchone()[0] == 4
    fresh.close()
    assert not list(settings.published_path.parent.glob(".publish-*"))


def test_second_refresh_gets_a_clear_message(settings):
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from dagster_project.warehouse.settings import Settings\n"
        "from dagster_project.warehouse.locking import refresh_lock\n"
        f"s = Settings(db_path=Path({str(settings.db_path)!r}), raw_dir=Path('.'))\n"
        "with refresh_lock(s):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RefreshLocked, match=f"pid {holder.pid}"), refresh_lock(settings):
            pass
    finally:
        holder.kill()
        holder.wait()
    with refresh_lock(settings):  # free again once the holder is gone
        pass


def test_many_files_parse_in_worker_processes(settings, raw_dir):
    many = 70  # more files than workers: each worker parses many, in input order
    for i in range(many):
        seed = SEEDS[i % len(SEEDS)]
        (raw_dir / f"copy_{i:03d}.txt").write_bytes(seed.read_bytes() + f"\n附:副本{i}\n".encode())
    summary = load_raw(settings)
    assert summary.reparsed == summary.files == many + 5
    assert summary.parsed == summary.files
    # 5 agency-years, each with one canonical report; the copies are marked as its duplicates.
    assert query(settings, "select count(*) from raw.reports where is_canonical") == [(5,)]
    assert summary.agency_year_duplicates == summary.files - 5


def test_keyed_raw_tables_are_rebuilt_without_keys(settings):
    """A warehouse made when raw.reports and raw.parse_issues had primary keys loses them (their
    indexes lived in memory, whole, and grew with the warehouse) and keeps its rows."""
    load_raw(settings)
    before = snapshot(settings)
    con = duckdb.connect(str(settings.db_path))
    for table, ddl, key in (
        ("reports", REPORTS_DDL, "primary key (report_id)"),
        ("parse_issues", PARSE_ISSUES_DDL, "primary key (report_id, issue_no)"),
    ):
        con.execute(f"alter table raw.{table} rename to {table}_old")
        con.execute(ddl.rstrip().removesuffix(")") + f", {key})")
        con.execute(f"insert into raw.{table} by name select * from raw.{table}_old")
        con.execute(f"drop table raw.{table}_old")
    assert con.execute(
        "select count(*) from duckdb_constraints() where constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]
    con.close()

    summary = load_raw(settings)

    assert summary.unchanged == len(SEEDS) and summary.reparsed == 0
    assert snapshot(settings) == before
    keys = query(
        settings,
        "select table_name from duckdb_constraints() "
        "where schema_name = 'raw' and constraint_type = 'PRIMARY KEY'",
    )
    assert keys == [("template_rows",)]


def test_a_report_id_twice_fails_the_load_and_rolls_back(settings):
    load_raw(settings)
    con = duckdb.connect(str(settings.db_path))
    con.execute("insert into raw.reports select * from raw.reports limit 1")
    con.close()
    before = snapshot(settings)

    with pytest.raises(RuntimeError, match="twice"):
        load_raw(settings)

    assert snapshot(settings) == before
