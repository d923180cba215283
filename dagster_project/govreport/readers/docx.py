"""DOCX reader: the body in document order, paragraphs as lines and tables as pipe rows.

Works on the WordprocessingML directly (through python-docx for opening): every ``w:tc`` is one
physical cell, a ``gridSpan`` cell is one cell, and a ``vMerge`` continuation cell (the lower part
of a vertically merged cell) is skipped, so merged cells come out exactly once.
"""

from __future__ import annotations

import io

from .document import TextDocument, UnreadableDocument, clean_cell, clean_text, normalize_date, pipe_row

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _para_text(p) -> str:
    parts: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag in (W + "tab", W + "br", W + "cr"):
            parts.append(" ")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _is_vmerge_continuation(tc) -> bool:
    tcpr = tc.find(W + "tcPr")
    if tcpr is None:
        return False
    vm = tcpr.find(W + "vMerge")
    if vm is None:
        return False
    return vm.get(W + "val", "continue") != "restart"


def _cell_text(tc) -> str:
    texts = [_para_text(p) for p in tc.iter(W + "p")]
    return clean_cell(" ".join(t for t in texts if t.strip()))


def _row_cells(tr) -> list:
    """The w:tc of a row in order (inside w:sdt / w:customXml wrappers too)."""
    cells = []
    for child in tr:
        if child.tag == W + "tc":
            cells.append(child)
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                cells += _row_cells(content)
    return cells


def _table_lines(tbl) -> list[str]:
    lines = []
    for tr in tbl.iter(W + "tr"):
        if _parent_table(tr) is not tbl:
            continue  # rows of a nested table are read as that cell's text
        cells = [_cell_text(tc) for tc in _row_cells(tr) if not _is_vmerge_continuation(tc)]
        if any(cells):
            lines.append(pipe_row(cells))
    return lines


def _parent_table(el):
    p = el.getparent()
    while p is not None and p.tag != W + "tbl":
        p = p.getparent()
    return p


def _body_lines(container, out: list[str]) -> None:
    for child in container:
        tag = child.tag
        if tag == W + "p":
            text = clean_text(_para_text(child))
            if text:
                out.append(text)
        elif tag == W + "tbl":
            out.extend(_table_lines(child))
        elif tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                _body_lines(content, out)
        elif tag == W + "customXml":
            _body_lines(child, out)


def read_docx(data: bytes) -> TextDocument:
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableDocument(f"cannot open DOCX: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    _body_lines(document.element.body, lines)
    meta: dict = {}
    try:
        core = document.core_properties
        if core.title:
            meta["title"] = clean_text(core.title)
        if core.created:
            meta["creation_date"] = normalize_date(core.created.isoformat())
    except Exception:  # pragma: no cover - broken core properties are not fatal
        pass
    if "title" not in meta and lines:
        meta["title"] = lines[0] if "|" not in lines[0] else None
        if meta["title"] is None:
            del meta["title"]
    return TextDocument(text="\n".join(lines), line_pages=[], meta=meta, source_kind="docx")
