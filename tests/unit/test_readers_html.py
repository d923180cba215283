"""HTML reader: report tables as pipe rows, junk tables dropped, embedded/escaped content, metadata."""

from __future__ import annotations

import pytest

from dagster_project.govreport.readers import read_document, sniff_kind
from dagster_project.govreport.readers.html import decode_html, read_html
from dagster_project.govreport.render_formats import expected_rows, render_html, squeeze

WRAPS = ["plain", "layout", "script", "script_json", "entity"]


def _lines(text: str) -> list[str]:
    return [squeeze(line) for line in text.splitlines()]


def assert_rows(text: str, record: dict) -> None:
    lines = _lines(text)
    for key, row in expected_rows(record).items():
        hits = [line for line in lines if line.endswith(row)]
        assert len(hits) == 1, f"{key}: expected one line ending with {row!r}, got {hits}"


@pytest.mark.parametrize("wrap", WRAPS)
def test_gold_rows_every_wrap(gold: dict, wrap: str) -> None:
    for name, record in gold.items():
        data = render_html(record, wrap=wrap)
        assert sniff_kind(data, f"{name}.html") == "html"
        doc = read_document(data, "html")
        assert doc.source_kind == "html" and doc.line_pages == []
        assert_rows(doc.text, record)


def test_gbk_page(gold: dict) -> None:
    record = gold["003_6bf7699e84e20962"]
    data = render_html(record, encoding="gbk")
    text, enc = decode_html(data)
    assert enc == "gb18030" and "收到和处理" in text
    assert_rows(read_html(data).text, record)


def test_structure_and_blanks(gold: dict) -> None:
    record = gold["000_11efede76b55d959"]
    text = read_html(render_html(record)).text
    lines = text.splitlines()
    # blank cell (<o:p>&nbsp;</o:p>) stays an empty cell; label cells intact
    assert "行政规范性文件 |  | 0 | 41 |" in lines
    assert "一、本年新收政府信息公开申请数量 | 66 | 0 | 0 | 0 | 0 | 0 | 66 |" in lines
    # rowspan/colspan group cells are emitted once, in document order
    assert sum("三、本年度办理结果" in line for line in lines) == 1
    assert "三、本年度办理结果 | (一)予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |" in lines
    assert sum("(三)不予公开" in line for line in lines) == 1
    assert "(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "行政复议 | 行政诉讼 |" in lines
    # narrative order: heading, then its table
    assert lines.index("三、收到和处理政府信息公开申请情况") < next(
        i for i, line in enumerate(lines) if line.startswith("一、本年新收")
    )


def test_labels_split_across_spans() -> None:
    html = (
        "<html><body><table border=1><tr><td><p><span>一</span><span lang=EN-US>、本年新收</span>"
        "<span>政府信息公开申请数量</span></p></td><td><span>5<o:p></o:p></span></td>"
        "<td><o:p>&nbsp;</o:p></td><td>&nbsp;</td><td> </td><td></td><td>0</td><td>5</td></tr>"
        "<tr><td>商业<br>企业</td><td>a|b</td></tr></table></body></html>"
    ).encode()
    lines = read_html(html).text.splitlines()
    assert lines[0] == "一、本年新收政府信息公开申请数量 | 5 |  |  |  |  | 0 | 5 |"
    assert lines[1] == "商业企业 | a｜b |"


def test_nested_layout_and_junk_tables() -> None:
    report = (
        "<table border=1><tr><td>信息内容</td><td>本年制发件数</td></tr>"
        "<tr><td>规章</td><td>3</td></tr></table>"
    )
    html = (
        "<html><body><table><tr><td><a href=/>首页</a></td><td><a href=/a>政务公开</a></td></tr></table>"
        f"<table width=100%><tr><td><p>二、主动公开政府信息情况</p>{report}<p>说明文字</p></td>"
        "<td><table><tr><td>访问量</td><td>98765</td></tr></table></td></tr></table></body></html>"
    ).encode()
    lines = read_html(html).text.splitlines()
    assert lines == ["二、主动公开政府信息情况", "信息内容 | 本年制发件数 |", "规章 | 3 |", "说明文字"]


def test_script_with_escaped_quotes() -> None:
    html = (
        '<html><head><title>某局2023年政府信息公开工作年度报告</title></head><body><div id="c"></div>'
        '<script>var content = "<p class=\\"MsoNormal\\">一、总体情况<\\/p>'
        '<table border=\\"1\\"><tr><td>行政许可<\\/td><td>12<\\/td><\\/tr><\\/table>";'
        "document.getElementById('c').innerHTML = content;</script></body></html>"
    ).encode()
    doc = read_html(html)
    assert doc.text.splitlines() == ["一、总体情况", "行政许可 | 12 |"]
    assert doc.meta["title"] == "某局2023年政府信息公开工作年度报告"


def test_meta_variants() -> None:
    html = (
        "<html><head><title>网站</title><meta property='og:url' content='https://a.gov.cn/x.html'>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        "<body><h1>某县2023年政府信息公开工作年度报告</h1><p>正文</p></body></html>"
    ).encode()
    meta = read_html(html).meta
    assert meta["title"] == "某县2023年政府信息公开工作年度报告"
    assert meta["publish_date"] == "2024-03-01"
    assert meta["source_url"] == "https://a.gov.cn/x.html"
    page = "<html><body><div>发布时间：2024年1月15日</div><p>正文</p></body></html>".encode()
    assert read_html(page).meta["publish_date"] == "2024-01-15"


def test_meta_from_renderer(gold: dict) -> None:
    record = gold["001_4a271a9a9156ab49"]
    meta = read_html(render_html(record, publish_date="2024-01-31", url="http://x.gov.cn/r.html")).meta
    assert meta["title"] == f"{record['agency']}{record['year']}年政府信息公开工作年度报告"
    assert meta["publish_date"] == "2024-01-31"
    assert meta["source_url"] == "http://x.gov.cn/r.html"


def test_2019_layout_one_row_other_processing(gold: dict) -> None:
    record = dict(gold["002_1414fb0450e1f7ca"])
    t3 = {k: v for k, v in record["table3"].items() if not k.startswith("other_")}
    t3["other_processing"] = [1, 0, 0, 0, 0, 0, 1]
    record["table3"] = t3
    html = render_html(record).decode()
    assert "rowspan=20" in html and "rowspan=22" not in html
    lines = read_html(html.encode()).text.splitlines()
    assert "(六)其他处理 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |" in lines
    assert_rows("\n".join(lines), record)
