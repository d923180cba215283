"""A real download folder never stops the load: every directory entry, whatever its name or kind, ends
as exactly one path of one raw.reports row (real files, real DuckDB, real worker processes)."""

from __future__ import annotations

import ctypes
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from dagster_project.defs.automation import raw_fingerprint
from dagster_project.warehouse.load import load_raw

from .conftest import SEEDS

GBK_NAME = "报告2023.txt".encode("gbk")  # what unzip leaves for an archive made on Chinese Windows
BAD_NAME = b"bad \xff\xfe name.txt"  # neither UTF-8 nor GB18030
DEEP_PART = b"d" * 200


def query(settings, sql: str, params=None):
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _variant(seed: Path, tag: str) -> bytes:
    """A seed report with a trailing line, so it is its own report (different bytes)."""
    return seed.read_bytes() + f"\n附:{tag}\n".encode()


def _write(raw: Path, rel: bytes, data: bytes) -> None:
    with open(os.path.join(os.fsencode(raw), rel), "wb") as fh:
        fh.write(data)


def _make_deep(raw: Path, levels: int, data: bytes) -> bytes:
    """A file ``levels`` folders deep whose path is longer than PATH_MAX (made with openat)."""
    fd = os.open(raw, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir(DEEP_PART, dir_fd=fd)
            nxt = os.open(DEEP_PART, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        out = os.open(b"deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, data)
        os.close(out)
    finally:
        os.close(fd)
    return b"/".join([DEEP_PART] * levels + [b"deep.txt"])


def _make_socket(raw: Path, name: str) -> None:
    # AF_UNIX paths are limited to ~108 bytes: bind in a short folder, then move the inode into raw/.
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(os.path.join(short, "s"))
            os.rename(os.path.join(short, "s"), raw / name)
        finally:
            sock.close()


def build_hostile_folder(raw: Path, tmp: Path) -> dict[bytes, tuple[str, str | None]]:
    """Add every kind of hostile entry to ``raw``; returns {path bytes: (status, reason)} expected."""
    expected: dict[bytes, tuple[str, str | None]] = {
        os.fsencode(p.name): ("parsed", None) for p in raw.iterdir() if p.is_file()
    }

    def add(rel: bytes, status: str, reason: str | None = None, data: bytes | None = None) -> None:
        if data is not None:
            _write(raw, rel, data)
        expected[rel] = (status, reason)

    add(GBK_NAME, "parsed", data=_variant(SEEDS[1], "gbk"))
    add(BAD_NAME, "parsed", data=_variant(SEEDS[2], "ff"))
    add(b"tab\there\x1bescape.txt", "parsed", data=_variant(SEEDS[3], "ctl"))
    add(b"new\nline.txt", "quarantined", "not_a_report", "一行字\n".encode())
    add(("长" * 83 + ".txt").encode(), "parsed", data=_variant(SEEDS[4], "long"))  # 253 bytes
    (raw / "sub" / "子目录").mkdir(parents=True)
    add("sub/子目录/".encode() + GBK_NAME, "quarantined", "empty", b"")
    expected[_make_deep(raw, 25, _variant(SEEDS[0], "deep"))] = ("parsed", None)
    os.mkfifo(raw / "pipe.txt")
    expected[b"pipe.txt"] = ("quarantined", "not_a_regular_file")
    _make_socket(raw, "socket.txt")
    expected[b"socket.txt"] = ("quarantined", "not_a_regular_file")
    try:
        os.mknod(raw / "device.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
        expected[b"device.txt"] = ("quarantined", "not_a_regular_file")
    except PermissionError:
        pass  # not root: FIFO and socket still cover special files
    os.symlink("sub", raw / "link to folder")
    expected[b"link to folder"] = ("quarantined", "not_a_regular_file")
    os.symlink("missing.txt", raw / "dangling.txt")
    expected[b"dangling.txt"] = ("quarantined", "unreadable")
    os.symlink("loop_b", raw / "loop_a")
    os.symlink("loop_a", raw / "loop_b")
    expected[b"loop_a"] = expected[b"loop_b"] = ("quarantined", "unreadable")
    os.symlink(SEEDS[0].name, raw / "link to 000.txt")  # inside raw/: same bytes, one more path
    expected[b"link to 000.txt"] = ("parsed", None)
    outside = tmp / "outside.txt"
    outside.write_bytes(SEEDS[0].read_bytes())
    os.symlink(outside, raw / "link out.txt")
    expected[b"link out.txt"] = ("quarantined", "symlink_outside_raw")
    add(b"picture.png", "quarantined", "binary", b"\x89PNG\r\n\x1a\n" + bytes(64))
    (raw / ".hidden").write_bytes(b"editor swap file")  # names starting with '.' are skipped
    return expected


def listed(settings) -> dict[bytes, tuple[str, str | None]]:
    """{path bytes: (status, reason)} from raw.reports, asserting every path is listed once."""
    rows = query(settings, "select file_paths_bytes, status, quarantine_reason from raw.reports")
    paths = [bytes(p) for r in rows for p in r[0]]
    assert len(paths) == len(set(paths)), "a path is listed twice"
    return {bytes(p): (status, reason) for paths_, status, reason in rows for p in paths_}


def test_every_entry_of_a_hostile_folder_is_accounted_for_once(settings, raw_dir, tmp_path):
    expected = build_hostile_folder(raw_dir, tmp_path)

    summary = load_raw(settings)

    assert listed(settings) == expected
    assert summary.files == len(expected)
    # Readable forms: GBK decoded (flagged), undecodable bytes escaped, the exact bytes kept.
    names = dict(
        query(
            settings, "select file_paths_bytes[1], [file_name, file_paths[1], path_decoding] from raw.reports"
        )
    )
    assert names[GBK_NAME] == ["报告2023.txt", "报告2023.txt", "gb18030"]
    assert names[BAD_NAME] == ["bad \\xff\\xfe name.txt", "bad \\xff\\xfe name.txt", "escaped"]
    assert names[b"new\nline.txt"][2] == "utf-8"
    deep = next(p for p in expected if p.startswith(DEEP_PART))
    assert len(deep) > 4096 and names[deep][1] == deep.decode()
    messages = dict(query(settings, "select file_name, quarantine_message from raw.reports"))
    assert "FIFO" in messages["pipe.txt"] and "socket" in messages["socket.txt"]
    assert "dangling symlink" in messages["dangling.txt"]
    # The symlink inside raw/ is one more path of the report it points to.
    paths = query(
        settings, "select file_paths from raw.reports where list_contains(file_paths, ?)", ["link to 000.txt"]
    )
    assert sorted(paths[0][0]) == sorted([SEEDS[0].name, "link to 000.txt"])

    # A second load changes nothing and parses nothing; the sensor's fingerprint reads the same folder.
    before = query(settings, "select * exclude (loaded_at) from raw.reports order by report_id")
    again = load_raw(settings)
    assert again.reparsed == 0
    assert query(settings, "select * exclude (loaded_at) from raw.reports order by report_id") == before
    assert raw_fingerprint(raw_dir) == raw_fingerprint(raw_dir)


def _without_permission_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so root
    after exec obeys file permissions like any user (the tests run as root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_file_and_folder_without_read_permission(tmp_path):
    """Permissions, for real: the load runs in a process that cannot read what it is not allowed to."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    (raw / "locked.txt").write_bytes(SEEDS[1].read_bytes())
    (raw / "locked dir").mkdir()
    (raw / "locked dir" / "inside.txt").write_bytes(SEEDS[2].read_bytes())
    (raw / "locked.txt").chmod(0)
    (raw / "locked dir").chmod(0)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from dagster_project.warehouse.settings import Settings\n"
        "from dagster_project.warehouse.load import load_raw\n"
        "s = Settings(db_path=Path(sys.argv[1]), raw_dir=Path(sys.argv[2]))\n"
        "print(load_raw(s).quarantined)\n"
    )
    db = tmp_path / "wh" / "warehouse.duckdb"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(db), str(raw)],
            preexec_fn=_without_permission_override if os.geteuid() == 0 else None,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        (raw / "locked.txt").chmod(0o644)
        (raw / "locked dir").chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute(
            "select file_paths[1], [status, quarantine_reason, quarantine_message] from raw.reports"
        ).fetchall()
    )
    con.close()
    assert rows[SEEDS[0].name][0] == "parsed"
    assert rows["locked.txt"][:2] == ["quarantined", "unreadable"]
    assert "Permission denied" in rows["locked.txt"][2]
    assert rows["locked dir"][:2] == ["quarantined", "unreadable"]  # a folder it cannot list
