"""The parser on each text layout and each real-world deviation (FORMAT_SPEC §9)."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys

import pytest
from opencc import OpenCC

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.record import NOT_A_REPORT, PARSED, UNKNOWN_FORMAT

from .conftest import FIXTURES, ROOT

TABLES = ("agency", "year", "format", "table2", "table3", "table4")


def parse_text(text: str, name: str = "x.txt"):
    return parse_bytes(text.encode("utf-8"), name)


def codes(result) -> list[str]:
    return [i.code for i in result.issues]


def same_tables(record: dict, gold: dict) -> None:
    for key in TABLES:
        assert record[key] == gold[key], key


# ---------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    "stem",
    [
        "000_11efede76b55d959",  # one cell per line ending in |, blank cells as lone pipes
        "001_4a271a9a9156ab49",  # one cell per line, blank lines between cells, page chrome
        "002_1414fb0450e1f7ca",  # whole rows with | separators, Traditional with pinyin, missing labels
        "003_6bf7699e84e20962",  # missing row, truncated table 四, number with text
        "004_2f7acd81927c9392",  # blank cells, agency named in the body
    ],
)
def test_seed_reports_parse_to_gold(stem, seed_texts, gold):
    result = parse_text(seed_texts[stem], f"{stem}.txt")
    assert result.status == PARSED
    same_tables(result.record, gold[stem])


def _markdown(text: str) -> str:
    """Seed 002's pipe rows as GitHub Markdown tables (separator after each table's first row)."""
    out, in_table = [], False
    for line in text.splitlines():
        if "|" in line:
            cells = [c.strip() for c in line.rstrip().rstrip("|").split("|")]
            out.append("| " + " | ".join(cells) + " |")
            if not in_table:
                out.append("|" + "---|" * len(cells))
            in_table = True
        else:
            out.append(line)
            in_table = False
    return "\n".join(out)


def test_markdown_tables(seed_texts, gold):
    stem = "002_1414fb0450e1f7ca"
    result = parse_text(_markdown(seed_texts[stem]))
    same_tables(result.record, gold[stem])


def test_flattened_fused_digit_runs_split_by_identities():
    result = parse_bytes((FIXTURES / "text" / "flat_fused_2021.txt").read_bytes(), "flat.txt")
    rec = result.record
    assert rec["agency"] == "示例县人民政府" and rec["year"] == 2023 and rec["format"] == "2021"
    assert rec["table3"]["new_received"] == [80, 1, 0, 0, 0, 0, 81]
    assert rec["table3"]["partially_granted"] == [10, 0, 0, 0, 0, 0, 10]
    assert rec["table3"]["total_processed"] == [66, 1, 0, 0, 0, 0, 67]
    assert rec["table4"]["review_total"] == 3 and rec["table4"]["litigation_after_review_upheld"] == 1
    assert rec["table2"]["admin_fees_10k_yuan"] == 32064.23
    assert rec["table2"]["regulations_in_force"] == 0  # "000" has one reading
    # "2035" reads as 2,0,35 or 20,3,5: no identity decides, so the cells stay null and are flagged.
    assert [rec["table2"][k] for k in ("normative_issued", "normative_repealed", "normative_in_force")] == [
        None,
        None,
        None,
    ]
    flagged = [i for i in result.issues if i.code == "ambiguous_segmentation"]
    assert [i.cell for i in flagged] == ["t2.normative_issued"]


FLAT = (FIXTURES / "text" / "flat_fused_2021.txt").read_text(encoding="utf-8")
# "101000011" splits two ways that both add up: 10,1,0,0,0,0,11 and 1,0,10,0,0,0,11.
AMBIGUOUS_GRANTED = (
    FLAT.replace("(一)予以公开301000031", "(一)予以公开101000011")
    .replace("(七)总计661000067", "(七)总计461000047")
    .replace("四、结转下年度继续办理180000018", "四、结转下年度继续办理380000038")
)


def test_fused_run_resolved_by_column_identities():
    # S1/S2 hold only for the 10,1,... reading (the totals were adjusted for it).
    rec = parse_text(AMBIGUOUS_GRANTED).record
    assert rec["table3"]["granted"] == [10, 1, 0, 0, 0, 0, 11]


def test_fused_run_left_null_when_identities_cannot_decide():
    text = AMBIGUOUS_GRANTED.replace("(七)总计461000047", "(七)总计- - - - - - -")
    text = text.replace("四、结转下年度继续办理380000038", "四、结转下年度继续办理- - - - - - -")
    result = parse_text(text)
    assert result.record["table3"]["granted"] == [None, None, None, 0, 0, 0, 11]
    flagged = [i.cell for i in result.issues if i.code == "ambiguous_segmentation"]
    assert "t3.granted" in flagged


def test_unsplittable_run_is_flagged_not_guessed():
    text = FLAT.replace("2.重复申请2000002", "2.重复申请20000003")  # no split adds up
    result = parse_text(text)
    assert result.record["table3"]["not_processed_duplicate"] == [None] * 7
    assert "unsplittable_digit_run" in codes(result)


def test_blank_line_cells_keep_positions(seed_texts, gold):
    stem = "001_4a271a9a9156ab49"
    # Windows line endings and a UTF-8 BOM must not matter.
    data = codecs.BOM_UTF8 + seed_texts[stem].replace("\n", "\r\n").encode("utf-8")
    result = parse_bytes(data, "x.txt")
    assert result.encoding == "utf-8-sig"
    same_tables(result.record, gold[stem])


# ---------------------------------------------------------------- encodings and scripts


def test_gbk_bytes_are_detected(seed_texts, gold):
    stem = "003_6bf7699e84e20962"
    result = parse_bytes(seed_texts[stem].encode("gbk"), "x.txt")
    assert result.encoding.lower() in {"gb18030", "gbk", "gb2312"}
    same_tables(result.record, gold[stem])


def test_utf16_bytes(seed_texts, gold):
    stem = "000_11efede76b55d959"
    result = parse_bytes(seed_texts[stem].encode("utf-16"), "x.txt")
    assert result.encoding == "utf-16"
    same_tables(result.record, gold[stem])


def test_traditional_with_pinyin_mirror(seed_texts, gold):
    stem = "000_11efede76b55d959"
    traditional = OpenCC("s2t").convert(seed_texts[stem])
    mirrored = traditional.replace("發", "發(fā)").replace("開", "開(kāi)").replace("數", "數(shù)")
    assert "公開(kāi)" in mirrored
    result = parse_text(mirrored)
    same_tables(result.record, gold[stem])


def test_full_width_digits_and_spaces(seed_texts, gold):
    stem = "000_11efede76b55d959"
    wide = seed_texts[stem].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    wide = wide.replace("商业 企业", "商业\u3000企业").replace("41 |", "41\u00a0|")
    same_tables(parse_text(wide).record, gold[stem])


# ---------------------------------------------------------------- template alignment


def test_label_typos_and_variants(seed_texts, gold):
    stem = "000_11efede76b55d959"
    text = (
        seed_texts[stem]
        .replace("本年制发件数", "本年发件")
        .replace("7.属于行政执法案卷", "7.属于行政执法案件")
        .replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
        .replace("三、本年度办理结果", "三、本年度办 理结果")
        .replace("行政规范性文件", "规范性文件")
    )
    same_tables(parse_text(text).record, gold[stem])


def test_missing_labels_are_placed_by_position(seed_texts, gold):
    stem = "002_1414fb0450e1f7ca"
    result = parse_text(seed_texts[stem])
    missing = {i.cell for i in result.issues if i.code == "missing_label"}
    assert {"t3.new_received", "t3.denied_prohibited_by_law", "t3.unavailable_unclear_request"} <= missing
    same_tables(result.record, gold[stem])


def test_missing_row_and_truncated_table(seed_texts):
    result = parse_text(seed_texts["003_6bf7699e84e20962"])
    assert result.record["table3"]["other_other"] == [None] * 7
    assert result.record["table4"]["review_pending"] is None
    assert {"missing_row", "truncated_table", "text_in_number_cell"} <= set(codes(result))


def test_number_with_text_takes_leading_number(seed_texts):
    result = parse_text(seed_texts["003_6bf7699e84e20962"])
    assert result.record["table2"]["punishment_decisions"] == 8
    assert result.provenance["t2.punishment_decisions"].raw == "8件(撤销1件、警告7件)"


@pytest.mark.parametrize("placeholder", ["-", "/", "—", "无"])
def test_placeholders_are_null(seed_texts, placeholder):
    text = seed_texts["000_11efede76b55d959"].replace("行政强制 |\n0 |", f"行政强制 |\n{placeholder} |")
    result = parse_text(text)
    assert result.record["table2"]["coercion_decisions"] is None
    assert result.provenance["t2.coercion_decisions"].raw == placeholder


def test_format_2019_keys_negative_change_and_procurement_unit():
    result = parse_bytes((FIXTURES / "text" / "pipe_rows_2019.txt").read_bytes(), "x.txt")
    rec = result.record
    assert rec["format"] == "2019" and result.meta["table3_layout"] == "2019"
    assert rec["table2"]["licensing_items_change"] == -3
    assert rec["table2"]["licensing_decisions"] == 1520  # thousands separator
    assert rec["table2"]["coercion_decisions"] is None  # "-" placeholder
    assert rec["table2"]["procurement_amount_yuan"] == 251000  # 25.1万元
    assert "other_processing" in rec["table3"] and "other_other" not in rec["table3"]
    assert rec["table3"]["other_processing"] == [1, 0, 0, 0, 0, 0, 1]
    assert len(rec["table3"]) == 23
    assert result.meta["publish_date"] == "2020-01-31"
    assert result.meta["fee"]["fee_charged"] is True and result.meta["fee"]["fee_amount_yuan"] == 200


def test_hybrid_layout_2021_table2_with_one_row_other_processing(seed_texts, gold):
    stem = "000_11efede76b55d959"
    text = seed_texts[stem]
    start = text.index("(六)其他处理 |")
    end = text.index("(七)总计 |")
    text = text[:start] + "(六)其他处理 |\n0 |\n0 |\n0 |\n0 |\n0 |\n0 |\n0 |\n||\n" + text[end:]
    result = parse_text(text)
    assert result.record["format"] == "2021"
    assert result.meta["table3_layout"] == "2019"
    assert result.record["table3"]["other_processing"] == [0] * 7
    assert "other_overdue_fee" not in result.record["table3"]
    assert result.record["table2"] == gold[stem]["table2"]


def test_source_identity_break_is_kept_and_flagged(seed_texts, gold):
    stem = "004_2f7acd81927c9392"
    result = parse_text(seed_texts[stem])
    assert result.record["table3"]["total_processed"][0] == 6  # not repaired
    assert any(i.code == "identity_s2_fail" and i.cell == "t3.total_processed[0]" for i in result.issues)


# ---------------------------------------------------------------- metadata and provenance


def test_metadata_from_title_body_and_chrome(seed_texts):
    assert parse_text(seed_texts["001_4a271a9a9156ab49"]).record["agency"] == "瑞金市人民政府"
    assert parse_text(seed_texts["002_1414fb0450e1f7ca"]).record["agency"] == "招远市人民政府"
    assert (
        parse_text(seed_texts["004_2f7acd81927c9392"]).record["agency"] == "蓉江新区政务服务和大数据发展中心"
    )


def test_fee_sentence_from_section_six(seed_texts):
    fee = parse_text(seed_texts["001_4a271a9a9156ab49"]).meta["fee"]
    assert fee["fee_reported"] is True and fee["fee_charged"] is False
    assert "信息处理费" in fee["fee_text_raw"]
    assert parse_text(seed_texts["003_6bf7699e84e20962"]).meta["fee"]["fee_reported"] is False


def test_provenance_points_at_the_source_line(seed_texts):
    text = seed_texts["000_11efede76b55d959"]
    result = parse_text(text)
    src = result.provenance["t2.normative_in_force"]
    assert src.raw == "41"
    assert text.splitlines()[src.line - 1].startswith("41")
    blank = result.provenance["t2.normative_issued"]
    assert blank.raw == "" and result.record["table2"]["normative_issued"] is None


# ---------------------------------------------------------------- not a report


def test_not_a_report():
    result = parse_text("今天天气很好。\n我们去公园散步,看到了很多花。\n")
    assert result.status == NOT_A_REPORT and result.record is None


def test_report_without_tables_is_unknown_format():
    text = "某某局2023年政府信息公开工作年度报告\n一、总体情况\n本年度主动公开政府信息100条,收到申请3件。\n"
    assert parse_text(text).status == UNKNOWN_FORMAT


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary")],
)
def test_empty_and_binary(data, status):
    assert parse_bytes(data, "x").status == status


# ---------------------------------------------------------------- the CLI contract


def test_cli_parse_prints_one_json_line_per_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02 not a report")
    seed = ROOT / "raw" / "000_11efede76b55d959.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "parse", str(bad), str(seed), "--no-provenance"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["file"] for r in lines] == ["bad.txt", "000_11efede76b55d959.txt"]
    assert lines[0]["status"] != "parsed" and lines[1]["status"] == "parsed"
    assert "provenance" not in lines[1] and lines[1]["table3"]["new_received"][0] == 66


def test_deeply_nested_html_is_refused_cleanly():
    html = b"<html><body>" + b"<div>" * 20000 + b"text" + b"</div>" * 20000 + b"</body></html>"
    result = parse_bytes(html, "deep.html")
    assert result.status == "undecodable"
    assert "nested too deeply" in result.issues[0].message


def test_cli_exit_code_for_a_missing_path(tmp_path):
    seed = ROOT / "raw" / "000_11efede76b55d959.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "parse", str(tmp_path / "nope.txt"), str(seed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["status"] for r in lines] == ["unreadable", "parsed"]  # the good file is still parsed


def test_markdown_conversion_with_headings_split_tables_and_page_numbers(gold):
    """A PDF-to-Markdown conversion: `#` headings, table 三 split over two pipe tables at a page
    break, the second with generic 数据1..8 headers, and a page number between them."""
    import random

    from dagster_project.govreport.render import render_text

    record = gold["001_4a271a9a9156ab49"]
    out = []
    for line in render_text(record, "markdown", random.Random(3)).split("\n"):
        out.append("# " + line if line[:2] in ("二、", "三、", "四、") else line)
        if "4.保护第三方合法权益" in line:
            out += [
                "",
                "第 2 页 共 3 页",
                "",
                "| " + " | ".join(f"数据{i}" for i in range(1, 9)) + " |",
                "|---" * 8 + "|",
            ]
    result = parse_text("\n".join(out))
    same_tables(result.record, record)
