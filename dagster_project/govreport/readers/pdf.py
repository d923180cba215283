"""PDF reader: pdfplumber, ruled tables as pipe rows interleaved with the text around them."""

from __future__ import annotations

import io
import re

from .document import NoTextLayer, TextDocument, UnreadableDocument, clean_cell, clean_text, pipe_row

# Only visible rulings make a table: WPS/Word PDFs paint white filled rectangles behind every text
# line, which pdfplumber's default "lines" strategy would take for table cells.
_RULE_MAX = 2.5  # a filled rectangle thinner than this (pt) is a drawn rule


def _is_white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return color >= 0.95
    if isinstance(color, (list, tuple)):
        if not color:
            return False
        if len(color) == 4:  # CMYK: white is no ink
            return all(isinstance(c, (int, float)) and c <= 0.05 for c in color)
        return all(isinstance(c, (int, float)) and c >= 0.95 for c in color)
    return False


def _ruling_objects(page) -> list[dict]:
    objs: list[dict] = []
    for line in page.lines:
        if not _is_white(line.get("stroking_color")):
            objs.append(line)
    for rect in page.rects:
        thin = min(rect.get("width", 0), rect.get("height", 0)) <= _RULE_MAX
        stroked = rect.get("stroke") and not _is_white(rect.get("stroking_color"))
        filled_rule = rect.get("fill") and thin and not _is_white(rect.get("non_stroking_color"))
        if stroked or filled_rule:
            objs.append(rect)
    for curve in page.curves:
        if curve.get("stroke") and not _is_white(curve.get("stroking_color")):
            objs.append(curve)
    return objs


def _closing_edges(edges: list[dict]) -> list[dict]:
    """Horizontal edges closing each group of vertical rulings at its top and bottom: WPS leaves out
    the bottom border of the last row on a page when the table continues on the next one."""
    verticals = sorted((e for e in edges if e.get("orientation") == "v"), key=lambda e: e["top"])
    groups: list[list[dict]] = []
    for e in verticals:
        if groups and e["top"] <= max(g["bottom"] for g in groups[-1]) + 3:
            groups[-1].append(e)
        else:
            groups.append([e])
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        x0, x1 = min(e["x0"] for e in g), max(e["x1"] for e in g)
        for y in (min(e["top"] for e in g), max(e["bottom"] for e in g)):
            out.append(
                {
                    "object_type": "synthetic_edge",
                    "orientation": "h",
                    "x0": x0,
                    "x1": x1,
                    "top": y,
                    "bottom": y,
                    "doctop": y + (g[0]["doctop"] - g[0]["top"]) if "doctop" in g[0] else y,
                    "width": x1 - x0,
                    "height": 0,
                }
            )
    return out


def _find_tables(page) -> list:
    from pdfplumber.utils import obj_to_edges

    edges = [e for obj in _ruling_objects(page) for e in obj_to_edges(obj)]
    if not edges:
        return []
    objs = edges + _closing_edges(edges)
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": objs,
        "explicit_horizontal_lines": objs,
        "snap_tolerance": 3,
        "join_tolerance": 3,
        "intersection_tolerance": 3,
    }
    tables = page.find_tables(settings)
    out = []
    for t in tables:
        rows = t.extract()
        ncols = max((len(r) for r in rows), default=0)
        if len(rows) >= 2 or ncols >= 2:
            out.append(t)
    return out


_LABELISH = re.compile(r"[\u4e00-\u9fff]")
_NUMBERED = re.compile(r"^\d{1,2}\s*[.、．]")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_NUM_TOKEN = re.compile(r"^[+-]?\d[\d,.]*$")


def _is_label(text: str) -> bool:
    return bool(_LABELISH.search(text)) and (not text[0].isdigit() or bool(_NUMBERED.match(text)))


def _table_rows(table) -> list[tuple[float, list[str]]]:
    """(top, cells) per row; None grid positions (spanned cells) are skipped: each cell once."""
    extracted = table.extract()
    # Left edge of the value columns: the leftmost cell holding a number.
    value_x0 = min(
        (
            bbox[0]
            for row, cells in zip(table.rows, extracted, strict=False)
            for bbox, text in zip(row.cells, cells, strict=False)
            if bbox is not None and text and _NUM_TOKEN.match(clean_text(text))
        ),
        default=None,
    )
    rows = []
    for row, cells in zip(table.rows, extracted, strict=False):
        kept: list[str] = []
        seen_label = False
        for bbox, text in zip(row.cells, cells, strict=False):
            if bbox is None or text is None:
                continue
            cell = clean_cell(text)
            if not cell and seen_label and value_x0 is not None and bbox[2] <= value_x0 + 2:
                continue  # a blank cell in the label area after the label (a narrower label cell)
            seen_label = seen_label or bool(cell and _is_label(cell))
            kept.append(cell)
        if not any(kept):
            continue
        # A row continued from the previous page repeats its group cells as blank cells in front of
        # the label: they are rowspan continuations, not values.
        first = next(i for i, c in enumerate(kept) if c)
        if first and _is_label(kept[first]):
            kept = kept[first:]
        rows.append((row.bbox[1], kept))
    return rows


def _text_lines(page) -> list[tuple[float, str]]:
    out = []
    for line in page.extract_text_lines(return_chars=False):
        text = clean_text(line["text"])
        if text:
            out.append((line["top"], text))
    return out


