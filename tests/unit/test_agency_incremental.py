"""The agency table updated in part (warehouse/analysis_store.update_agency_names, which rebuilds only the
names agency.affected_names reaches) equals the table built whole from the same reports and mentions,
after every step of a random history of new, removed and changed reports and stated renames."""

from __future__ import annotations

import random

import duckdb
import polars as pl
import pytest

from dagster_project.analysis.agency import agency_table
from dagster_project.warehouse.analysis_store import SCHEMA, _ddl, _tables, agency_inputs, update_agency_names

# Places that share divisions, prefixes, OCR look-alikes (沭阳/沐阳), a Traditional spelling, a zone and
# a place the divisions do not hold; remainders that are variants (局, 办公室) and renames of each other.
PLACES = ["淮安市洪泽区", "洪泽区", "淮安市洪澤區", "沭阳县", "沐阳县", "三明市", "福建省三明市",
          "平潭综合实验区", "甲市", "甲 市"]  # fmt: skip
RESTS = ["人民政府", "政府", "", "财政局", "財政局", "财政局办公室", "城市管理", "城市管理局",
         "城市管理和综合执法局", "投资促进局", "国有资产管理局", "人民政府办公室", "水利局"]  # fmt: skip
KINDS = ["renamed", "renamed_from", "signed_as"]


def _name(rng: random.Random) -> str:
    return rng.choice(PLACES) + rng.choice(RESTS)


def _mentioned(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.3:
        return "经批准由" + _name(rng)  # a clause that starts before the name
    if roll < 0.4:
        return rng.choice(RESTS[3:])  # a bare remainder: found only as the end of a longer name
    return _name(rng)


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.reports (report_id varchar, agency varchar, report_year integer, status varchar)"
    )
    con.execute(f"create schema {SCHEMA}")
    for table, schema in _tables().items():
        con.execute(_ddl(table, schema))
    return con


def _step(con: duckdb.DuckDBPyConnection, rng: random.Random, serial: list[int]) -> None:
    ids = [rid for (rid,) in con.execute("select report_id from raw.reports").fetchall()]
    roll = rng.random()
    if roll < 0.45 or len(ids) < 3:
        serial[0] += 1
        rid = f"r{rng.randrange(10**6):06d}-{serial[0]}"  # new reports fall anywhere in report_id order
        status = "parsed" if rng.random() < 0.95 else "quarantined"
        agency = _name(rng) if rng.random() < 0.97 else None
        con.execute(
            "insert into raw.reports values (?, ?, ?, ?)", [rid, agency, rng.randint(2019, 2024), status]
        )
    elif roll < 0.6:
        con.execute("delete from raw.reports where report_id = ?", [rng.choice(ids)])
    elif roll < 0.7:
        con.execute("update raw.reports set agency = ? where report_id = ?", [_name(rng), rng.choice(ids)])
    elif roll < 0.78:
        con.execute(
            "update raw.reports set report_year = ? where report_id = ?",
            [rng.randint(2019, 2024), rng.choice(ids)],
        )
    elif roll < 0.93:
        old, new = _mentioned(rng), _mentioned(rng)
        con.execute(
            f"insert into {SCHEMA}.agency_mentions values (?, 'v', ?, ?, ?, ?, ?, '')",
            [rng.choice(ids), rng.choice(KINDS), old, new, rng.randrange(50), 0],
        )
    else:
        con.execute(
            f"delete from {SCHEMA}.agency_mentions where report_id = "
            f"(select report_id from {SCHEMA}.agency_mentions using sample 1 rows)"
        )


