"""Render a canonical record back into report text, in each layout real reports use.

Used by the round-trip property tests and by the benchmark's corpus generator: every layout the
parser reads can be produced from a record whose numbers are known.
"""

from __future__ import annotations

import random
from functools import cache

from opencc import OpenCC

from . import template

LAYOUTS = ("pipe_cells", "blank_line_cells", "pipe_rows", "markdown", "flat", "traditional")
BASE_LAYOUTS = LAYOUTS[:-1]
# What crawlers make of the same pages (issue 9): a whole table fused on one line, digits running
# into the next row's number; one cell per line with labels broken over lines; a crawler that
# dropped consecutive identical lines; spaces that print only some cell boundaries.
CRAWL_LAYOUTS = ("flat_crawl", "split_labels", "collapsed", "spaced")
_JUNK = ("首页 > 政务公开 > 政府信息公开年报", "分享到: 微信 微博 QQ空间   【打印】 【关闭】")
# Pinyin that mirror sites inject after Traditional characters (FORMAT_SPEC §9.8).
PINYIN = {"發": "fā", "開": "kāi", "數": "shù", "統": "tǒng", "處": "chǔ", "裡": "lǐ", "機": "jī"}

_NARRATIVE = (
    "本年度,我单位坚持以公开为常态、不公开为例外,持续推进政务公开标准化规范化建设,全年通过门户网站主动公开政府信息{n}条。",
    "我单位进一步规范依申请公开办理流程,严格按照法定时限答复,并对答复文书进行合法性审查。",
    "存在的主要问题是政策解读形式不够丰富,下一步将加强培训,提升公开质量。",
)


@cache
def _s2t() -> OpenCC:
    return OpenCC("s2t")


def _num(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, float) else str(value)


def _table2_rows(record: dict) -> list[tuple[list[str], list]]:
    """Rows of table 二 as (label cells, values); header rows have no values (None)."""
    fmt = record["format"]
    values = record["table2"]
    headers = {
        row["label"]: [c[1] for c in row["cells"]] for row in template.raw()["table2"][fmt]
    }  # column labels per row
    rows: list[tuple[list[str], list | None]] = []
    clause = None
    for spec in template.table2_rows(fmt):
        row_clause = next(r["clause"] for r in template.raw()["table2"][fmt] if r["label"] == spec.label)
        if row_clause != clause:
            clause = row_clause
            rows.append(([f"第二十条第{row_clause}项"], None))
            rows.append((["信息内容", *headers[spec.label]], None))
        rows.append(([spec.label], [values.get(k) for k in spec.keys]))
    return rows


