"""End to end: gold record -> rendered HTML/DOCX/PDF -> parse_bytes -> the same tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.render_formats import render_docx, render_html, render_pdf

CASES = {
    "html": lambda r: render_html(r),
    "html_layout": lambda r: render_html(r, wrap="layout"),
    "html_script": lambda r: render_html(r, wrap="script"),
    "html_gbk": lambda r: render_html(r, encoding="gbk"),
    "docx": render_docx,
    "pdf": lambda r: render_pdf(r, repeat_header=True),
}
EXT = {"docx": "docx", "pdf": "pdf"}
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _assert_tables(result, record: dict) -> None:
    assert result.status == "parsed", [i.message for i in result.issues]
    got = result.record or {}
    for table in ("table2", "table3", "table4"):
        for key, value in record[table].items():
            assert got.get(table, {}).get(key) == value, f"{table}.{key}"
    assert got.get("year") == record["year"]
    assert got.get("agency") == record["agency"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_roundtrip(gold: dict, case: str) -> None:
    for name, record in gold.items():
        data = CASES[case](record)
        result = parse_bytes(data, f"{name}.{EXT.get(case, 'html')}")
        _assert_tables(result, record)


@pytest.mark.parametrize("stem", ["hongze_2023", "hongze_2024"])
def test_real_pdf_roundtrip(stem: str) -> None:
    pdf = REAL / f"{stem}.pdf"
    gold = REAL / f"{stem}.json"
    if not (pdf.exists() and gold.exists()):
        pytest.skip("real PDFs not available")
    _assert_tables(parse_bytes(pdf.read_bytes(), pdf.name), json.loads(gold.read_text(encoding="utf-8")))
