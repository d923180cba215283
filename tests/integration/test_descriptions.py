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


def test_the_dagster_ui_shows_the_dbt_descriptions():
    import json

    import dagster as dg

    from dagster_project.dbt_project import dbt_project
    from dagster_project.definitions import defs

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    graph = defs.resolve_asset_graph()
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    for key in graph.get_all_asset_keys():
        spec = graph.get(key)
        if key.path[0] == "marts":
            node = models[key.path[-1]]
            assert node["description"] and spec.description.startswith(node["description"])  # + its SQL
            schema = spec.metadata["dagster/column_schema"]
            shown = {c.name: c.description for c in schema.columns}
            assert shown == {name: col["description"] for name, col in node["columns"].items()}
        elif key.path[0] == "raw":
            source = manifest["sources"][f"source.govreport.raw.{key.path[-1]}"]
            assert spec.description == source["description"]
    assert graph.get(dg.AssetKey("published_exports")).description


def test_make_docs_builds_the_dbt_site(seeds_run, monkeypatch, capsys):
    from dagster_project.cli import main

    _, wh = seeds_run
    monkeypatch.setenv("GOVREPORT_DB", str(wh / "warehouse.duckdb"))
    assert main(["docs"]) == 0
    index = wh / "dbt_docs" / "index.html"
    assert str(index) in capsys.readouterr().out
    html = index.read_text(encoding="utf-8")  # one file: manifest and catalog inlined, opens from disk
    for expected in (
        "Strict reporting identities",  # a model's description
        "How the value was decided",  # a column's description
        "unique_combination_fct_identity_checks",  # a test
        "int_identity_operands",  # lineage: the models a mart depends on
        "DECIMAL(20,6)",  # column types, from the catalog of the working database
    ):
        assert expected in html, expected
    assert (wh / "data_docs" / "index.html").exists()  # the GX Data Docs of the same refresh
