"""Readers: kind sniffing, dispatch and errors."""

from __future__ import annotations

import io
import zipfile

import pytest

from dagster_project.govreport.readers import (
    NoTextLayer,
    TextDocument,
    UnreadableDocument,
    read_document,
    sniff_kind,
)
from dagster_project.govreport.readers.document import clean_cell, normalize_date, pipe_row


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\n\n%PDF-1.4 leading junk", "pdf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
        (b"\xef\xbb\xbf  <html><head></head></html>", "html"),
        (b"<table><tr><td>1</td></tr></table>", "html"),
        ("<!-- saved --><HTML><BODY>报告</BODY></HTML>".encode("gb18030"), "html"),
        (
            b'var content = "<table border=\\"1\\"><tr><td>\\u672c</td><\\/tr><\\/table><p>x<\\/p>";',
            "html",
        ),
        ("一、总体情况\n行政规范性文件 |  | 0 | 41 |\n".encode(), "text"),
        ("报告全文 a<b 没有标签".encode("gb18030"), "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "binary"),
        (b"GIF89a\x01\x00", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "binary"),
        (b"abc\x00\x01\x02def", "binary"),
        ("报告".encode("utf-16"), "text"),
    ],
)
def test_sniff_kind(data: bytes, kind: str) -> None:
    assert sniff_kind(data, "f") == kind


def test_sniff_zip() -> None:
    assert sniff_kind(_zip(["[Content_Types].xml", "word/document.xml"]), "a.bin") == "docx"
    assert sniff_kind(_zip(["xl/workbook.xml"]), "a.xlsx") == "binary"
    assert sniff_kind(b"PK\x03\x04broken", "a.zip") == "binary"


def test_read_document_errors() -> None:
    with pytest.raises(ValueError):
        read_document(b"x", "text")
    with pytest.raises(UnreadableDocument):
        read_document(b"%PDF-1.4\nthis is not a pdf at all", "pdf")
    with pytest.raises(UnreadableDocument):
        read_document(_zip(["word/document.xml"]), "docx")
    assert issubclass(NoTextLayer, Exception)


def test_helpers() -> None:
    assert clean_cell("商业\n 企业") == "商业企业"
    assert clean_cell("  a|b\xa0 c ") == "a｜b c"
    assert clean_cell("2023 年") == "2023 年"
    assert pipe_row(["行政规范性文件", "", "0", "41"]) == "行政规范性文件 |  | 0 | 41 |"
    assert normalize_date("2024年1月5日 10:00") == "2024-01-05"
    assert normalize_date("D:20240226144123") == "2024-02-26"
    assert normalize_date("nope") is None
    doc = TextDocument(text="a")
    assert doc.line_pages == [] and doc.meta == {}
