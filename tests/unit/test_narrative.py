"""Rule-based narrative reading on the real crawled reports: sections, the numbers the text states (with
spans that point back into the parser's normalized text), and the names a report links to its own."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from dagster_project.analysis.narrative import (
    analyse_document,
    extract_claims,
    find_report_sections,
    name_mentions,
)
from dagster_project.analysis.text import compact, document_text, to_number

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
RAW = Path(__file__).resolve().parents[2] / "raw"
REPORTS = sorted(p for p in REAL.rglob("*") if p.suffix in (".txt", ".pdf") and p.parent.name != "gold")


@cache
def _doc(name: str) -> str:
    path = next(p for p in [*REPORTS, *RAW.glob("*.txt")] if p.name == name)
    doc = document_text(path.read_bytes(), path.name)
    assert doc is not None
    return doc


def _claims(name: str) -> set[tuple]:
    return {(c.claim_key, c.value, c.qualifier, c.form) for c in extract_claims(_doc(name))}


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_every_claim_points_at_its_phrase(path):
    doc = _doc(path.name)
    sections = find_report_sections(doc)
    assert [s.number for s in sections] == [1, 2, 3, 4, 5, 6]
    for claim in extract_claims(doc, sections):
        # The span is in the parser's coordinates: the phrase is the text there, whitespace removed.
        assert compact(doc, claim.start, claim.end).text == claim.text
        assert claim.text in claim.sentence
        assert claim.value is not None and claim.value >= 0
        found = next(s for s in sections if s.number == claim.section) if claim.section else None
        assert found is None or found.start <= claim.start < found.end


def test_figures_stated_in_real_reports():
    # "共收到政府信息公开申请0条" over a table whose 新收 row says 3 (the row copied from 2022).
    assert ("applications_received", 0.0, "total", "stated") in _claims("p86656_jjf_2023.txt")
    assert ("applications_received", 3.0, "total", "stated") in _claims("p86658_jjf_2022.txt")
    # 自然人 applications, answered, carried forward, and reviews and suits stated together.
    assert _claims("u2042365_ptcg_2025.txt") >= {
        ("applications_received", 19.0, "natural_person", "stated"),
        ("applications_answered", 18.0, "total", "stated"),
        ("applications_carried_forward", 1.0, "total", "stated"),
        ("reviews_and_lawsuits", 0.0, "total", "stated"),
        ("fee_not_charged", 0.0, "total", "negation"),
    }
    assert _claims("u1794760_ptcg_2022.txt") >= {
        ("applications_received", 8.0, "natural_person", "stated"),
        ("applications_granted", 4.0, "total", "stated"),
        ("applications_unavailable", 4.0, "total", "stated"),
        ("reviews", 0.0, "total", "negation"),
        ("lawsuits", 0.0, "total", "negation"),
    }
    # One token per line (三明): the figures are read across the line breaks.
    assert _claims("s1884230_smgov_2022.txt") >= {
        ("applications_received", 347.0, "total", "stated"),
        ("applications_answered", 346.0, "total", "stated"),
        ("applications_carried_forward", 1.0, "total", "stated"),
    }
    assert ("reviews", 1.0, "total", "stated") in _claims("p96946_hzs_2024.txt")
    # "收到网络依申请公开1件" counts one channel only.
    assert ("applications_received", 1.0, "channel", "stated") in _claims("u1561650_pthyyyyj_2020.txt")
    # A PDF: 受理政府信息公开申请 17 件 (spaces inside).
    assert ("applications_received", 17.0, "total", "stated") in _claims("hongze_2024.pdf")


def test_what_is_not_a_claim():
    # 依申请公开信息数1条 counts information items, not applications; "未收到…行政复议、行政诉讼的申请"
    # is about reviews, not applications; table 四's header (尚未审结, 未经复议直接起诉) states nothing.
    claims = _claims("p96996_gyz_2024.txt")
    assert ("applications_received", 1.0, "total", "stated") not in claims
    assert ("applications_received", 0.0, "total", "negation") in claims  # 未收到过信息公开申请
    hzs = _claims("p80609_hzs_2021.txt")
    assert ("applications_received", 0.0, "total", "negation") not in hzs
    assert ("applications_received", 6.0, "total", "stated") in hzs
    for path in REPORTS:
        for claim in extract_claims(_doc(path.name)):
            assert "审结" not in claim.text and "直接起诉" not in claim.text, (path.name, claim.text)


def test_guards_before_a_word_decide_as_written():
    # Each guard of patterns.json sits after the word it guards (未(?<!尚未), 予以公开(?<![不部分]予以公开)),
    # so Python's re searches for the word; the claims are those of a guard before it.
    def claims(text: str) -> set[tuple]:
        return {(c.claim_key, c.value, c.form) for c in extract_claims(text)}

    assert ("applications_received", 0.0, "negation") in claims("本年度未收到政府信息公开申请。")
    assert not claims("本年度尚未收到政府信息公开申请。")  # 尚未 is "not yet", not a negation
    assert ("applications_granted", 3.0, "stated") in claims("予以公开3件。")
    assert ("applications_granted", 3.0, "stated") in claims("其中予以公开3件。")
    for text in ("不予以公开3件。", "部分予以公开3件。"):
        assert not {c for c in claims(text) if c[0] == "applications_granted"}, text
    assert ("applications_answered", 5.0, "stated") in claims("受理并办结5件。")
    assert ("applications_answered", 5.0, "stated") in claims("已办结5件。")


def test_sections_found_and_missing():
    found = {s.number for s in find_report_sections(_doc("p96685_spp_2024.txt")) if s.found_by}
    assert found == {1, 2, 3, 4, 5}  # its 六 became a fee table; there is no 其他需要报告的事项
    sections = {s.number: s for s in find_report_sections(_doc("s1480639_smgov_2019.txt"))}
    assert sections[1].found_by == "heading"  # "一、⏎总体情况" across a line break
    assert sections[5].text.startswith("五") and sections[2].text is None  # only 一, 五, 六 keep text


def test_renames_and_signatures():
    data = (REAL / "pingtan" / "p96996_gyz_2024.txt").read_bytes()
    result = analyse_document(data, "p96996_gyz_2024.txt", "平潭综合实验区投资促进局")
    assert [(m.kind, m.old_name, m.new_name) for m in result.mentions] == [
        ("signed_as", "平潭综合实验区国有资产管理局", "平潭综合实验区投资促进局")
    ]
    assert result.page_url.endswith("t20250126_96996.htm")
    text = "一、总体情况\n经批准,沭阳县城市管理局更名为沭阳县城市管理和综合执法局。全年收到申请2件。"
    assert [(m.kind, m.old_name, m.new_name) for m in name_mentions(text, "沭阳县城市管理和综合执法局")] == [
        ("renamed", "沭阳县城市管理局", "沭阳县城市管理和综合执法局")
    ]


def test_chinese_numerals():
    assert [to_number(t) for t in ("12", "十二", "两", "二十三", "一百零五", "零", "x")] == [
        12.0,
        12.0,
        2.0,
        23.0,
        105.0,
        0.0,
        None,
    ]
    assert ("reviews", 2.0, "total", "stated") in {
        (c.claim_key, c.value, c.qualifier, c.form)
        for c in extract_claims("一、总体情况\n全年行政复议两件。")
    }


def test_the_analysis_package_imports_no_dagster_dbt_or_duckdb():
    code = (
        "import sys; import dagster_project.analysis.narrative, dagster_project.analysis.agency, "
        "dagster_project.analysis.similarity; "
        "print(sorted(m for m in ('dagster', 'dbt', 'duckdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