_TITLE_TAIL = re.compile(r"^(?:20\d\d\s*年度?)?\s*(?:政府)?(?:信息公开|政务公开)\S{0,8}(?:报告|年报)$")
_TITLE_HEAD = re.compile(r"^[^，。；,;:：|]{2,40}$")


def _join_title(lines: list[str], pages: list[int | None]) -> tuple[list[str], list[int | None]]:
    """A report title printed over two lines (agency / ``2024 年政府信息公开工作年度报告``) -> one line."""
    for i in range(min(len(lines) - 1, 5)):
        head, tail = lines[i], lines[i + 1]
        if "|" in head or "|" in tail or not _TITLE_TAIL.match(tail.replace(" ", "")):
            continue
        if _TITLE_HEAD.match(head) and not _TITLE_TAIL.match(head.replace(" ", "")):
            joined = clean_text(head + tail.replace(" ", ""))
            return [*lines[:i], joined, *lines[i + 2 :]], [*pages[:i], pages[i], *pages[i + 2 :]]
    return lines, pages


def _pdf_meta(pdf) -> dict:
    meta: dict = {}
    info = {}
    try:
        for d in pdf.doc.info or []:
            info.update(d)
    except Exception:  # pragma: no cover - broken info dictionaries
        info = {}

    def text(value) -> str | None:
        try:
            from pdfminer.pdftypes import resolve1

            value = resolve1(value)
        except Exception:  # pragma: no cover
            pass
        if isinstance(value, bytes):
            if value.startswith(b"\xfe\xff"):
                return value[2:].decode("utf-16-be", errors="ignore")
            if value.startswith(b"\xff\xfe"):
                return value[2:].decode("utf-16-le", errors="ignore")
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                from pdfminer.utils import decode_text

                return decode_text(value)
        if isinstance(value, str):
            return value
        return None

    title = clean_text(text(info.get("Title")) or "")
    if title:
        meta["title"] = title
    created = text(info.get("CreationDate"))
    if created:
        m = re.match(r"^(?:D:)?(\d{4})(\d\d)(\d\d)", created)
        if m:
            meta["creation_date"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return meta


def read_pdf(data: bytes) -> TextDocument:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:
        raise UnreadableDocument(f"cannot open PDF: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    line_pages: list[int | None] = []
    any_chars = False
    header_rows: list[str] = []  # the first rows of the current table (repeated header detection)
    last_was_row = False  # the previous page ended with a table row
    try:
        for pno, page in enumerate(pages, start=1):
            if page.chars:
                any_chars = True
            else:
                continue
            tables = _find_tables(page)
            if not tables:
                plain = _text_lines(page)
                tabular = sum(1 for _, t in plain if sum(bool(_NUM_TOKEN.match(w)) for w in t.split()) >= 3)
                if tabular >= 3:  # an unruled table: keep the columns' positions
                    text = page.extract_text(layout=True) or ""
                    page_lines = [raw.strip().replace("|", "｜") for raw in text.splitlines()]
                else:
                    page_lines = [t for _, t in plain]
                for line in page_lines:
                    if line and not _PAGE_NUMBER.match(line):
                        lines.append(line)
                        line_pages.append(pno)
                last_was_row = False
                continue
            outside = page
            for t in tables:
                outside = outside.outside_bbox(t.bbox)
            items: list[tuple[float, int, str]] = [(top, 0, txt) for top, txt in _text_lines(outside)]
            tables = sorted(tables, key=lambda t: t.bbox[1])
            first_top = min((it[0] for it in items), default=None)
            for ti, t in enumerate(tables):
                table_rows = _table_rows(t)
                rows = [pipe_row(cells) for _, cells in table_rows]
                tops = [top for top, _ in table_rows]
                # The first table of a page that starts before any text continues the previous
                # page's table when that page ended with a table row.
                continued = ti == 0 and last_was_row and (first_top is None or (tops and tops[0] < first_top))
                if continued:
                    k = 0
                    while k < min(len(rows), len(header_rows)) and rows[k] == header_rows[k]:
                        k += 1
                    rows, tops = rows[k:], tops[k:]  # a header repeated after the page break
                else:
                    header_rows = rows[:4]
                items += [(top, 1, r) for top, r in zip(tops, rows, strict=True)]
            ordered = sorted(items, key=lambda x: (x[0], x[1]))
            last_was_row = bool(ordered) and ordered[-1][1] == 1
            for _, kind, txt in ordered:
                if kind == 0 and _PAGE_NUMBER.match(txt):
                    continue
                lines.append(txt)
                line_pages.append(pno)
    except (NoTextLayer, UnreadableDocument):
        raise
    except Exception as exc:
        raise UnreadableDocument(f"PDF extraction failed: {type(exc).__name__}: {exc}") from exc
    finally:
        meta = {}
        try:
            meta = _pdf_meta(pdf)
        finally:
            pdf.close()
    if not any_chars or not any(line.strip() for line in lines):
        raise NoTextLayer(f"no extractable text in {len(pages)} page(s)")
    lines, line_pages = _join_title(lines, line_pages)
    return TextDocument(text="\n".join(lines), line_pages=line_pages, meta=meta, source_kind="pdf")
