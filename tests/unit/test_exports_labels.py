"""Label columns left out of the export sort and attached after it give the same frames, in the same order.

``exports.iter_mart`` sorts a large mart without the label columns its code columns decide and joins the
labels back onto each frame (``exports.label_lookups``). These tests hold it to the plain sorted read on
random marts: codes with NULLs, ties broken by later columns, frames of a few rows, and codes that do not
decide their labels (which must stay in the sort).
"""

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.warehouse.exports import MartDoc, iter_mart, label_lookups, mart_docs

LABELS = {"a": ("甲", "A"), "b": ("乙", "B"), "c": ("丙", "C"), None: ("无", None)}

ROW = st.tuples(
    st.sampled_from(["机关一", "机关二", None]),  # agency
    st.sampled_from([2023, 2024, None]),  # report_year
    st.sampled_from(["a", "b", "c", None]),  # outcome_key
    st.integers(1, 3),  # outcome_order
    st.none() | st.integers(0, 9),  # reported_count
    st.sampled_from(["x", "y"]),  # a code the labels do not decide (two labels for "x")
)


def _mart(rows: list[tuple]) -> tuple[duckdb.DuckDBPyConnection, MartDoc]:
    con = duckdb.connect()
    con.execute("create schema main_marts")
    con.execute(
        "create table main_marts.fct_demo (agency varchar, report_year integer, outcome_key varchar, "
        "outcome_order integer, outcome_label_zh varchar, outcome_label_en varchar, reported_count bigint, "
        "side varchar, side_label_zh varchar)"
    )
    for i, (agency, year, key, order, count, side) in enumerate(rows):
        zh, en = LABELS[key]
        side_label = "左" if side == "y" else ("右" if i % 2 else "中")  # "x" has two labels
        con.execute(
            "insert into main_marts.fct_demo values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [agency, year, key, order, zh, en, count, side, side_label],
        )
    return con, next(d for d in mart_docs(con) if d.name == "fct_demo")


def _frames(con, doc, year, labels=None) -> pl.DataFrame:
    frames = list(iter_mart(con, doc, year, rows=3, labels=labels))
    return pl.concat(frames) if frames else pl.DataFrame()


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, max_size=40))
def test_labels_after_the_sort_give_the_same_frames(rows):
    con, doc = _mart(rows)
    labels = label_lookups(con, doc)
    side_labels = con.execute(
        "select count(distinct side_label_zh) from main_marts.fct_demo where side = 'x'"
    ).fetchall()[0][0]
    expected = ["outcome_key"] + (["side"] if side_labels <= 1 else [])
    assert [code for code, _ in labels] == expected  # a code with two labels stays in the sort
    for year in ["all", 2023, 2024, None]:
        plain = _frames(con, doc, year)
        joined = _frames(con, doc, year, labels)
        assert joined.columns == plain.columns
        assert joined.rows() == plain.rows()  # same rows, same order, NULL labels of NULL codes too


def test_a_code_with_two_labels_stays_in_the_sort():
    con, doc = _mart([("机关一", 2024, "a", 1, 1, "x"), ("机关一", 2024, "a", 1, 1, "x")])
    assert [code for code, _ in label_lookups(con, doc)] == ["outcome_key"]
    con.execute("update main_marts.fct_demo set outcome_label_en = 'other' where rowid = 0")
    assert label_lookups(con, doc) == []
