"""Document readers: HTML, PDF and DOCX bytes to plain text the text parser reads.

Every reader produces the same text layout:
- narrative paragraphs as plain lines (one paragraph, or one PDF text line, per line);
- tables as PIPE ROWS: one table row per line, each cell followed by `` | ``, cells in document
  order within the row, every physical cell once (rowspan/colspan cells are not replicated),
  blank cells as empty cells (``行政规范性文件 |  | 0 | 41 |``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

KINDS = ("html", "pdf", "docx")


class ReaderError(Exception):
    """Base class of the readers' errors."""


class NoTextLayer(ReaderError):
    """The PDF has no extractable text (a scan or images only)."""


class UnreadableDocument(ReaderError):
    """The file is corrupt or not what its magic bytes claim."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class TextDocument:
    text: str
    line_pages: list[int | None] = field(default_factory=list)  # 1-based page per line (PDF only)
    meta: dict = field(default_factory=dict)  # title, publish_date (YYYY-MM-DD), source_url, ...
    source_kind: str = "html"


# --- shared cell/line helpers -------------------------------------------------------------------

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’…—"
_WS = re.compile(r"\s+")  # \s covers \xa0 (&nbsp;) and \u3000 in str patterns
_CJK_GAP = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+(?=[{_CJK}{_CJK_PUNCT}])")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


def clean_text(text: str | None) -> str:
    """Collapse inner whitespace/newlines to single spaces; drop spaces between CJK characters
    (``商业\\n企业`` -> ``商业企业``, ``总 计`` -> ``总计``)."""
    if not text:
        return ""
    text = _ZERO_WIDTH.sub("", text)
    text = _WS.sub(" ", text).strip()
    return _CJK_GAP.sub("", text)


def clean_cell(text: str | None) -> str:
    return clean_text(text).replace("|", "｜")


def pipe_row(cells: list[str]) -> str:
    """One table row as a pipe-row line: every cell followed by `` | `` (blank cell: empty)."""
    return "".join(f"{c} | " if c else " | " for c in cells).rstrip()


_DATE = re.compile(r"(20\d\d|19\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"^(20\d\d)(\d\d)(\d\d)")


def normalize_date(value: str | None) -> str | None:
    """'2024-01-15 10:00', '2024年1月15日', '20240115' -> '2024-01-15' (None if no date)."""
    if not value:
        return None
    value = value.strip()
    m = _DATE.search(value) or _COMPACT_DATE.match(value.removeprefix("D:"))
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


# --- sniffing -----------------------------------------------------------------------------------

_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\xd0\xcf\x11\xe0",  # OLE2: legacy .doc/.xls
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"RIFF",
    b"{\\rtf",
)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|table|div|p)\b",
    re.I | re.S,
)
_HTML_INSIDE = re.compile(
    rb"<\s*(?:table|tr|td|p|div|span|br)\b|&lt;\s*(?:table|td|p)\b|<\\/\s*(?:td|p|table)",
    re.I,
)


def _head_text(data: bytes) -> bytes:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        return head[2:].decode(enc, errors="ignore").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


def sniff_kind(data: bytes, name: str = "") -> str:
    """'html' | 'pdf' | 'docx' | 'text' | 'binary' from the magic bytes (the name is a weak hint)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "docx" if name.lower().endswith(".docx") else "binary"
        return "docx" if "word/document.xml" in names else "binary"
    if data.startswith(_BINARY_MAGIC):
        return "binary"
    head = _head_text(data)
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and b"\x00" in data[:8192]:
        return "binary"
    if _HTML_START.match(head):
        return "html"
    # Every match of the pattern starts with "<" or "&": a head without either has no tags.
    tags = len(_HTML_INSIDE.findall(head)) if b"<" in head or b"&" in head else 0
    if tags >= 3 and (re.search(rb"<\s*table|&lt;\s*table|<\s*script", head, re.I) or tags >= 10):
        return "html"
    if name.lower().endswith((".html", ".htm", ".shtml", ".xhtml")) and tags >= 1:
        return "html"
    return "text"


_ARCHIVE_MAGIC = (
    (b"\x1f\x8b\x08", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)


def describe_archive(data: bytes) -> str | None:
    """'a ZIP archive holding 2 files: a.html, b.pdf' when ``data`` is compressed (not a DOCX)."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "word/document.xml" in names:
            return None
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        return f"a ZIP archive holding {len(names)} file(s)" + (f": {shown}" if names else "")
    return next((what for magic, what in _ARCHIVE_MAGIC if data.startswith(magic)), None)


def read_document(data: bytes, kind: str) -> TextDocument:
    """Read ``data`` of ``kind`` ('html' | 'pdf' | 'docx') into a TextDocument.

    Raises NoTextLayer (PDF without text) or UnreadableDocument (corrupt file)."""
    if kind == "html":
        from .html import read_html

        return read_html(data)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data)
    raise ValueError(f"read_document: unsupported kind {kind!r} (expected one of {KINDS})")
