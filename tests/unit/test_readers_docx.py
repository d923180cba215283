"""DOCX reader: body order, tables as pipe rows, merged cells once."""

from __future__ import annotations

import io

import docx

from dagster_project.govreport.readers import read_document, sniff_kind
from dagster_project.govreport.readers.docx import read_docx
from dagster_project.govreport.render_formats import expected_rows, render_docx, squeeze


def test_gold_rows(gold: dict) -> None:
    for name, record in gold.items():
        data = render_docx(record)
        assert sniff_kind(data, f"{name}.docx") == "docx"
        doc = read_document(data, "docx")
        assert doc.source_kind == "docx" and doc.line_pages == []
        lines = [squeeze(line) for line in doc.text.splitlines()]
        for key, row in expected_rows(record).items():
            assert sum(line.endswith(row) for line in lines) == 1, key
        assert doc.meta["title"] == f"{record['agency']}{record['year']}年政府信息公开工作年度报告"


def test_merged_cells_once_and_order(gold: dict) -> None:
    doc = read_docx(render_docx(gold["000_11efede76b55d959"]))
    lines = doc.text.splitlines()
    assert sum("三、本年度办理结果" in line for line in lines) == 1
    assert "三、本年度办理结果 | (一)予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |" in lines
    assert "(四)无法提供 | 1.本机关不掌握相关政府信息 | 38 | 0 | 0 | 0 | 0 | 0 | 38 |" in lines
    assert "2.没有现成信息需要另行制作 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "行政复议 | 行政诉讼 |" in lines
    assert "行政规范性文件 |  | 0 | 41 |" in lines
    heading = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    assert lines[heading + 1] == "行政复议 | 行政诉讼 |"
    assert lines.index("三、收到和处理政府信息公开申请情况") < heading


def test_hand_built_vertical_merge() -> None:
    d = docx.Document()
    d.add_paragraph("前言")
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(2, 0)).text = "组"
    t.cell(0, 1).text = "甲"
    t.cell(0, 2).text = "1"
    t.cell(1, 1).text = "乙|丙"
    t.cell(2, 1).merge(t.cell(2, 2)).text = "合并"
    d.add_paragraph("后记")
    buf = io.BytesIO()
    d.save(buf)
    assert read_docx(buf.getvalue()).text.splitlines() == [
        "前言",
        "组 | 甲 | 1 |",
        "乙｜丙 |  |",
        "合并 |",
        "后记",
    ]
