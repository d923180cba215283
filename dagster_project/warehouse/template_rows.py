"""raw.template_rows: the official template as a table, from the parser's own template data."""

from __future__ import annotations

from dagster_project.govreport import template

COLUMNS = (
    "table_name", "format", "row_key", "col_key", "row_order", "col_order", "group_key", "group_order",
    "label_zh", "label_en", "group_label_zh", "group_label_en", "col_label_zh", "col_label_en",
)  # fmt: skip


def template_rows() -> list[tuple]:
    data = template.raw()
    rows: list[tuple] = []
    for fmt in (template.FORMAT_2021, template.FORMAT_2019):
        order = 0
        for t2 in data["table2"][fmt]:
            for key, col_label, english in t2["cells"]:
                order += 1
                rows.append(
                    (
                        "table2",
                        fmt,
                        key,
                        "value",
                        order,
                        1,
                        t2["clause"],
                        None,
                        f"{t2['label']} {col_label}",
                        english,
                        t2["label"],
                        None,
                        col_label,
                        None,
                    )
                )
    groups = {g["group"]: (i, g) for i, g in enumerate(data["table3_groups"], start=1)}
    columns = data["table3_columns"]
    for fmt in (template.FORMAT_2021, template.FORMAT_2019):
        keys = template.table3_rows(fmt)
        for r in data["table3_rows"]:
            if r["key"] not in keys:
                continue
            g_order, g = groups[r["group"]]
            for c_order, col in enumerate(columns, start=1):
                rows.append(
                    (
                        "table3",
                        fmt,
                        r["key"],
                        col["key"],
                        keys.index(r["key"]) + 1,
                        c_order,
                        r["group"],
                        g_order,
                        r["label"],
                        r["english"],
                        g["label_zh"],
                        g["english"],
                        col["label"],
                        col["english"],
                    )
                )
    for fmt in (template.FORMAT_2021, template.FORMAT_2019):
        for b_order, block in enumerate(data["table4"]["blocks"], start=1):
            for r_order, res in enumerate(data["table4"]["results"], start=1):
                rows.append(
                    (
                        "table4",
                        fmt,
                        block["key"],
                        res["key"],
                        b_order,
                        r_order,
                        None,
                        None,
                        block["label"],
                        block["english"],
                        None,
                        None,
                        res["label"],
                        res["english"],
                    )
                )
    return rows
