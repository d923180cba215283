"""Faults during a refresh, injected for real: a file-size limit while the working database is written
and while the published copy is written, raw/ changing between discovery and parse, files that cannot
be opened. Each time: a message naming the stage and the file, the previous published copy intact and
readable, and the next refresh equal to a clean one."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.dbt_project import dbt_project, ensure_manifest
from dagster_project.govreport.parse import parse_bytes
from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.settings import Settings

from .conftest import SEEDS
from .test_chaos import Entry, build, check_accounted, entries_on_disk, seed_cells

ROOT = Path(__file__).resolve().parents[2]
FILE_LIMIT = 512 * 1024  # RLIMIT_FSIZE: far below the working database (the refresh writes no other big file)
VARIANTS = 16  # new reports whose load writes a WAL larger than FILE_LIMIT
# One folder of every kind the chaos test draws, under hostile names: the example that goes through
# the real `govreport refresh` (the property test runs its examples through the library path).
CHAOS_EXAMPLE = [
    Entry("年度报告.txt".encode("gbk"), "report", seed=1),
    Entry(b"\xff\xfe copy", "duplicate"),
    Entry(b"noise \x80.bin", "bytes", data=bytes(range(256)) * 4),
    Entry(b"empty", "empty"),
    Entry(b"fifo\nname", "fifo"),
    Entry(b"link in", "link_in"),
    Entry(b"link out", "link_out"),
    Entry(b"dangling", "dangling"),
    Entry(b"L" * 255, "report", seed=3),
    Entry(
        "新建文件夹".encode("gbk"),
        "folder",
        children=[Entry(b"\x01\x1b[31m red", "report", seed=2), Entry(b".hidden", "report", seed=0)],
    ),
]


def published_state(path: Path) -> dict[str, list]:
    """Every table of the published copy (raw layer and marts), timestamps aside, in a stable order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'main_marts') order by 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            columns = [
                f'"{name}"'
                for name, kind in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if not kind.startswith("TIMESTAMP")
            ]
            out[f"{schema}.{table}"] = con.execute(
                f'select {", ".join(columns)} from "{schema}"."{table}" order by all'
            ).fetchall()
        return out
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_folder(src: Path, dst: Path) -> None:
    """Copy raw/ as it is: symlinks as symlinks, FIFOs as FIFOs (never opened), any file name."""
    src_b, dst_b = os.fsencode(src), os.fsencode(dst)
    os.mkdir(dst_b)
    for root, dirs, files in os.walk(src_b):
        target = os.path.join(dst_b, os.path.relpath(root, src_b))
        for name in dirs + files:
            source, copy = os.path.join(root, name), os.path.join(target, name)
            mode = os.lstat(source).st_mode
            if stat.S_ISLNK(mode):
                os.symlink(os.readlink(source), copy)
            elif stat.S_ISDIR(mode):
                os.mkdir(copy)
            elif stat.S_ISFIFO(mode):
                os.mkfifo(copy)
            else:
                shutil.copyfile(source, copy)


def start_refresh(tmp: Path, raw: Path, file_limit: int | None = None) -> subprocess.Popen:
    """The real ``govreport refresh`` in a subprocess, optionally under RLIMIT_FSIZE (then with an
    in-memory Dagster instance: the limit is meant for the warehouse files)."""
    env = dict(os.environ, GOVREPORT_DB=str(tmp / "wh" / "warehouse.duckdb"), GOVREPORT_RAW=str(raw))
    env.pop("DAGSTER_HOME", None)
    if not file_limit:
        env["DAGSTER_HOME"] = str(tmp / "dagster_home")

    def limit() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG ("File too large").
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    # Output to files, not pipes: two refreshes run at once and neither may wait on a full pipe.
    with open(tmp / "refresh.err", "w") as err:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "govreport"), "refresh"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=limit if file_limit else None,
        )
    proc.err_path = tmp / "refresh.err"  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    """Wait for a refresh: (exit status, stderr)."""
    proc.wait(timeout=900)
    return proc.returncode, proc.err_path.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def add_hostile_files(raw: Path, outside: Path):
    built = build(CHAOS_EXAMPLE, raw, outside)
    for i in range(VARIANTS):
        seed = SEEDS[i % len(SEEDS)]
        (raw / f"v_{i:02d}.txt").write_bytes(seed.read_bytes() + f"\n附:副本{i}\n".encode())
    with open(os.path.join(os.fsencode(raw), "报告.txt".encode("gbk")), "wb") as fh:
        fh.write(SEEDS[1].read_bytes() + "\n附:GBK 名\n".encode())
    (raw / "new\nline.txt").write_bytes(SEEDS[2].read_bytes() + "\n附:换行\n".encode())
    os.mkfifo(raw / "pipe.txt")
    os.symlink("nowhere.txt", raw / "dangling.txt")  # cannot be opened
    os.symlink("loop_b", raw / "loop_a")
    os.symlink("loop_a", raw / "loop_b")
    for name in ("z_deleted", "z_truncated", "z_replaced", "z_fifo", "z_symlinked"):
        (raw / f"{name}.txt").write_bytes(SEEDS[3].read_bytes() + f"\n附:{name}\n".encode())
    return built


