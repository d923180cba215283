"""Publish a read-only copy of the marts for SQL users and BI tools, switched atomically.

The copy is written to a temporary file beside the published path and moved over it with
``os.replace``: a reader holding a connection keeps reading the old file (its inode lives on until
closed) and a new connection sees the new one. A crash before the move leaves the old copy as it was.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from .settings import Settings

TMP_PREFIX = ".publish-"


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
    (comment,) = con.execute(
        "select coalesce("
        "(select comment from duckdb_tables() where database_name = 'src' and schema_name = ? "
        "and table_name = ?), "
        "(select comment from duckdb_views() where database_name = 'src' and schema_name = ? "
        "and view_name = ?))",
        [schema, table, schema, table],
    ).fetchone()
    if comment:
        con.execute(f"comment on table {copy} is {_literal(comment)}")
    for column, text in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'src' "
        "and schema_name = ? and table_name = ? and comment is not null and comment <> '' "
        "order by column_index",
        [schema, table],
    ).fetchall():
        con.execute(f"comment on column {copy}.{_quote(column)} is {_literal(text)}")


def publish(settings: Settings, schemas: tuple[str, ...]) -> dict[str, int]:
    """Copy every table and view of ``schemas`` (views become tables), with their comments, into the
    published file.

    Returns ``{"schema.table": row_count}``.
    """
    clean_stale_temp_files(settings)
    target = settings.published_path
    tmp = target.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}.duckdb")
    counts: dict[str, int] = {}
    con = duckdb.connect()  # in memory: the working database is attached read-only
    try:
        con.execute(f"attach {_quote(str(settings.db_path))} as src (read_only)")
        option = (
            f" (STORAGE_VERSION '{settings.publish_storage_version}')"
            if settings.publish_storage_version
            else ""
        )
        con.execute(f"attach {_quote(str(tmp))} as pub{option}")
        for schema, table in published_tables(con, schemas):
            source, copy = f"src.{_quote(schema)}.{_quote(table)}", f"pub.{_quote(schema)}.{_quote(table)}"
            con.execute(f"create schema if not exists pub.{_quote(schema)}")
            con.execute(f"create table {copy} as select * from {source}")
            _copy_comments(con, schema, table, copy)
            counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {copy}").fetchone()[0]
        con.execute("checkpoint pub")
        con.execute("detach pub")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(tmp)
    os.replace(tmp, target)
    _fsync(target.parent)
    return counts


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
