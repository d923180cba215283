"""The column descriptions written beside the dbt models reach every place a reader looks: the published
copy's comments (a BI tool's column browser), the Dagster UI's asset pages, and the dbt docs site."""

from __future__ import annotations

import duckdb

from .conftest import marts


def _comments(path, schema: str) -> tuple[dict, dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = ?", [schema]
            ).fetchall()
        )
        columns = {
            (t, c): text
            for t, c, text in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = ?",
                [schema],
            ).fetchall()
        }
    finally:
        con.close()
    return tables, columns


def test_comments_survive_publishing(seeds_run):
    _, wh = seeds_run
    working_tables, working_columns = _comments(wh / "warehouse.duckdb", "main_marts")
    published_tables, published_columns = _comments(wh / "published.duckdb", "main_marts")
    assert published_tables == working_tables and published_columns == working_columns
    # Every mart and every column of it is described (persist_docs), so nothing arrives blank.
    assert len(published_tables) >= 7 and all(published_tables.values())
    blank = [key for key, text in published_columns.items() if not text]
    assert not blank, blank
    described = marts(
        wh,
        "select comment from duckdb_columns() where schema_name = 'main_marts' "
        "and table_name = 'fct_applications_by_outcome' and column_name = 'value_status'",
    )
    assert described and "blank" in described[0][0]
