"""The agency names' facts kept across refreshes (warehouse/analysis_store.py) give the same agency table
as facts computed afresh, and are dropped when their version or their name goes."""

from __future__ import annotations

import duckdb
import polars as pl

from dagster_project.analysis.agency import agency_table
from dagster_project.warehouse.analysis_store import (
    NAME_FACTS_SCHEMA,
    SCHEMA,
    _ddl,
    _ensure_facts,
    _load_facts,
    _prune_facts,
)

NAMES = ["淮安市洪泽区人民政府", "洪泽区人民政府", "淮安市洪澤區財政局", "沭阳县市场监督管理局", "财政局",
         "平潭综合实验区管委会办公室", "三明市政府办公室", "福建省三明市人民政府", "某某县人民政府",
         "朝阳区人民政府", "泺阳县人民政府"]  # fmt: skip


def _con(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(f"create schema {SCHEMA}")
    con.execute(_ddl("agency_name_facts", NAME_FACTS_SCHEMA))
    return con


def _name_facts(con: duckdb.DuckDBPyConnection, names: set[str]) -> dict:
    """What a whole build of the agency table does with the facts (analysis_store.update_agency_names)."""
    _ensure_facts(con, names)
    _prune_facts(con, names)
    return _load_facts(con, names)


def _count(con, where: str = "true") -> int:
    return con.execute(f"select count(*) from {SCHEMA}.agency_name_facts where {where}").fetchall()[0][0]


def test_kept_facts_give_the_table_computed_afresh(tmp_path):
    con = _con(tmp_path)
    reports = pl.DataFrame(
        [(name, 2020 + i % 3, f"r{i}") for i, name in enumerate(NAMES)],
        schema=["agency", "report_year", "report_id"],
        orient="row",
    )
    mentions = pl.DataFrame(
        [("r1", "renamed_from", "淮安市洪泽区人民政府", None)],
        schema={"report_id": pl.String, "kind": pl.String, "old_name": pl.String, "new_name": pl.String},
        orient="row",
    )
    computed = _name_facts(con, set(NAMES))
    assert _count(con) == len(NAMES)
    kept = _name_facts(con, set(NAMES))
    assert kept == computed
    assert agency_table(reports, mentions, kept).equals(agency_table(reports, mentions))


def test_facts_of_another_version_or_a_gone_name_are_dropped(tmp_path):
    con = _con(tmp_path)
    _name_facts(con, set(NAMES))
    con.execute(f"update {SCHEMA}.agency_name_facts set facts_version = 'old', name_rest = 'stale' "
                f"where agency_name = '{NAMES[0]}'")  # fmt: skip
    facts = _name_facts(con, set(NAMES[:-1]))
    assert facts[NAMES[0]][1].rest != "stale"  # recomputed, not read from the old version
    assert _count(con) == len(NAMES) - 1 and _count(con, "facts_version = 'old'") == 0
