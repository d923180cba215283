"""Small multi-year report series with known numbers, for the reconciliation tests.

Each report is rendered from a record (``govreport.render.render_text``, delimited layout, so every cell
is read) with its own narrative: a dated header, a section 一 that states the applications received and
the reviews, a section 五 written fresh each year, and a section 六 fee statement. The series:

- ``CONSISTENT`` (沭阳县交通运输局): 2019–2023, both formats; every cross-year rule, narrative figure,
  deadline and section holds, so every check passes (or is not assessable for its first year).
- ``PLANTED`` (沭阳县住房和城乡建设局): the same years with one break planted per rule: W4 in 2020, W1 in
  2022 (上年结转 0 after 结转下年度 2), W2 in 2022 (现行有效 jumps), a narrative that overstates the
  applications and invents a review in 2023, a 2023 section 五 copied from 2022, a late 2023
  publication, and a 2021 report without section 六. Each report still passes its own identities.
- ``GAPPED`` (沭阳县水利局): 2021, 2022 (上年结转 left blank for 自然人) and 2024 (no 2023 report).
- ``LOOKALIKE`` (沐阳县水利局, an OCR slip of 沭阳县): one 2022 report, flagged, never merged.
- ``RENAMED``: 沭阳县城市管理局 2021–2022, then 沭阳县城市管理和综合执法局 2023, whose text says
  "沭阳县城市管理局更名为沭阳县城市管理和综合执法局".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from dagster_project.govreport import template
from dagster_project.govreport.render import render_text

CONSISTENT = "沭阳县交通运输局"
PLANTED = "沭阳县住房和城乡建设局"
GAPPED = "沭阳县水利局"
LOOKALIKE = "沐阳县水利局"
RENAMED_OLD = "沭阳县城市管理局"
RENAMED_NEW = "沭阳县城市管理和综合执法局"

_TOPICS = (
    "道路养护",
    "公路建设",
    "客运管理",
    "物流发展",
    "城乡供水",
    "防汛抗旱",
    "住房保障",
    "物业管理",
    "市容整治",
    "燃气安全",
    "水土保持",
    "河湖长制",
    "工程招投标",
    "农村公路",
    "停车管理",
    "电梯安全",
)
_ACTIONS = (
    "梳理公开目录",
    "更新办事指南",
    "开展专题解读",
    "组织业务培训",
    "完善审核流程",
    "推进标准化建设",
    "建立台账制度",
    "优化网站栏目",
    "加强新媒体管理",
    "开展自查整改",
)
_RESULTS = (
    "群众满意度明显提升",
    "信息发布更加及时",
    "公开内容更加规范",
    "办事效率有所提高",
    "社会关注度持续上升",
    "基层公开水平稳步提高",
)


def _paragraph(rng: random.Random, year: int, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        topic, action, result = rng.choice(_TOPICS), rng.choice(_ACTIONS), rng.choice(_RESULTS)
        n = rng.randint(3, 90)
        out.append(f"围绕{topic}工作,{action}{n}项,{result}")
    return f"{year}年," + "。".join(out) + "。"


@dataclass
class Year:
    year: int
    fmt: str  # "2021" | "2019"
    new: int  # applications received (all from natural persons)
    carried_over: int | None
    carried_forward: int
    reviews: int = 0
    table2: dict = field(default_factory=dict)
    publish: str = ""  # YYYY-MM-DD
    narrative_received: int | None = None  # what section 一 states (None: the table's number)
    narrative_reviews: int | None = None
    problems: str | None = None  # section 五 text (None: written fresh)
    section6: bool = True


def record(agency: str, y: Year) -> dict:
    cols = len(template.table3_columns())
    rows = template.table3_rows("2019" if y.fmt == "2019" else "2021")
    t3 = {k: [0] * cols for k in rows}
    co = y.carried_over
    total = y.new + (co or 0) - y.carried_forward
    t3["new_received"] = [y.new, 0, 0, 0, 0, 0, y.new]
    t3["carried_over"] = [co, 0, 0, 0, 0, 0, co or 0]
    t3["granted"] = [total, 0, 0, 0, 0, 0, total]
    t3["total_processed"] = [total, 0, 0, 0, 0, 0, total]
    t3["carried_forward"] = [y.carried_forward, 0, 0, 0, 0, 0, y.carried_forward]
    t4 = dict.fromkeys(template.table4_keys(), 0)
    t4["review_upheld"] = t4["review_total"] = y.reviews
    t2 = dict.fromkeys(template.table2_keys(y.fmt), 0)
    t2.update(y.table2)
    return {"agency": agency, "year": y.year, "format": y.fmt, "table2": t2, "table3": t3, "table4": t4}


def render(agency: str, y: Year, extra: str = "") -> str:
    rng = random.Random(f"{agency}{y.year}")
    lines = render_text(record(agency, y), "pipe_rows", random.Random(0)).split("\n")
    lines.insert(1, f"发布时间: {y.publish}")
    received = y.new if y.narrative_received is None else y.narrative_received
    reviews = y.reviews if y.narrative_reviews is None else y.narrative_reviews
    review_text = (
        f"因政府信息公开被申请行政复议{reviews}件。"
        if reviews
        else "全年未发生政府信息公开行政复议和行政诉讼。"
    )
    overview = (
        f"{extra}{_paragraph(rng, y.year, 6)}全年共收到政府信息公开申请{received}件,均按期答复。{review_text}"
    )
    i = lines.index("一、总体情况")
    lines[i + 1] = overview
    j = lines.index("五、存在的主要问题及改进情况")
    lines[j + 1] = y.problems if y.problems is not None else _paragraph(rng, y.year, 6)
    k = lines.index("六、其他需要报告的事项")
    if y.section6:
        lines[k + 1] = "本年度未收取信息处理费。"
    else:
        del lines[k : k + 2]
    return "\n".join(lines)


def _t2019(prev_items: int, change: int) -> dict:
    return {"licensing_prev_items": prev_items, "licensing_items_change": change}


def _t2021(issued: int, repealed: int, in_force: int) -> dict:
    return {"normative_issued": issued, "normative_repealed": repealed, "normative_in_force": in_force}


def consistent_years() -> list[Year]:
    return [
        Year(
            2019, "2019", new=3, carried_over=0, carried_forward=1, table2=_t2019(10, 2), publish="2020-01-20"
        ),
        Year(
            2020,
            "2019",
            new=4,
            carried_over=1,
            carried_forward=2,
            table2=_t2019(12, -1),
            publish="2021-01-18",
        ),
        Year(
            2021,
            "2021",
            new=5,
            carried_over=2,
            carried_forward=0,
            reviews=1,
            table2=_t2021(2, 0, 8),
            publish="2022-01-25",
        ),
        Year(
            2022,
            "2021",
            new=6,
            carried_over=0,
            carried_forward=1,
            table2=_t2021(3, 1, 10),
            publish="2023-01-19",
        ),
        Year(
            2023,
            "2021",
            new=7,
            carried_over=1,
            carried_forward=0,
            table2=_t2021(1, 2, 9),
            publish="2024-01-30",
        ),
    ]


COPIED_PROBLEMS = (
    "一是政策解读形式较为单一,图表、音视频等解读方式运用不足,解读材料与政策文件同步发布的比例不高。"
    "二是依申请公开办理人员业务能力有待提升,答复文书的规范性还需加强,个别答复引用条款不够准确。"
    "三是基层政务公开标准化规范化建设推进不平衡,部分乡镇公开专栏更新不及时。下一步,我局将加强业务培训,"
    "丰富解读形式,健全依申请公开会商机制,督促基层按时更新专栏,不断提升政府信息公开工作质量。"
)


def planted_years() -> list[Year]:
    return [
        Year(
            2019, "2019", new=2, carried_over=0, carried_forward=0, table2=_t2019(20, 3), publish="2020-01-15"
        ),
        # W4: last year 20 + 3 = 23 items, this year's form says 30.
        Year(
            2020, "2019", new=2, carried_over=0, carried_forward=2, table2=_t2019(30, 0), publish="2021-01-15"
        ),
        # No section 六 (and so no fee statement).
        Year(
            2021,
            "2021",
            new=4,
            carried_over=2,
            carried_forward=2,
            table2=_t2021(3, 1, 10),
            publish="2022-01-15",
            section6=False,
        ),
        # W1: 结转下年度 was 2, 上年结转 says 0. W2: 10 + 3 - 1 = 12 in force, the form says 20.
        Year(
            2022,
            "2021",
            new=5,
            carried_over=0,
            carried_forward=0,
            table2=_t2021(3, 1, 20),
            publish="2023-01-15",
            problems=COPIED_PROBLEMS,
        ),
        # The text says 9 applications and 2 reviews (the tables: 5 and 0); section 五 is 2022's; and
        # it is published on 5 March, after the 31 January deadline of a department.
        Year(
            2023,
            "2021",
            new=5,
            carried_over=0,
            carried_forward=0,
            table2=_t2021(0, 0, 20),
            publish="2024-03-05",
            narrative_received=9,
            narrative_reviews=2,
            problems=COPIED_PROBLEMS,
        ),
    ]


def series() -> list[tuple[str, str, Year, str]]:
    """Every synthetic report: (file name, agency, year, extra sentence for section 一)."""
    gapped = [
        Year(2021, "2021", new=2, carried_over=0, carried_forward=0, publish="2022-01-10"),
        Year(2022, "2021", new=3, carried_over=None, carried_forward=0, publish="2023-01-10"),
        Year(2024, "2021", new=1, carried_over=0, carried_forward=0, publish="2025-01-10"),
    ]
    renamed = [
        Year(2021, "2021", new=2, carried_over=0, carried_forward=1, publish="2022-01-12"),
        Year(2022, "2021", new=2, carried_over=1, carried_forward=2, publish="2023-01-12"),
    ]
    out = [(f"syn_consistent_{y.year}.txt", CONSISTENT, y, "") for y in consistent_years()]
    out += [(f"syn_planted_{y.year}.txt", PLANTED, y, "") for y in planted_years()]
    out += [(f"syn_gapped_{y.year}.txt", GAPPED, y, "") for y in gapped]
    lookalike = Year(2022, "2021", new=1, carried_over=0, carried_forward=0, publish="2023-01-12")
    out.append(("syn_lookalike_2022.txt", LOOKALIKE, lookalike, ""))
    out += [(f"syn_renamed_{y.year}.txt", RENAMED_OLD, y, "") for y in renamed]
    after = Year(2023, "2021", new=3, carried_over=2, carried_forward=0, publish="2024-01-12")
    out.append(("syn_renamed_2023.txt", RENAMED_NEW, after, f"经批准,{RENAMED_OLD}更名为{RENAMED_NEW}。"))
    return out


def files() -> dict[str, bytes]:
    """Every synthetic report, by file name."""
    return {name: render(agency, y, extra).encode("utf-8") for name, agency, y, extra in series()}


def records() -> dict[str, dict]:
    """The record each synthetic report was rendered from, by file name: the numbers it prints."""
    return {name: record(agency, y) for name, agency, y, _ in series()}
