"""Publish a read-only copy of the marts for SQL users and BI tools, switched atomically.

``published.duckdb`` is a symlink to the current published file, a hidden sibling
``.published-<id>.duckdb``. A publish writes a file readers cannot reach (``.publish-<id>.duckdb``
while it is written), gives it a version name and renames a new symlink over ``published.duckdb``:
a reader holding a connection keeps reading its file (its inode lives on until closed) and a new
connection sees the new one. A crash before the switch leaves the published copy as it was.

The file written is the previous published file when no connection has it open (DuckDB refuses to
open a file for writing that another process holds or this process has attached), else a byte copy
of the current file. Only what changed since it was published is written into it: small tables are
replaced whole; a large table keyed by ``report_id`` gets the rows of the reports whose
``raw.reports`` row changed (new, gone, re-parsed, renamed, canonical in or out) deleted and inserted
again, and is then compared with the working database (row count and an order-independent sum of row
hashes); any difference and the table is copied whole. The current and the previous published files
are kept; older ones are deleted (a reader holding one keeps reading it).
Folders published beside it (the exports, the Data Docs) are switched the same way: ``publish_directory``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from .settings import Settings

TMP_PREFIX = ".publish-"  # a file being written: removed by the next publish
VERSION_PREFIX = ".published-"  # a published file; ``published.duckdb`` links to the current one
DELTA_MIN_ROWS = 20_000  # smaller tables are simply copied whole


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def clean_stale_temp_files(settings: Settings) -> int:
    removed = 0
    for path in settings.published_path.parent.glob(f"{TMP_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def published_tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'src' and list_contains(?, table_schema) "
        "order by table_schema, table_name",
        [list(schemas)],
    ).fetchall()
    return [(s, t) for s, t in rows]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str, copy: str) -> None:
    """Re-apply the table and column comments of ``src.schema.table`` (dbt's persisted docs) to ``copy``.

    ``create table ... as select`` carries data, not comments; without this a BI tool's column
    browser on the published copy shows no descriptions. A view's comment becomes its table's.
    """
    comment, current = con.execute(
        "select coalesce("
        "(select comment from duckdb_tables() where database_name = 'src' and schema_name = $1 "
        "and table_name = $2), "
        "(select comment from duckdb_views() where database_name = 'src' and schema_name = $1 "
        "and view_name = $2)), "
        "(select comment from duckdb_tables() where database_name = 'pub' and schema_name = $1 "
        "and table_name = $2)",
        [schema, table],
    ).fetchone()
    if comment and comment != current:  # a table kept from the previous copy keeps its comments
        con.execute(f"comment on table {copy} is {_literal(comment)}")
    for column, text in con.execute(
        "select s.column_name, s.comment from duckdb_columns() s "
        "left join duckdb_columns() p on p.database_name = 'pub' and p.schema_name = s.schema_name "
        "and p.table_name = s.table_name and p.column_name = s.column_name "
        "where s.database_name = 'src' and s.schema_name = $1 and s.table_name = $2 "
        "and s.comment is not null and s.comment <> '' and p.comment is distinct from s.comment "
        "order by s.column_index",
        [schema, table],
    ).fetchall():
        con.execute(f"comment on column {copy}.{_quote(column)} is {_literal(text)}")


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def _fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple:
    return con.execute(f"select count(*), sum(hash(t)::hugeint) from {relation} as t").fetchone()


def _changed_reports(con: duckdb.DuckDBPyConnection) -> bool:
    """Fill the temporary table ``changed_reports`` with the report_ids whose raw.reports row differs
    between the working database and the published copy; False when they cannot be compared."""
    src, pub = _columns(con, "src", "raw", "reports"), _columns(con, "pub", "raw", "reports")
    if not src or src != pub:
        return False
    con.execute(
        "create or replace temp table changed_reports as "
        "select report_id from (select * from src.raw.reports except all select * from pub.raw.reports) "
        "union select report_id from (select * from pub.raw.reports except all select * from src.raw.reports)"
    )
    return True


def _update_in_place(con: duckdb.DuckDBPyConnection, source: str, copy: str) -> bool:
    """Replace the rows of the changed reports in ``copy``; True when it then equals ``source``."""
    changed = "report_id in (select report_id from changed_reports)"
    con.execute(f"delete from {copy} where {changed}")
    con.execute(f"insert into {copy} select * from {source} where {changed}")
    return _fingerprint(con, source) == _fingerprint(con, copy)


def _current(target: Path) -> Path | None:
    """The file readers open through ``target``: its symlink's file, or a plain file from before."""
    if target.is_symlink():
        path = target.parent / os.readlink(target)
        return path if path.is_file() else None
    return target if target.is_file() else None


def _earlier_versions(target: Path, current: Path | None) -> list[Path]:
    """Published files older than the current one, newest first."""
    found = [
        p
        for p in target.parent.glob(f"{VERSION_PREFIX}*.duckdb")
        if p.is_file() and not p.is_symlink() and p != current
    ]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def _not_open(path: Path) -> bool:
    """Whether no connection has ``path`` open: DuckDB refuses to open a file for writing that another
    process holds (a file lock) or that this process has attached (by its resolved path)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {_quote(str(path))} as probe")
        con.execute("detach probe")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def _start_from(target: Path, tmp: Path) -> Path | None:
    """Put the file this publish updates at ``tmp`` and return the one it started from (None: none).

    The previous published file, which readers no longer reach through ``target``, is reused when no
    connection has it open: only the reports that changed since it was published are written into it,
    instead of copying the whole current file first (816 MB at 100,000 reports). Otherwise ``tmp``
    starts as a byte copy of the current file."""
    current = _current(target)
    earlier = _earlier_versions(target, current)
    if earlier and _not_open(earlier[0]):
        os.rename(earlier[0], tmp)
        return earlier[0]
    if current is None:
        return None
    try:
        shutil.copyfile(current, tmp)
    except OSError as exc:  # name the file written (a full disk, a file-size limit)
        raise OSError(exc.errno, f"Could not write file {str(tmp)!r}: {exc.strerror}") from exc
    return current


def _relink(target: Path, version: Path, link: Path) -> None:
    """Point the symlink ``target`` at its sibling ``version`` in one step: a new link named ``link``
    is renamed over it (``os.replace``, atomic), and the folder is flushed."""
    os.symlink(version.name, link)
    os.replace(link, target)
    _fsync(target.parent)


def _switch(target: Path, tmp: Path) -> None:
    """Make ``tmp`` the published file: it gets a version name and ``target`` (a symlink) points to it,
    switched with one rename; the previous file stays for the next publish, older ones go."""
    previous = _current(target)
    version = target.with_name(f"{VERSION_PREFIX}{uuid.uuid4().hex}.duckdb")
    os.rename(tmp, version)
    if previous is not None and previous == target:  # a plain file from before: keep it as a version
        kept = target.with_name(f"{VERSION_PREFIX}{uuid.uuid4().hex}.duckdb")
        os.link(target, kept)
        previous = kept
    _relink(target, version, target.with_name(f"{TMP_PREFIX}link-{uuid.uuid4().hex}"))
    for old in _earlier_versions(target, version):
        if old != previous:
            old.unlink(missing_ok=True)  # a reader holding it keeps reading it (the inode lives on)


def publish(settings: Settings, schemas: tuple[str, ...]) -> dict[str, int]:
    """Bring the published file in line with every table and view of ``schemas`` (views become tables),
    with their comments.

    Returns ``{"schema.table": row_count}``.
    """
    clean_stale_temp_files(settings)
    target = settings.published_path
    tmp = target.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}.duckdb")
    counts: dict[str, int] = {}
    con = None
    try:
        base = _start_from(target, tmp)
        con = duckdb.connect()  # in memory: the working database is attached read-only
        con.execute(f"attach {_quote(str(settings.db_path))} as src (read_only)")
        option = (
            f" (STORAGE_VERSION '{settings.publish_storage_version}')"
            if settings.publish_storage_version and base is None
            else ""
        )
        con.execute(f"attach {_quote(str(tmp))} as pub{option}")
        wanted = published_tables(con, schemas)
        for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'pub'"
        ).fetchall():
            if (schema, table) not in wanted:
                con.execute(f"drop table pub.{_quote(schema)}.{_quote(table)}")
        comparable = base is not None and _changed_reports(con)
        for schema, table in wanted:
            source, copy = f"src.{_quote(schema)}.{_quote(table)}", f"pub.{_quote(schema)}.{_quote(table)}"
            con.execute(f"create schema if not exists pub.{_quote(schema)}")
            columns = _columns(con, "src", schema, table)
            updated = False
            if (
                comparable
                and _columns(con, "pub", schema, table) == columns
                and any(c == "report_id" for c, _ in columns)
            ):
                rows = con.execute(f"select count(*) from {source}").fetchone()[0]
                if rows >= DELTA_MIN_ROWS:
                    updated = _update_in_place(con, source, copy)
            if not updated:
                con.execute(f"create or replace table {copy} as select * from {source}")
            _copy_comments(con, schema, table, copy)
            counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {copy}").fetchone()[0]
        con.execute("checkpoint pub")
        con.execute("detach pub")
    except BaseException:
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(tmp)
    _switch(target, tmp)
    return counts


T = TypeVar("T")
STALE_BUILD_SECONDS = 24 * 3600  # an unfinished build older than this was left by a dead process
SUPERSEDED_SECONDS = 60  # an older published folder, neither current nor previous, goes after this


def publish_directory(target: Path, build: Callable[[Path], T]) -> T:
    """Fill a new folder with ``build(folder)`` and switch ``target`` to it in one step.

    ``target`` is a symlink to a hidden sibling ``.<name>-<time>-<id>``. The new folder is built under
    a temporary name, flushed to disk and renamed; then a new symlink is renamed over ``target``
    (``os.replace``, atomic). A reader sees the old folder or the new one, never a mix, and a crash
    leaves the old one published. The previous folder is kept (a reader may still be in it); older
    ones go.
    """
    parent, name = target.parent, target.name
    parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:8]
    building = parent / f".{name}-building-{token}"
    version = parent / f".{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{token}"
    try:
        result = build(building)
        _fsync_tree(building)
        os.rename(building, version)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    previous = os.readlink(target) if target.is_symlink() else None
    if target.exists() and not target.is_symlink():  # a plain folder from before: moved aside once
        os.rename(target, parent / f".{name}-00000000T000000-{token}")
    _relink(target, version, parent / f".{name}-link-{token}")
    _prune(parent, name, keep={version.name, previous})
    return result


def _prune(parent: Path, name: str, keep: set[str | None]) -> None:
    versions = re.compile(rf"\.{re.escape(name)}-\d{{8}}T\d{{6}}-[0-9a-f]{{8}}")
    leftovers = re.compile(rf"\.{re.escape(name)}-(building|link)-[0-9a-f]{{8}}")
    now = time.time()
    for path in parent.iterdir():
        if path.name in keep:
            continue
        age = now - path.lstat().st_mtime
        if versions.fullmatch(path.name) and path.is_dir() and not path.is_symlink():
            if age > SUPERSEDED_SECONDS:  # younger: another process may be about to switch to it
                shutil.rmtree(path, ignore_errors=True)
        elif leftovers.fullmatch(path.name) and age > STALE_BUILD_SECONDS:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _fsync_tree(folder: Path) -> None:
    for root, dirs, files in os.walk(folder):
        for entry in files + dirs:
            _fsync(Path(root) / entry)
    _fsync(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
