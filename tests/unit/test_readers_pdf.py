"""PDF reader: ruled tables as pipe rows, tables split across pages, scanned PDFs, real WPS PDFs."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from dagster_project.govreport.readers import NoTextLayer, UnreadableDocument, read_document, sniff_kind
from dagster_project.govreport.readers.pdf import read_pdf
from dagster_project.govreport.render_formats import (
    expected_rows,
    render_image_only_pdf,
    render_pdf,
    squeeze,
)

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _find(lines: list[str], row: str) -> list[int]:
    return [i for i, line in enumerate(lines) if squeeze(line).endswith(row)]


def test_gold_rows_and_pages(gold: dict) -> None:
    for name, record in gold.items():
        data = render_pdf(record)
        assert sniff_kind(data, f"{name}.pdf") == "pdf"
        doc = read_document(data, "pdf")
        lines = doc.text.splitlines()
        assert doc.source_kind == "pdf" and len(doc.line_pages) == len(lines)
        rows = expected_rows(record)
        for key, row in rows.items():
            assert len(_find(lines, row)) == 1, key
        # table 三 is split after unavailable_not_held: the rows stay in order across the break
        before = _find(lines, rows["t3.unavailable_not_held"])[0]
        after = _find(lines, rows["t3.unavailable_needs_creation"])[0]
        assert after == before + 1
        assert doc.line_pages[after] == doc.line_pages[before] + 1
        assert doc.meta["title"] == f"{record['agency']}{record['year']}年政府信息公开工作年度报告"


def test_repeated_header_after_page_break_dropped(gold: dict) -> None:
    record = gold["002_1414fb0450e1f7ca"]
    lines = read_pdf(render_pdf(record, repeat_header=True)).text.splitlines()
    assert sum("申请人情况" in line for line in lines) == 1
    assert sum(line.startswith("商业企业 |") for line in lines) == 1
    rows = expected_rows(record)
    assert _find(lines, rows["t3.unavailable_needs_creation"])[0] == (
        _find(lines, rows["t3.unavailable_not_held"])[0] + 1
    )


def test_group_cells_once(gold: dict) -> None:
    lines = read_pdf(render_pdf(gold["000_11efede76b55d959"])).text.splitlines()
    assert sum("三、本年度办理结果" in line for line in lines) == 1
    assert "(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "行政规范性文件 |  | 0 | 41 |" in lines


def test_scanned_pdf_has_no_text_layer() -> None:
    with pytest.raises(NoTextLayer):
        read_document(render_image_only_pdf(2), "pdf")


def test_corrupt_pdf() -> None:
    with pytest.raises(UnreadableDocument):
        read_pdf(b"%PDF-1.5\n1 0 obj garbage")


REAL_ROWS = {
    "hongze_2023": [
        "一、本年新收政府信息公开申请数量|21|0|0|0|0|0|21|",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)|4|0|0|0|0|0|4|",
        "2.其他法律行政止公开|0|0|0|0|0|0|0|",
        "2.没有现成信息需要另行制作|3|0|0|0|0|0|3|",
        "3.补正后申请内容仍不明确|0|0|0|0|0|0|0|",
        "(六)其他处理|0|0|0|0|0|0|0|",
        "(七)总计|21|0|0|0|0|0|21|",
        "四、结转下年度继续办理|0|0|0|0|0|0|0|",
        "10|1|0|0|0|0|0|0|0|0|5|0|0|0|0|",
        "行政事业性收费|7730.28|",
    ],
    "hongze_2024": [
        "一、本年新收政府信息公开申请数量|95|0|0|0|0|0|95|",
        "(一)予以公开|50|0|0|0|0|0|50|",
        "2.没有现成信息需要另行制作|1|0|0|0|0|0|1|",
        "(六)其他处理|0|0|0|0|0|0|0|",
        "(七)总计|95|0|0|0|0|0|95|",
        "1|1|0|0|2|1|0|0|0|1|2|0|1|0|3|",
    ],
}


@pytest.mark.parametrize("stem", sorted(REAL_ROWS))
def test_real_wps_pdfs(stem: str) -> None:
    path = REAL / f"{stem}.pdf"
    if not path.exists():
        pytest.skip(f"{path} not available")
    doc = read_pdf(path.read_bytes())
    lines = [unicodedata.normalize("NFKC", squeeze(line)) for line in doc.text.splitlines()]
    for row in REAL_ROWS[stem]:
        assert sum(line.endswith(row) for line in lines) == 1, row
    # 25 - 2 table 三 data rows (one-row 其他处理), each with 7 values, none lost at the page break
    t3 = [line for line in lines if line.count("|") >= 8 and "申请" not in line[:2]]
    assert len([line for line in t3 if line.split("|")[-8:-1][0].isdigit()]) >= 23
    year = stem[-4:]
    assert lines[0].endswith(f"{year}年政府信息公开工作年度报告")
    assert len(doc.line_pages) == len(lines) and doc.line_pages[-1] == 5
