"""Render a canonical record (GOLD_FORMAT dict, 2021 or 2019 format) as HTML, DOCX or PDF bytes.

Used to build reader fixtures and benchmark inputs. The tables follow the official structure:
table 二 as clause sub-tables (第二十条第(一)项 ...), table 三 with the 申请人情况 header and real
rowspans (三、本年度办理结果 22 rows, or 20 with a one-row (六)其他处理; (三) 8, (四) 3, (五) 5, (六) 3),
table 四 with its two-level header and the 15 values in one row. ``None`` renders as a blank cell.
"""

from __future__ import annotations

import html as _html
import io
import json
from dataclasses import dataclass

from .template import raw as _template

HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
T3_CAPTION = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
T3_RESULTS = "三、本年度办理结果"
T3_COLUMNS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # label | header | value


Grid = list[list[Cell]]


def fmt_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _val(v, colspan: int = 1) -> Cell:
    return Cell(fmt_value(v), colspan=colspan, kind="value")


def record_format(record: dict) -> str:
    fmt = str(record.get("format") or "2021")
    return fmt if fmt in ("2019", "2021") else "2021"


# --- table models -------------------------------------------------------------------------------


def table2_grid(record: dict) -> Grid:
    t2 = record.get("table2") or {}
    entries = _template()["table2"][record_format(record)]
    grid: Grid = []
    clause = None
    for e in entries:
        cells = e["cells"]
        if e["clause"] != clause:
            clause = e["clause"]
            grid.append([Cell(f"第二十条第{clause}项", colspan=4, kind="header")])
            header = [Cell("信息内容", kind="header")]
            header += [Cell(c[1], kind="header") for c in cells]
            header[-1].colspan = 4 - len(cells)
            grid.append(header)
        row = [Cell(e["label"])] + [_val(t2.get(c[0])) for c in cells]
        row[-1].colspan = 4 - len(cells)
        grid.append(row)
    return grid


def _t3_rows(record: dict) -> list[tuple[str, str]]:
    """(key, label) of table 三 data rows in order, for the record's layout."""
    t3 = record.get("table3") or {}
    one_row_other = "other_processing" in t3 or (
        record_format(record) == "2019" and not any(k in t3 for k in ("other_overdue_correction",))
    )
    out = []
    for r in _template()["table3_rows"]:
        key = r["key"]
        if key == "other_processing" and not one_row_other:
            continue
        if key.startswith("other_") and key != "other_processing" and one_row_other:
            continue
        out.append((key, r["label"]))
    return out


def table3_grid(record: dict) -> Grid:
    t3 = record.get("table3") or {}
    groups = {g["group"]: g for g in _template()["table3_groups"]}
    group_of = {r["key"]: r["group"] for r in _template()["table3_rows"]}
    rows = _t3_rows(record)
    n_results = sum(1 for k, _ in rows if k not in ("new_received", "carried_over", "carried_forward"))
    grid: Grid = [
        [Cell(T3_CAPTION, rowspan=3, colspan=3, kind="header"), Cell("申请人情况", colspan=7, kind="header")],
        [
            Cell("自然人", rowspan=2, kind="header"),
            Cell("法人或其他组织", colspan=5, kind="header"),
            Cell("总计", rowspan=2, kind="header"),
        ],
        [Cell(c, kind="header") for c in T3_COLUMNS],
    ]
    group_sizes: dict[str, int] = {}
    for k, _ in rows:
        group_sizes[group_of[k]] = group_sizes.get(group_of[k], 0) + 1
    seen_groups: set[str] = set()
    first_result = True
    for key, label in rows:
        values = list(t3.get(key) or [None] * 7)
        values = (values + [None] * 7)[:7]
        row: list[Cell] = []
        group = group_of[key]
        if key in ("new_received", "carried_over", "carried_forward"):
            row.append(Cell(label, colspan=3))
        else:
            if first_result:
                row.append(Cell(T3_RESULTS, rowspan=n_results))
                first_result = False
            if group in ("denied", "unavailable", "not_processed", "other") and key != "other_processing":
                if group not in seen_groups:
                    seen_groups.add(group)
                    row.append(Cell(groups[group]["label"], rowspan=group_sizes[group]))
                row.append(Cell(label))
            else:
                row.append(Cell(label, colspan=2))
        row += [_val(v) for v in values]
        grid.append(row)
    return grid


def table4_grid(record: dict) -> Grid:
    t4 = record.get("table4") or {}
    tpl = _template()["table4"]
    results = [r["label"] for r in tpl["results"]]
    blocks = [b["key"] for b in tpl["blocks"]]
    return [
        [Cell("行政复议", colspan=5, kind="header"), Cell("行政诉讼", colspan=10, kind="header")],
        [Cell(r, rowspan=2, kind="header") for r in results]
        + [Cell("未经复议直接起诉", colspan=5, kind="header"), Cell("复议后起诉", colspan=5, kind="header")],
        [Cell(r, kind="header") for r in results] * 2,
        [_val(t4.get(f"{b}_{r['key']}")) for b in blocks for r in tpl["results"]],
    ]


