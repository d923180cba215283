"""Files a download folder holds besides reports: each gets the reason that names what it is."""

from __future__ import annotations

import gzip
import io
import zipfile

from dagster_project.govreport.parse import parse_bytes

from .conftest import SEEDS

IMAGE_PAGE = """<html><head><meta charset="utf-8">
<title>2023年政府信息公开工作年度报告_某某市人民政府网</title></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></div>
<h1>2023年政府信息公开工作年度报告</h1><div class="info">发布时间：2024-01-20</div>
<div class="content"><p><img src="/upload/p1.png" width="800"></p><p><img src="/upload/p2.png"></p>
<p><img src="/upload/p3.png" style="width:100%"></p></div>
<div class="footer"><img src="/images/logo.gif" width="40" height="40">版权所有</div>
</body></html>"""


def test_report_pasted_as_images_is_unknown_format():
    result = parse_bytes(IMAGE_PAGE.encode("utf-8"), "report.html")
    assert result.status == "unknown_format"
    assert "3 image(s)" in result.issues[0].message  # the 40-pixel logo is not content


def test_images_without_a_report_title_are_not_a_report():
    page = IMAGE_PAGE.replace("政府信息公开工作年度报告", "风景图片")
    assert parse_bytes(page.encode("utf-8"), "photos.html").status == "not_a_report"


def test_compressed_files_are_quarantined_with_their_members():
    report = SEEDS[0].read_bytes()
    result = parse_bytes(gzip.compress(report), "report.txt.gz")
    assert result.status == "compressed" and "gzip" in result.issues[0].message
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("年度报告.txt", report)
    result = parse_bytes(buffer.getvalue(), "download.zip")
    assert result.status == "compressed"
    assert "ZIP archive holding 1 file(s): 年度报告.txt" in result.issues[0].message


def test_a_docx_is_still_read_as_a_document():
    import docx

    document = docx.Document()
    document.add_paragraph("今天天气很好。")
    buffer = io.BytesIO()
    document.save(buffer)
    assert parse_bytes(buffer.getvalue(), "a.docx").status == "not_a_report"
