"""Hypothesis strategies for canonical records of both formats (and the mixed 2021/2019 layout)."""

from __future__ import annotations

from hypothesis import strategies as st
from opencc import OpenCC

from dagster_project.govreport import template

_S2T, _T2S = OpenCC("s2t"), OpenCC("t2s")
_AGENCIES = [
    "大同市人民政府办公室",
    "瑞金市人民政府",
    "招远市人民政府",
    "忻州市民政局",
    "淮安市洪泽区人民政府",
    "示例县交通运输局",
    "某某市生态环境局",
    "平潭综合实验区管理委员会",
    "沭阳县人民政府",
    "上海市人民政府办公厅",
]
# Names that survive Simplified -> Traditional -> Simplified (so the mirror layout can round-trip).
AGENCIES = [a for a in _AGENCIES if _T2S.convert(_S2T.convert(a)) == a]

# Mostly zero, some small, a few large: the shape of real reports.
counts = st.one_of(st.just(0), st.just(0), st.integers(1, 9), st.integers(10, 300), st.integers(1000, 400000))
amounts = st.one_of(st.just(0), st.integers(1, 99999), st.decimals(0, 99999, places=2).map(float))
_RESULT_GROUPS = ("granted", "partially_granted", "denied", "unavailable", "not_processed", "other")


@st.composite
def table3(draw, layout: str, nulls: bool) -> dict:
    keys = template.table3_rows(layout)
    results = [k for k in keys if template.row_group(k) in _RESULT_GROUPS]
    columns: list[dict[str, int]] = []
    for _ in range(6):
        col = {k: draw(st.one_of(st.just(0), st.just(0), st.just(0), st.integers(1, 40))) for k in results}
        total = sum(col.values())
        forward = draw(st.integers(0, 20))
        carried = draw(st.integers(0, min(forward + total, 30)))
        col.update(total_processed=total, carried_forward=forward, carried_over=carried,
                   new_received=total + forward - carried)  # fmt: skip
        columns.append(col)
    rows = {k: [c[k] for c in columns] + [sum(c[k] for c in columns)] for k in keys}
    if nulls and draw(st.booleans()):
        # Only the natural-person column filled (seeds 003/004).
        rows = {k: [v[0]] + [None] * 6 for k, v in rows.items()}
    return rows


@st.composite
def records(draw) -> dict:
    fmt = draw(st.sampled_from([template.FORMAT_2021, template.FORMAT_2019]))
    layout = fmt if fmt == template.FORMAT_2019 else draw(st.sampled_from(["2021", "2021", "2019"]))
    year = draw(st.integers(2019, 2020) if fmt == "2019" else st.integers(2021, 2025))
    t2 = {}
    for spec in template.table2_rows(fmt):
        for key in spec.keys:
            if key.endswith("items_change"):
                t2[key] = draw(st.integers(-30, 30))
            elif spec.amount and key.endswith("_yuan"):
                t2[key] = draw(amounts)
            else:
                t2[key] = draw(counts)
            if draw(st.integers(0, 9)) == 0:
                t2[key] = None  # blank cell
    t4 = {}
    for block in ("review", "litigation_direct", "litigation_after_review"):
        parts = [draw(st.one_of(st.just(0), st.just(0), st.integers(1, 12))) for _ in range(4)]
        t4.update(
            zip([f"{block}_{r}" for r in ("upheld", "corrected", "other", "pending")], parts, strict=True)
        )
        t4[f"{block}_total"] = sum(parts)
    return {
        "file": "x.txt",
        "agency": draw(st.sampled_from(AGENCIES)),
        "year": year,
        "format": fmt,
        "table2": t2,
        "table3": draw(table3(layout, nulls=True)),
        "table4": t4,
    }
