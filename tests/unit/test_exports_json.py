"""List columns in the CSV and XLSX exports are the JSON arrays ``json.dumps`` writes, byte for byte.

``exports._flat`` encodes lists of text and of integers with Polars expressions instead of a Python
call per row; these tests hold it to the reference encoding on any text (every control character,
quotes, backslashes, non-ASCII, line and paragraph separators), NULL items, empty and NULL lists.
"""

import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.warehouse.exports import _flat


def _reference(values: list | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates: not UTF-8


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.lists(st.none() | TEXT, max_size=5), max_size=30))
def test_text_lists_encode_as_json_dumps(rows):
    frame = pl.DataFrame({"names": rows}, schema={"names": pl.List(pl.String)})
    assert _flat(frame)["names"].to_list() == [_reference(r) for r in rows]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt32, pl.UInt64]),
    st.lists(st.none() | st.lists(st.none() | st.integers(0, 127), max_size=5), max_size=30),
)
def test_integer_lists_encode_as_json_dumps(dtype, rows):
    frame = pl.DataFrame({"years": rows}, schema={"years": pl.List(dtype)})
    assert _flat(frame)["years"].to_list() == [_reference(r) for r in rows]


def test_every_control_character_and_escape():
    items = [chr(i) for i in range(0x20)] + ['"', "\\", "/", "\x7f", "\u2028", "\u2029", "政府", "😀", ""]
    frame = pl.DataFrame({"names": [items, [], None, [None]]}, schema={"names": pl.List(pl.String)})
    assert _flat(frame)["names"].to_list() == [_reference(items), "[]", None, "[null]"]


def test_other_columns_are_unchanged_and_in_order():
    frame = pl.DataFrame(
        {
            "report_id": ["a", None],
            "years": [[2021, 2022], None],
            "paths": [[b"\xff\x00"], []],
            "count": [3, None],
        },
        schema={
            "report_id": pl.String,
            "years": pl.List(pl.Int32),
            "paths": pl.List(pl.Binary),
            "count": pl.Int64,
        },
    )
    flat = _flat(frame)
    assert flat.columns == ["report_id", "years", "paths", "count"]
    assert flat.rows() == [("a", "[2021, 2022]", '["ff00"]', 3), (None, None, "[]", None)]
