"""Copy-paste against the same agency's previous report: shingled Jaccard and the most similar passage."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dagster_project.analysis.narrative import find_report_sections
from dagster_project.analysis.similarity import compare, previous_reports, similarity_table
from dagster_project.analysis.text import document_text

PINGTAN = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "pingtan"


def _section(name: str, number: int) -> str:
    doc = document_text((PINGTAN / name).read_bytes(), name)
    return next(s.text for s in find_report_sections(doc) if s.number == number)


def test_a_copy_that_changed_only_the_year_is_a_copy():
    text = (
        "五、存在的主要问题及改进情况\n"
        "2023年,我局政策解读形式较为单一,下一步将加强培训,丰富解读形式,提升公开质量。"
    )
    same = compare(text.replace("2023", "2024"), text)
    assert (same.jaccard, same.containment, same.passage_score) == (1.0, 1.0, 1.0)
    other = compare(
        text, "五、存在的主要问题及改进情况\n网站栏目设置不够合理,专栏更新不及时,互动回应不够充分。"
    )
    assert other.jaccard < 0.1
    assert compare(text, None).jaccard is None


def test_real_reports_copied_and_rewritten():
    # 投资促进局 2024 repeats the 2023 section 五 of the same agency (then 国有资产管理局) word for word.
    copied = compare(_section("p96996_gyz_2024.txt", 5), _section("p86550_gyz_2023.txt", 5))
    assert copied.jaccard == 1.0 and copied.passage == copied.prev_passage
    # 经济发展局 rewrote its section 五 between 2022 and 2023.
    rewritten = compare(_section("p86656_jjf_2023.txt", 5), _section("p86658_jjf_2022.txt", 5))
    assert rewritten.jaccard < 0.2 and rewritten.passage and rewritten.passage_score < 1.0


def test_pairs_are_each_report_and_the_latest_earlier_year():
    reports = pl.DataFrame(
        {
            "report_id": ["a19", "a21", "a22", "b22"],
            "agency_key": ["A", "A", "A", "B"],
            "report_year": [2019, 2021, 2022, 2022],
        }
    )
    pairs = previous_reports(reports)
    assert pairs.rows() == [("a21", "a19"), ("a22", "a21")]
    sections = pl.DataFrame(
        {
            "report_id": ["a21", "a22"],
            "section_no": [5, 5],
            "text": ["同一段文字,内容完全相同,没有任何变化。"] * 2,
        }
    )
    table = similarity_table(pairs, sections)
    assert table.filter(pl.col("report_id") == "a22", pl.col("section_no") == 5)["jaccard"].to_list() == [1.0]
    assert table.filter(pl.col("report_id") == "a21")["jaccard"].null_count() == 2  # 2019 has no text here