def change_raw_during_parse(raw: Path):
    """A parser that, on its first file, changes files discovered but not yet parsed."""
    done = []

    def parse(data: bytes, name: str):
        if not done:
            done.append(name)
            (raw / "z_deleted.txt").unlink()
            with open(raw / "z_truncated.txt", "r+b") as fh:
                fh.truncate(100)
            (raw / "z_replaced.txt").write_bytes(SEEDS[0].read_bytes())
            (raw / "z_fifo.txt").unlink()
            os.mkfifo(raw / "z_fifo.txt")
            (raw / "z_symlinked.txt").unlink()
            os.symlink(SEEDS[4].name, raw / "z_symlinked.txt")
        return parse_bytes(data, name)

    return parse


def test_faults_keep_the_published_copy_and_the_next_refresh_is_clean(seeds_run, tmp_path):
    _, seeds_wh = seeds_run
    tmp = tmp_path / "run"
    (tmp / "wh").mkdir(parents=True)
    for name in ("warehouse.duckdb", "published.duckdb"):  # the state a successful refresh left
        shutil.copy(seeds_wh / name, tmp / "wh" / name)
    raw = tmp / "raw"
    copy_folder(seeds_wh.parent / "raw", raw)
    published = tmp / "wh" / "published.duckdb"
    before, before_digest = published_state(published), digest(published)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SEEDS[0].read_bytes())
    chaos = add_hostile_files(raw, outside)

    # 1. The working database cannot be written (file-size limit): the refresh stops at raw_tables.
    status, err = finish(start_refresh(tmp, raw, file_limit=FILE_LIMIT))
    assert status == 4, err[-3000:]
    message = err.strip().splitlines()[-1]
    assert "the run failed at raw_tables" in message
    assert "warehouse.duckdb" in message and "File too large" in message
    assert digest(published) == before_digest and published_state(published) == before

    # 2. raw/ changes between discovery and parse (library refresh path, real files and DuckDB).
    settings = Settings(db_path=tmp / "wh" / "warehouse.duckdb", raw_dir=raw)
    load_raw(settings, parse=change_raw_during_parse(raw))
    con = duckdb.connect(str(settings.db_path), read_only=True)
    changed = dict(
        con.execute(
            "select file_name, quarantine_message from raw.reports "
            "where quarantine_reason = 'changed_during_refresh'"
        ).fetchall()
    )
    unreadable = dict(
        con.execute(
            "select file_name, quarantine_message from raw.reports where quarantine_reason = 'unreadable'"
        ).fetchall()
    )
    con.close()
    assert set(changed) == {
        "z_deleted.txt",
        "z_truncated.txt",
        "z_replaced.txt",
        "z_fifo.txt",
        "z_symlinked.txt",
    }
    assert all(m.startswith(f"parse: raw/{name} ") for name, m in changed.items())
    assert "removed after discovery" in changed["z_deleted.txt"]
    assert "changed after discovery" in changed["z_truncated.txt"]
    assert "FIFO" in changed["z_fifo.txt"] and "symlink" in changed["z_symlinked.txt"]
    assert "dangling symlink" in unreadable["dangling.txt"] and set(unreadable) >= {"loop_a", "loop_b"}

    # 3. The published copy cannot be written: the real publish step under a file-size limit.
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from dagster_project.defs.publish import PUBLISHED_SCHEMAS\n"
        "from dagster_project.warehouse.publisher import publish\n"
        "from dagster_project.warehouse.settings import Settings\n"
        "publish(Settings(db_path=Path(sys.argv[1]), raw_dir=Path(sys.argv[2])), PUBLISHED_SCHEMAS)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(settings.db_path), str(raw)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT // 4, FILE_LIMIT // 4)),
    )
    assert proc.returncode != 0
    assert ".publish-" in proc.stderr and "File too large" in proc.stderr  # names the file written
    assert digest(published) == before_digest and published_state(published) == before

    # 4. The next refresh completes, and equals a clean refresh of the same folder, which is also the
    #    chaos example through the CLI: every entry listed once, the real reports' numbers unchanged.
    clean = tmp_path / "clean"
    (clean / "wh").mkdir(parents=True)
    copy_folder(raw, clean / "raw")
    ensure_manifest(dbt_project)  # fresh before two refreshes start at once (neither runs dbt parse)
    recovering, from_scratch = start_refresh(tmp, raw), start_refresh(clean, clean / "raw")  # in parallel
    (status, err), (clean_status, clean_err) = finish(recovering), finish(from_scratch)
    assert status == 0, err[-3000:]
    assert clean_status == 0, clean_err[-3000:]
    assert not list(published.parent.glob(".publish-*"))
    assert published_state(published) == published_state(clean / "wh" / "published.duckdb")
    chaos.visible = entries_on_disk(raw)
    check_accounted(published, chaos, seed_cells())
    reasons = dict(_rows(published, "select file_name, quarantine_reason from raw.reports"))
    assert reasons["pipe.txt"] == reasons["z_fifo.txt"] == "not_a_regular_file"
    assert reasons["dangling.txt"] == "unreadable" and "z_deleted.txt" not in reasons
    assert reasons["报告.txt"] is None  # the GBK name loads, readable


def _rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