def _table3_rows(record: dict) -> list[tuple[list[str], list | None]]:
    data = template.raw()
    groups = template.table3_groups()
    t3 = record["table3"]
    layout = "2019" if "other_processing" in t3 else "2021"
    rows: list[tuple[list[str], list | None]] = [
        (["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况"], None),
        (["自然人", "法人或其他组织", "总计"], None),
        (["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], None),
    ]
    seen_groups: set[str] = set()
    for row in data["table3_rows"]:
        if row["key"] not in template.table3_rows(layout):
            continue
        labels = []
        if row["key"] == "granted":
            labels.append("三、本年度办理结果")
        group = groups[row["group"]]
        if group.get("first_row") and row["group"] not in seen_groups and row["key"] != "other_processing":
            labels.append(group["label"])
        seen_groups.add(row["group"])
        labels.append(row["label"])
        rows.append((labels, list(t3.get(row["key"]) or [None] * 7)))
    return rows


def _table4_rows(record: dict) -> list[tuple[list[str], list | None]]:
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        (["行政复议", "行政诉讼"], None),
        ([*results, "未经复议直接起诉", "复议后起诉"], None),
        ([*results, *results], None),
        ([], [record["table4"].get(k) for k in template.table4_keys()]),
    ]


def _serialize(rows: list[tuple[list[str], list | None]], layout: str) -> list[str]:
    out: list[str] = []
    first = True
    for labels, values in rows:
        vals = [] if values is None else [_num(v) for v in values]
        if layout == "pipe_cells":
            out.extend(f"{c} |" for c in [*labels, *vals])
            out.append("||")
        elif layout == "pipe_rows":
            out.append(" | ".join([*labels, *vals]) + " |")
        elif layout == "markdown":
            cells = [*labels, *vals]
            out.append("| " + " | ".join(cells) + " |")
            if first:
                out.append("|" + "---|" * len(cells))
        elif layout == "blank_line_cells":
            for cell in [*labels, *(v or "-" for v in vals)]:
                out.extend([cell, ""])
        elif layout == "flat":
            if values is not None and all(v is not None for v in values):
                out.append("".join(labels) + "".join(vals))
            else:
                out.append("".join(labels) + " ".join(v or "-" for v in vals))
        first = False
    return out


def _split_label(label: str) -> list[str]:
    """A label as a crawler that breaks on every inline element writes it, one part per line:
    "(一)予以公开" -> "(", "一", ")", "予以公开"; "1.属于国家秘密" -> "1.", "属于国家秘密"."""
    import re

    numbered = re.match(r"^(\d+\.)(.*)$", label)
    if numbered:
        return [numbered.group(1), *_split_label(numbered.group(2))]
    return [p for p in re.findall(r"[(),:]|[^(),:]+", label) if p.strip()]


def _serialize_crawl(rows: list[tuple[list[str], list | None]], layout: str, rng: random.Random) -> list[str]:
    out: list[str] = []
    for labels, values in rows:
        vals = [] if values is None else [_num(v) or "-" for v in values]
        if layout == "flat_crawl":
            # Everything of the table on one line, cells with no delimiter at all.
            row = "".join(labels) + "".join(vals)
            if out:
                out[-1] += row
            else:
                out.append(row)
        elif layout in ("split_labels", "collapsed"):
            for label in labels:
                out.extend(_split_label(label) if layout == "split_labels" else [label])
                if layout == "split_labels" and label in ("商业企业", "科研机构"):
                    out[-1:] = [label[:2], label[2:]]
            out.extend(vals)
        elif layout == "spaced":
            text = " ".join(labels)
            for i, v in enumerate(vals):
                # Some boundaries are printed as one or two (full-width) spaces, some not at all.
                sep = rng.choice(["", " ", " ", "  ", "\u3000"]) if i else " "
                text += sep + v
            out.append(text)
    return out


def render_text(record: dict, layout: str, rng: random.Random | None = None) -> str:
    """Report text for ``record`` in ``layout`` (one of ``LAYOUTS`` or ``CRAWL_LAYOUTS``)."""
    rng = rng or random.Random(0)
    if layout in CRAWL_LAYOUTS:
        return _render_crawl(record, layout, rng)
    if layout == "traditional":
        base = render_text(record, rng.choice(BASE_LAYOUTS), rng)
        text = _s2t().convert(base)
        for char, pinyin in PINYIN.items():
            text = text.replace(char, f"{char}({pinyin})")
        return text
    if layout not in BASE_LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    year, agency = record["year"], record["agency"]
    notice = "国办公开办函〔2019〕60号" if record["format"] == "2019" else "国办公开办函〔2021〕30号"
    lines = [
        f"{agency}{year}年政府信息公开工作年度报告",
        f"本报告根据《中华人民共和国政府信息公开条例》和《{notice}》要求编制,统计期限自{year}年1月1日至12月31日。",
        "一、总体情况",
        _NARRATIVE[0].format(n=rng.randint(50, 5000)),
        "二、主动公开政府信息情况",
        *_serialize(_table2_rows(record), layout),
        "三、收到和处理政府信息公开申请情况",
        *_serialize(_table3_rows(record), layout),
        "四、政府信息公开行政复议、行政诉讼情况",
        *_serialize(_table4_rows(record), layout),
        "五、存在的主要问题及改进情况",
        _NARRATIVE[2],
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    return "\n".join(lines) + "\n"


def _render_crawl(record: dict, layout: str, rng: random.Random) -> str:
    year, agency = record["year"], record["agency"]
    parts = [
        [_JUNK[0], f"{agency}{year}年政府信息公开工作年度报告", _JUNK[1]],
        [
            f"统计期限自{year}年1月1日至12月31日。",
            "一、总体情况",
            _NARRATIVE[0].format(n=rng.randint(5, 500)),
        ],
        ["二、主动公开政府信息情况", *_serialize_crawl(_table2_rows(record), layout, rng)],
        [_NARRATIVE[1]],
        ["三、收到和处理政府信息公开申请情况", *_serialize_crawl(_table3_rows(record), layout, rng)],
        ["四、政府信息公开行政复议、行政诉讼情况", *_serialize_crawl(_table4_rows(record), layout, rng)],
        ["五、存在的主要问题及改进情况", _NARRATIVE[2], "六、其他需要报告的事项", "本年度未收取信息处理费。"],
    ]
    if layout == "flat_crawl":
        # The whole page body on one line, as the flat crawls store it.
        return "\n".join(parts[0]) + "\n" + "".join(x for part in parts[1:] for x in part) + "\n"
    lines = [x for part in parts for x in part]
    if layout == "collapsed":
        lines = [x for i, x in enumerate(lines) if i == 0 or x != lines[i - 1]]
    newline = "\r\n" if layout == "split_labels" else "\n"
    return newline.join(lines) + newline


def fused_rows(record: dict) -> dict[str, list]:
    """The rows the ``flat`` layout fuses into one digit run (all cells non-null), by cell-id prefix."""
    out: dict[str, list] = {}
    for spec in template.table2_rows(record["format"]):
        vals = [record["table2"].get(k) for k in spec.keys]
        if len(vals) > 1 and all(v is not None for v in vals):
            out["t2:" + ",".join(spec.keys)] = vals
    for key, vals in record["table3"].items():
        if all(v is not None for v in vals):
            out[f"t3:{key}"] = list(vals)
    t4 = [record["table4"].get(k) for k in template.table4_keys()]
    if all(v is not None for v in t4):
        out["t4"] = t4
    return out