def place(grid: Grid) -> list[tuple[int, int, Cell]]:
    """(row, col, cell) of every cell by the HTML table layout rules (rowspans occupy later rows)."""
    occupied: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    occupied.add((r + dr, c + dc))
            c += cell.colspan
    return out


def ncols(grid: Grid) -> int:
    return max(c + cell.colspan for _, c, cell in place(grid))


# --- narrative ----------------------------------------------------------------------------------


def report_title(record: dict) -> str:
    return f"{record.get('agency') or ''}{record.get('year')}年政府信息公开工作年度报告"


def narrative(record: dict) -> dict[str, list[str]]:
    year = record.get("year")
    agency = record.get("agency") or "本机关"
    fmt_no = "国办公开办函〔2019〕60号" if record_format(record) == "2019" else "国办公开办函〔2021〕30号"
    return {
        "intro": [
            f"本报告依据《中华人民共和国政府信息公开条例》和{fmt_no}要求编制。本年度报告中所列数据的统计期限"
            f"自{year}年1月1日起至{year}年12月31日止。"
        ],
        HEADINGS[0]: [
            f"{year}年，{agency}深入贯彻落实《条例》，扎实推进政府信息公开工作。",
            "（一）主动公开。通过门户网站及时发布政府信息。",
            "（二）依申请公开。依法依规答复申请。",
        ],
        HEADINGS[1]: [],
        HEADINGS[2]: [],
        HEADINGS[3]: [],
        HEADINGS[4]: ["存在的主要问题是公开内容不够丰富。下一步将进一步规范公开流程。"],
        HEADINGS[5]: ["本年度未收取信息处理费。"],
    }


def _grids(record: dict) -> dict[str, Grid]:
    return {
        HEADINGS[1]: table2_grid(record),
        HEADINGS[2]: table3_grid(record),
        HEADINGS[3]: table4_grid(record),
    }


# --- HTML ---------------------------------------------------------------------------------------

_SPAN = "<span style='font-size:10.5pt;font-family:宋体;mso-bidi-font-family:宋体'>"


def _label_html(text: str) -> str:
    """Word-style label: the text split over two spans (一</span><span>、本年新收…)."""
    esc = _html.escape
    if len(text) < 2:
        return f"{_SPAN}{esc(text)}</span>"
    cut = 1 if not text[0].isdigit() else 2
    return (
        f"<span lang=EN-US style='font-size:10.5pt'>{esc(text[:cut])}</span>{_SPAN}{esc(text[cut:])}</span>"
    )


def _cell_html(cell: Cell, index: int) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f" rowspan={cell.rowspan}"
    if cell.colspan > 1:
        attrs += f" colspan={cell.colspan}"
    if cell.kind == "value" and not cell.text:
        inner = "<o:p>&nbsp;</o:p>" if index % 2 == 0 else "&nbsp;"
        body = f"<p class=MsoNormal align=center><span lang=EN-US>{inner}</span></p>"
    elif cell.kind == "value":
        value = _html.escape(cell.text)
        body = f"<p class=MsoNormal align=center><span lang=EN-US>{value}<o:p></o:p></span></p>"
    else:
        body = f"<p class=MsoNormal align=center>{_label_html(cell.text)}</p>"
    return f"<td{attrs} style='border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'>{body}</td>"


