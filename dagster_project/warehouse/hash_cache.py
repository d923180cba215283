"""The sha256 of every file under raw/, kept between refreshes so unchanged files are not read again.

A refresh of 100,000 files would otherwise read and hash every byte of raw/ to find the one new
file. A cached hash is reused only when the file's device, inode, size, mtime *and* ctime are all
what they were when it was hashed, and the file had not changed within ``files.RACY_NS`` (2 s)
before that hashing. Why that is safe:

- Writing a file's bytes updates its mtime and ctime; replacing it (``mv``, ``cp`` over, an editor
  saving) gives a new inode or a new ctime. ``touch -d`` / ``os.utime`` can set the mtime back, and
  a rewrite can keep the size, but the kernel sets ctime to the current time on every data or
  metadata change, and no system call sets it back: restoring size and mtime still changes ctime.
- A change within the same timestamp tick as the hashing could leave all five fields equal (ctime
  has the granularity of the kernel's clock tick, coarser on some file systems). So an entry whose
  ctime is within 2 s before its hashing is "racily clean" (git's term) and is hashed again next time.

What it does not catch: a change that leaves ctime as it was, which takes setting the system clock
back, writing to the block device underneath the file system, or a file system that does not keep
ctime (some FUSE and network mounts). For those, ``GOVREPORT_REHASH=1`` hashes every file again,
and deleting the working database rebuilds everything. The parse worker reads the bytes again and
checks them against the hash it was given, so a file that changes *during* a refresh is still caught
(``changed_during_refresh``).

The cache is a table of the working database (schema ``ingest``, not published), written in the
load's transaction, keyed by the path's bytes.
"""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

from .files import RawFile, pack_stat_key, unpack_stat_key
from .writer import run_on

DDL = (
    "create schema if not exists ingest",
    """
    create table if not exists ingest.file_hashes (
        path blob not null,            -- relative to raw/, as the file system holds it
        dev ubigint not null,
        ino ubigint not null,
        size_bytes bigint not null,
        mtime_ns bigint not null,
        ctime_ns bigint not null,
        hashed_at_ns bigint not null,  -- when the bytes were read and hashed (time.time_ns)
        sha256 varchar not null
    )
    """,
)
_COLUMNS = ("path", "dev", "ino", "size_bytes", "mtime_ns", "ctime_ns", "hashed_at_ns", "sha256")
_TYPES = (pa.binary(), pa.uint64(), pa.uint64(), pa.int64(), pa.int64(), pa.int64(), pa.int64(), pa.string())


def create(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL:
        con.execute(ddl)


def read(con: duckdb.DuckDBPyConnection) -> dict[bytes, tuple]:
    """path bytes -> (packed stat key (``files.pack_stat_key``), hashed_at_ns, sha256); empty when
    ``GOVREPORT_REHASH`` is set (every file is hashed again)."""
    if os.environ.get("GOVREPORT_REHASH", "").strip() not in ("", "0"):
        return {}
    rows = con.execute(f"select {', '.join(_COLUMNS)} from ingest.file_hashes").fetchall()
    return {bytes(r[0]): (pack_stat_key(*r[1:6]), r[6], r[7]) for r in rows}


def write(con: duckdb.DuckDBPyConnection, files: list[RawFile]) -> None:
    """Keep the entries of the files hashed now and of those still present; drop the others."""
    hashed = [f for f in files if f.sha256 is not None and f.stat_key is not None]
    fresh = [f for f in hashed if f.hashed_now]
    present = pa.table({"path": pa.array([f.path_bytes for f in hashed], type=pa.binary())})
    keys = [unpack_stat_key(f.stat_key) for f in fresh]  # type: ignore[arg-type]
    columns = [
        [f.path_bytes for f in fresh],
        *([k[i] for k in keys] for i in range(5)),
        [f.hashed_at for f in fresh],
        [f.sha256 for f in fresh],
    ]
    rows = pa.table({c: pa.array(v, type=t) for c, v, t in zip(_COLUMNS, columns, _TYPES, strict=True)})
    # run_on, not con.register: a registered table would stay in memory until the commit (writer.py).
    run_on(con, present, "delete from ingest.file_hashes where path not in (select path from arrow_rows)")
    run_on(con, rows, "delete from ingest.file_hashes where path in (select path from arrow_rows)")
    run_on(con, rows, f"insert into ingest.file_hashes select {', '.join(_COLUMNS)} from arrow_rows")
