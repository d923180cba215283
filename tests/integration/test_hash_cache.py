"""Discovery reuses the hash of a file whose device, inode, size, mtime and ctime are unchanged, and
reads again any file where one of them differs: bytes rewritten with the size and mtime put back still
change ctime (no system call sets it back), so they are hashed and parsed again. An entry hashed
within 2 s of the file's last change is not trusted ("racily clean"). Real files, real DuckDB."""

from __future__ import annotations

import os
import shutil

import duckdb

from dagster_project.warehouse.load import load_raw

from .conftest import SEEDS

AGE_NS = 10_000_000_000  # 10 s: as if each hash had been taken long after its file last changed


def _age_cache(settings) -> None:
    """Move every hash's time 10 s later: the entries stop being "racily clean" without a sleep."""
    con = duckdb.connect(str(settings.db_path))
    try:
        con.execute("update ingest.file_hashes set hashed_at_ns = hashed_at_ns + ?", [AGE_NS])
    finally:
        con.close()


def _cells(settings, name: str) -> list:
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        return con.execute(
            "select c.table_name, c.row_key, c.col_key, c.value from raw.report_cells c "
            "join raw.reports r using (report_id) where r.file_name = ? order by all",
            [name],
        ).fetchall()
    finally:
        con.close()


def test_unchanged_files_are_not_read_again(settings):
    first = load_raw(settings)
    assert first.hashed == len(SEEDS)
    # Just written and just hashed: racily clean, so the next refresh reads them again.
    assert load_raw(settings).hashed == len(SEEDS)
    _age_cache(settings)
    again = load_raw(settings)
    assert (again.hashed, again.reparsed, again.unchanged) == (0, 0, len(SEEDS))


def test_same_size_same_mtime_new_bytes_are_hashed_and_parsed_again(settings, raw_dir):
    load_raw(settings)
    _age_cache(settings)
    target, donor = raw_dir / SEEDS[0].name, raw_dir / SEEDS[1].name
    before = _cells(settings, target.name)
    st = target.stat()
    # Other bytes of exactly the same size (another report, cut or padded), then the old mtime back.
    data = donor.read_bytes()[: st.st_size].ljust(st.st_size, b"\n")
    target.write_bytes(data)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    now = target.stat()
    assert (now.st_size, now.st_mtime_ns, now.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    assert now.st_ctime_ns != st.st_ctime_ns  # what gives the change away

    summary = load_raw(settings)

    assert summary.hashed == 1 and summary.reparsed == 1
    assert _cells(settings, target.name) != before


def test_a_file_replaced_by_rename_is_hashed_again(settings, raw_dir, tmp_path):
    load_raw(settings)
    _age_cache(settings)
    target = raw_dir / SEEDS[2].name
    st = target.stat()
    staged = tmp_path / "staged"
    shutil.copy(SEEDS[3], staged)
    os.utime(staged, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(staged, target)  # new inode under the old name

    summary = load_raw(settings)

    assert summary.hashed == 1
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        (paths,) = con.execute(
            "select file_paths from raw.reports where list_contains(file_paths, ?)", [target.name]
        ).fetchone()
    finally:
        con.close()
    assert paths == [SEEDS[2].name, SEEDS[3].name]  # now the same bytes as the other report


def test_rehash_forces_every_file_to_be_read(settings, monkeypatch):
    load_raw(settings)
    _age_cache(settings)
    monkeypatch.setenv("GOVREPORT_REHASH", "1")
    assert load_raw(settings).hashed == len(SEEDS)