def grid_html(grid: Grid) -> str:
    rows = []
    i = 0
    for row in grid:
        tds = []
        for cell in row:
            tds.append(_cell_html(cell, i))
            i += 1
        rows.append("<tr style='height:20.0pt'>" + "".join(tds) + "</tr>")
    return (
        "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
        "style='border-collapse:collapse;border:none'>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def report_body_html(record: dict) -> str:
    """The report itself (title, narrative, tables) as Word-exported HTML markup."""
    esc = _html.escape
    parts = [f"<h1 align=center>{esc(report_title(record))}</h1>"]
    text = narrative(record)
    grids = _grids(record)
    parts += [f"<p class=MsoNormal>{_SPAN}{esc(p)}</span></p>" for p in text["intro"]]
    for heading in HEADINGS:
        parts.append(f"<p class=MsoNormal><b>{_label_html(heading)}</b></p>")
        parts += [
            f"<p class=MsoNormal>{_SPAN}{esc(p)}</span><span lang=EN-US><o:p></o:p></span></p>"
            for p in text[heading]
        ]
        if heading in grids:
            parts.append(grid_html(grids[heading]))
    return "<div class=WordSection1>\n" + "\n".join(parts) + "\n</div>"


def _js_string(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("</", "<\\/").replace("\n", "\\n")


_NAV = (
    "<table class=nav width=100%><tr><td><a href='/'>首页</a></td><td><a href='/zwgk/'>政务公开</a></td>"
    "<td><a href='/hdjl/'>互动交流</a></td><td><a href='/bsfw/'>办事服务</a></td></tr></table>"
)
_JUNK = (
    "<table class=info><tr><td>访问量：</td><td>12345</td></tr>"
    "<tr><td>字号：</td><td>大 中 小</td></tr></table>"
)


def render_html(
    record: dict,
    *,
    wrap: str = "plain",
    encoding: str = "utf-8",
    publish_date: str | None = None,
    url: str | None = None,
) -> bytes:
    """HTML bytes of ``record``.

    wrap: 'plain' (the report in the body), 'layout' (inside a layout table with nav and junk tables),
    'script' (in a JS string: ``var content = "<table ...><\\/table>"``), 'script_json' (a JSON
    string inside a JS string, doubly escaped) or 'entity' (entity-escaped markup in a hidden div)."""
    year = record.get("year") or 2000
    publish_date = publish_date or f"{int(year) + 1}-01-20"
    url = url or f"http://www.example.gov.cn/zwgk/{year}/t{int(year) + 1}0120_report.html"
    title = report_title(record)
    body = report_body_html(record)
    dated = f"<p class=info>发布时间：{publish_date} 10:30 来源：政府办公室</p>"
    if wrap == "plain":
        content = dated + body
    elif wrap == "layout":
        content = (
            f"{_NAV}\n<table class=layout width=100%><tr><td width=20%>{_NAV}</td><td>"
            f"{dated}{body}</td></tr><tr><td colspan=2>{_JUNK}</td></tr></table>\n{_JUNK}"
        )
    elif wrap == "script":
        content = (
            f'{dated}<div id=zoom></div><script type="text/javascript">var content = "{_js_string(body)}";'
            "document.getElementById('zoom').innerHTML = content;</script>"
        )
    elif wrap == "script_json":
        payload = json.dumps({"title": title, "content": body}, ensure_ascii=False)
        content = (
            f'{dated}<div id=zoom></div><script>var data = JSON.parse("{_js_string(payload)}");</script>'
        )
    elif wrap == "entity":
        content = f"{dated}<div id=raw style='display:none'>{_html.escape(body)}</div>"
    else:
        raise ValueError(f"unknown wrap {wrap!r}")
    charset = "gb2312" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\n'
        '<html xmlns:o="urn:schemas-microsoft-com:office:office">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>{_html.escape(title)}_政府信息公开</title>\n"
        f'<meta name="ArticleTitle" content="{_html.escape(title)}">\n'
        f'<meta name="PubDate" content="{publish_date} 10:30">\n'
        f'<meta name="Url" content="{url}">\n'
        f'<link rel="canonical" href="{url}">\n'
        "<style>p.MsoNormal{margin:0cm;font-size:10.5pt}</style>\n"
        "<script>var _hmt = _hmt || [];</script>\n"
        f"</head>\n<body>\n{content}\n</body>\n</html>\n"
    )
    enc = "gb18030" if charset == "gb2312" else encoding
    return page.encode(enc)


# --- DOCX ---------------------------------------------------------------------------------------


def _docx_table(doc, grid: Grid):
    from docx.shared import Pt

    cells = place(grid)
    nrows, nc = len(grid), ncols(grid)
    table = doc.add_table(rows=nrows, cols=nc)
    table.style = "Table Grid"
    for r, c, cell in cells:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        if cell.text:
            para = target.paragraphs[0]
            if cell.kind == "label" and len(cell.text) > 2:
                # Word often splits a label over runs: 一 + 、本年新收…
                para.add_run(cell.text[:1]).font.size = Pt(9)
                para.add_run(cell.text[1:]).font.size = Pt(9)
            else:
                para.add_run(cell.text).font.size = Pt(9)
    return table


def render_docx(record: dict) -> bytes:
    import docx

    doc = docx.Document()
    doc.core_properties.title = report_title(record)
    doc.add_paragraph(report_title(record), style="Title")
    text = narrative(record)
    grids = _grids(record)
    for p in text["intro"]:
        doc.add_paragraph(p)
    for heading in HEADINGS:
        doc.add_paragraph(heading, style="Heading 1")
        for p in text[heading]:
            doc.add_paragraph(p)
        if heading in grids:
            _docx_table(doc, grids[heading])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def split_grid(grid: Grid, at: int, repeat_header: int = 0) -> tuple[Grid, Grid]:
    """Cut ``grid`` before row ``at`` like a page break does: spans crossing the cut are clipped, and
    the part below starts with blank continuation cells; ``repeat_header`` header rows are repeated."""
    first: list[list[tuple[int, Cell]]] = [[] for _ in range(at)]
    second: list[list[tuple[int, Cell]]] = [[] for _ in range(len(grid) - at)]
    for r, c, cell in place(grid):
        if r < at:
            first[r].append((c, Cell(cell.text, min(cell.rowspan, at - r), cell.colspan, cell.kind)))
            if r + cell.rowspan > at:
                second[0].append((c, Cell("", r + cell.rowspan - at, cell.colspan, cell.kind)))
        else:
            second[r - at].append((c, cell))
    top = [[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in first]
    bottom = [[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in second]
    if repeat_header:
        bottom = [list(row) for row in grid[:repeat_header]] + bottom
    return top, bottom


def _pdf_table(grid: Grid, col_widths: list[float]):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    style = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=7, leading=9, wordWrap="CJK", alignment=1)
    nc = len(col_widths)
    matrix: list[list] = [["" for _ in range(nc)] for _ in grid]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
    ]
    for r, c, cell in place(grid):
        matrix[r][c] = Paragraph(_html.escape(cell.text), style) if cell.text else ""
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    table = Table(matrix, colWidths=col_widths)
    table.setStyle(TableStyle(commands))
    return table


def render_pdf(
    record: dict, *, split_after: str = "unavailable_not_held", repeat_header: bool = False
) -> bytes:
    """PDF bytes (reportlab, CID font STSong-Light, ruled tables). Table 三 is cut after the row
    ``split_after`` and continues on the next page (with its 3 header rows repeated if asked)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = _register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=36, rightMargin=36, topMargin=40, bottomMargin=40,
        title=report_title(record),
    )  # fmt: skip
    text = narrative(record)
    grids = _grids(record)
    story: list = [Paragraph(_html.escape(report_title(record)), title), Spacer(1, 8)]
    story += [Paragraph(_html.escape(p), body) for p in text["intro"]]
    keys = [k for k, _ in _t3_rows(record)]
    cut = 3 + keys.index(split_after) + 1 if split_after in keys else None
    widths = {
        HEADINGS[1]: [160.0, 120.0, 120.0, 120.0],
        HEADINGS[2]: [36.0, 62.0, 130.0] + [42.0] * 7,
        HEADINGS[3]: [34.6] * 15,
    }
    for heading in HEADINGS:
        story.append(Paragraph(_html.escape(heading), head))
        story += [Paragraph(_html.escape(p), body) for p in text[heading]]
        if heading not in grids:
            continue
        grid = grids[heading]
        if heading == HEADINGS[2] and cut is not None and cut < len(grid):
            top, bottom = split_grid(grid, cut, repeat_header=3 if repeat_header else 0)
            story += [_pdf_table(top, widths[heading]), PageBreak(), _pdf_table(bottom, widths[heading])]
        else:
            story.append(_pdf_table(grid, widths[heading]))
        story.append(Spacer(1, 8))
    doc.build(story)
    return buf.getvalue()


def render_image_only_pdf(pages: int = 1) -> bytes:
    """A scanned-like PDF: drawn shapes only, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for _ in range(pages):
        c.setFillGray(0.8)
        c.rect(60, 200, 470, 500, fill=1, stroke=1)
        c.setFillGray(0.2)
        for y in range(220, 680, 24):
            c.rect(80, y, 420, 8, fill=1, stroke=0)
        c.showPage()
    c.save()
    return buf.getvalue()


RENDERERS = {"html": render_html, "docx": render_docx, "pdf": render_pdf}


# --- expectations for reader tests and benchmarks ------------------------------------------------


def squeeze(line: str) -> str:
    """A pipe row without spaces, for comparisons that ignore spacing."""
    return "".join(line.split())


def expected_rows(record: dict) -> dict[str, str]:
    """The squeezed pipe row (label cell + value cells) each data row of ``record`` must come out as:
    ``t2.<first key>``, ``t3.<key>`` and ``t4`` (the 15 values)."""
    out: dict[str, str] = {}
    for row in table2_grid(record)[0:]:
        if row[0].kind == "label":
            first = next(
                c[0][0]
                for e in _template()["table2"][record_format(record)]
                if e["label"] == row[0].text
                for c in [e["cells"]]
            )
            out[f"t2.{first}"] = squeeze(row[0].text) + "|" + "".join(f"{c.text}|" for c in row[1:])
    t3 = record.get("table3") or {}
    for key, label in _t3_rows(record):
        values = ((list(t3.get(key) or [])) + [None] * 7)[:7]
        out[f"t3.{key}"] = squeeze(label) + "|" + "".join(f"{fmt_value(v)}|" for v in values)
    out["t4"] = "".join(f"{c.text}|" for c in table4_grid(record)[-1])
    return out