def _whole(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The table built whole, afresh (no kept facts), from the same inputs."""
    return agency_table(*agency_inputs(con))


@pytest.mark.parametrize("seed", range(3))
def test_the_table_updated_in_part_equals_the_table_built_whole(seed):
    rng = random.Random(seed)
    con = _con()
    serial = [0]
    partial_updates = 0
    for i in range(120):
        for _ in range(rng.choice([1, 1, 1, 2, 5])):
            _step(con, rng, serial)
        if i % 40 == 39:  # the facts lost (their table is dropped when its columns change): made again
            con.execute(f"delete from {SCHEMA}.agency_name_facts")
        kept = con.execute(f"select count(*) from {SCHEMA}.agency_name_inputs").fetchall()[0][0]
        update_agency_names(con)
        partial_updates += kept > 0
        got = con.sql(f"select * from {SCHEMA}.agency_names order by agency").pl()
        want = _whole(con).sort("agency")
        assert got.equals(want), (seed, got.join(want, on=got.columns, how="anti"))
    assert partial_updates > 100  # the partial path ran, not only the whole build


# Each history needs one kind of link to reach a name whose row changes: the partial update is wrong
# without it (a change of year that lets a variant link; a withdrawn rename; a new name a report had
# mentioned before it existed, whole or as the end of a clause; a rename to a name that exists, by its
# division or as the end of a clause; a new or a gone OCR look-alike).
HISTORIES = {
    "variant": [("add", "a", "洪泽区城市管理", 2020), ("add", "b", "洪泽区城市管理局", 2020),
                ("year", "b", 2021)],
    "withdrawn rename": [("add", "a", "甲市财政局", 2020), ("add", "b", "甲市投资局", 2021),
                         ("mention", "b", "甲市财政局", "甲市投资局"), ("unmention", "b")],
    "mentioned before it existed": [("add", "a", "甲市投资局", 2021), ("mention", "a", "甲市财政局", None),
                                    ("add", "b", "甲市财政局", 2020)],
    "end of a clause": [("add", "a", "沭阳县城市管理和综合执法局", 2023),
                        ("mention", "a", "经批准由沭阳县城市管理局", None),
                        ("add", "b", "沭阳县城市管理局", 2022)],
    "rename to a known name": [("add", "a", "淮安市洪泽区城市管理局", 2020),
                               ("add", "b", "洪泽区综合执法局", 2021),
                               ("mention", "c", "洪泽区城市管理局", None),
                               ("add", "c", "洪泽区综合执法局", 2022)],
    "rename to the end of a clause": [("add", "a", "沭阳县城市管理局", 2022),
                                      ("mention", "b", "经批准由沭阳县城市管理局", None),
                                      ("add", "b", "沭阳县城市管理和综合执法局", 2023)],
    "new look-alike": [("add", "a", "沭阳县水利局", 2021), ("add", "b", "沐阳县水利局", 2022)],
    "gone look-alike": [("add", "a", "沭阳县水利局", 2021), ("add", "b", "沐阳县水利局", 2022),
                        ("remove", "b")],
}  # fmt: skip


def _apply(con: duckdb.DuckDBPyConnection, step: tuple) -> None:
    kind, rid, *args = step
    if kind == "add":
        con.execute("insert into raw.reports values (?, ?, ?, 'parsed')", [rid, *args])
    elif kind == "year":
        con.execute("update raw.reports set report_year = ? where report_id = ?", [*args, rid])
    elif kind == "remove":
        con.execute("delete from raw.reports where report_id = ?", [rid])
    elif kind == "mention":
        con.execute(
            f"insert into {SCHEMA}.agency_mentions values (?, 'v', 'renamed', ?, ?, 0, 0, '')", [rid, *args]
        )
    else:
        con.execute(f"delete from {SCHEMA}.agency_mentions where report_id = ?", [rid])


@pytest.mark.parametrize("history", HISTORIES)
def test_each_kind_of_link_reaches_the_rows_it_changes(history):
    con = _con()
    # Unrelated agencies around: the partial update has rows to leave alone.
    con.executemany(
        "insert into raw.reports values (?, ?, 2022, 'parsed')",
        [(f"z{i}", f"某{i}县人民政府") for i in range(20)],
    )
    update_agency_names(con)
    for step in HISTORIES[history]:
        _apply(con, step)
        update_agency_names(con)
        got = con.sql(f"select * from {SCHEMA}.agency_names order by agency").pl()
        assert got.equals(_whole(con).sort("agency")), (history, step)


def test_a_change_reaches_few_names(tmp_path):
    """A new report of a new agency among unrelated ones rebuilds a handful of rows, not the table."""
    con = _con()
    rows = [(f"r{i:05d}", f"某{i}县人民政府", 2022, "parsed") for i in range(2000)]
    con.executemany("insert into raw.reports values (?, ?, ?, ?)", rows)
    update_agency_names(con)
    con.execute("insert into raw.reports values ('r99999', '沭阳县财政局', 2023, 'parsed')")
    from dagster_project.warehouse import analysis_store

    seen: list[set[str]] = []
    original = analysis_store.affected_names

    def spy(names, graph):
        out = original(names, graph)
        seen.append(out)
        return out

    analysis_store.affected_names = spy
    try:
        update_agency_names(con)
    finally:
        analysis_store.affected_names = original
    assert seen == [{"沭阳县财政局"}]
    assert (
        con.sql(f"select * from {SCHEMA}.agency_names order by agency")
        .pl()
        .equals(_whole(con).sort("agency"))
    )
