"""HTML reader: saved report pages (Word-exported markup, CMS pages, content embedded in scripts)."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .document import TextDocument, UnreadableDocument, clean_cell, clean_text, normalize_date, pipe_row

# --- decoding -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
}


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode HTML bytes: BOM, then the declared charset, then UTF-8/GB18030, then charset-normalizer."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    candidates: list[str] = []
    m = _META_CHARSET.search(data[:8192]) or _XML_ENCODING.search(data[:1024])
    if m:
        declared = m.group(1).decode("ascii", "ignore").lower()
        candidates.append(_ALIASES.get(declared, declared))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best), best.encoding
    except Exception:  # pragma: no cover - detector failure falls through to a lossy decode
        pass
    return data.decode("utf-8", errors="replace"), "utf-8"


# --- content embedded in scripts / escaped as text -----------------------------------------------

_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', re.S)
_MARKUP = re.compile(r"<\s*/?\s*(?:table|tr|td|th|p|div|span|br|h[1-6])\b", re.I)
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_JS_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "", "f": "", "v": "", "0": ""}


def _js_unescape(s: str) -> str:
    def sub(m: re.Match) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _JS_SIMPLE.get(e, e)

    return _JS_ESCAPE.sub(sub, s)


def _script_markup(script: str) -> str | None:
    """The HTML held in a script's string literals (``var content = "<table>...<\\/table>"``)."""
    if not _MARKUP.search(script.replace("\\/", "/")):
        return None
    parts = []
    for m in _JS_STRING.finditer(script):
        raw = next(g for g in m.groups() if g is not None)
        for value in _unwrap(_js_unescape(raw)):
            if _MARKUP.search(value) or (parts and value.strip() and "<" in value):
                parts.append(value)
    if not parts:
        return None
    return "".join(parts)


def _unwrap(value: str, depth: int = 0) -> list[str]:
    """The strings inside a JS string value: JSON payloads are decoded, leftover escapes undone."""
    stripped = value.strip()
    if depth < 3 and stripped[:1] in "{[" and _MARKUP.search(stripped):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if data is not None:
            out: list[str] = []
            stack = [data]
            while stack:
                item = stack.pop(0)
                if isinstance(item, str):
                    out += _unwrap(item, depth + 1)
                elif isinstance(item, dict):
                    stack += list(item.values())
                elif isinstance(item, list):
                    stack += item
            return out
    if depth < 3 and _MARKUP.search(value) and re.search(r'\\["/nt]|\\u[0-9a-fA-F]{4}', value):
        return _unwrap(_js_unescape(value), depth + 1)  # doubly escaped (\\" inside the string)
    return [value]


def _replace_with_markup(node, markup: str) -> None:
    frag = BeautifulSoup(markup, "lxml")
    body = frag.body or frag
    holder = Tag(name="div")
    for child in list(body.contents):
        holder.append(child.extract())
    node.replace_with(holder)


def _expand_embedded(soup: BeautifulSoup) -> None:
    for script in soup.find_all("script"):
        text = script.string if script.string is not None else script.get_text()
        markup = _script_markup(text or "")
        if markup and len(_MARKUP.findall(markup)) >= 2:
            _replace_with_markup(script, markup)
    # Escaped markup shown as text (&lt;table&gt;... or inside a <textarea>): parse it again.
    for _ in range(2):
        changed = False
        for s in list(soup.find_all(string=True)):
            if isinstance(s, Comment) or s.parent is None or s.parent.name in ("script", "style"):
                continue
            if len(_MARKUP.findall(s)) >= 2 and re.search(r"<\s*/", s):
                _replace_with_markup(s, str(s))
                changed = True
        if not changed:
            break


# --- report tables ------------------------------------------------------------------------------

_MARKERS = (
    "第二十条",
    "信息内容",
    "申请人情况",
    "本年新收",
    "上年结转",
    "本年度办理结果",
    "予以公开",
    "不予公开",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "本年制发",
    "处理决定数量",
    "自然人",
    "规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "政府集中采购",
    "结转下年度",
    "信访举报投诉",
    "本机关不掌握",
    "尚未审结",
)
_VALUE_CELL = re.compile(r"^(?:[+-]?\d[\d,.]*\s*\S{0,12}|[-/—–―无]|--|——)$")
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
    "footer", "nav", "aside", "main", "blockquote", "pre", "center", "form", "dl", "dt", "dd", "tr",
    "td", "th", "caption", "table", "tbody", "thead", "tfoot", "address", "figure", "figcaption",
    "hr", "fieldset", "body", "html",
}  # fmt: skip
_DROP = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "select", "option"}


def _own_rows(table: Tag) -> list[Tag]:
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _row_cells(tr: Tag) -> list[Tag]:
    return [c for c in tr.find_all(["td", "th"], recursive=False)]


def _cell_text(cell: Tag) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                parts.append(str(child))
            elif isinstance(child, Tag):
                if child.name in _DROP:
                    continue
                if child.name == "br":
                    parts.append(" ")
                    continue
                block = child.name in _BLOCK
                if block:
                    parts.append(" ")
                walk(child)
                if block:
                    parts.append(" ")

    walk(cell)
    return clean_cell("".join(parts))


def _is_report_table(table: Tag) -> bool:
    rows = _own_rows(table)
    if not rows:
        return False
    texts = [_cell_text(c) for tr in rows for c in _row_cells(tr) if not c.find("table")]
    joined = "".join(t.replace(" ", "") for t in texts)
    markers = {m for m in _MARKERS if m in joined}
    numeric = sum(1 for t in texts if _VALUE_CELL.match(t))
    return (bool(markers) and numeric >= 1) or len(markers) >= 2


def _table_lines(table: Tag) -> list[str]:
    lines = []
    for tr in _own_rows(table):
        cells = [_cell_text(c) for c in _row_cells(tr)]
        if cells and any(cells):
            lines.append(pipe_row(cells))
    return lines


# --- narrative lines ----------------------------------------------------------------------------


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        text = clean_text("".join(self.buf))
        if text:
            self.lines.append(text)
        self.buf = []

    def add(self, line: str) -> None:
        self.flush()
        self.lines.append(line)


def _is_junk_table(table: Tag) -> bool:
    """Navigation (mostly links) or page chrome (short, not about the report): dropped."""
    if table.find("table"):
        return False
    text = clean_text(table.get_text(" "))
    link_text = clean_text(" ".join(a.get_text(" ") for a in table.find_all("a")))
    if text and len(link_text) >= 0.7 * len(text):
        return True
    return len(text) < 120 and "报告" not in text and not any(m in text for m in _MARKERS)


def _walk(node: Tag, out: _Lines) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            out.buf.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _DROP:
            continue
        if name == "br":
            out.flush()
            continue
        if name == "table":
            out.flush()
            if _is_report_table(child):
                for line in _table_lines(child):
                    out.add(line)
            elif not _is_junk_table(child):
                _walk(child, out)  # a layout table: its cells are blocks of narrative
            out.flush()
            continue
        block = name in _BLOCK
        if block:
            out.flush()
        _walk(child, out)
        if block:
            out.flush()


# --- metadata -----------------------------------------------------------------------------------

_DATE_META = (
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "article:published_time",
    "og:release_date",
    "datepublished",
    "firstpublishedtime",
    "dc.date",
    "dc.date.issued",
    "dcterms.issued",
    "releasedate",
    "maketime",
)
_URL_META = ("url", "og:url", "twitter:url", "dc.identifier", "articleurl")
_TITLE_META = ("articletitle", "og:title", "title", "dc.title")
_PAGE_DATE = re.compile(
    r"(?:发布|公开|成文|印发|发文)(?:时间|日期)\s*[:：]?\s*(20\d\d\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"
)
_REPORT_TITLE = re.compile(r"(?:信息公开|政务公开).{0,6}(?:年度报告|年报)")


def _meta_map(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in soup.find_all("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or m.get("http-equiv") or "").strip()
        content = m.get("content")
        if key and content and key.lower() not in out:
            out[key.lower()] = content.strip()
    return out


def _extract_meta(soup: BeautifulSoup) -> dict:
    meta: dict = {}
    metas = _meta_map(soup)
    titles = [metas[k] for k in _TITLE_META if metas.get(k)]
    titles += [clean_text(h.get_text(" ")) for h in soup.find_all(["h1", "h2"])[:6]]
    if soup.title and soup.title.get_text(strip=True):
        titles.append(clean_text(soup.title.get_text(" ")))
    titles = [t for t in titles if t]
    if titles:
        meta["title"] = next((t for t in titles if _REPORT_TITLE.search(t)), titles[0])
    for key in _DATE_META:
        date = normalize_date(metas.get(key))
        if date:
            meta["publish_date"] = date
            break
    url = None
    canon = soup.find("link", rel=lambda v: v and "canonical" in (v if isinstance(v, list) else [v]))
    if canon and canon.get("href", "").startswith("http"):
        url = canon["href"].strip()
    for key in _URL_META:
        if url:
            break
        v = metas.get(key, "")
        if v.startswith(("http://", "https://")):
            url = v
    if url:
        meta["source_url"] = url
    return meta


def _content_images(root: Tag) -> int:
    """Images that may carry content: every ``<img>`` not sized as an icon or a spacer."""
    count = 0
    for img in root.find_all("img"):
        sizes = [str(img.get(k) or "").strip().removesuffix("px") for k in ("width", "height")]
        if not any(v.isdigit() and int(v) < 100 for v in sizes):
            count += 1
    return count


def read_html(data: bytes) -> TextDocument:
    text, encoding = decode_html(data)
    if not text.strip():
        raise UnreadableDocument("empty HTML document")
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:  # pragma: no cover - lxml is very tolerant
        raise UnreadableDocument(f"HTML parse error: {exc}") from exc
    meta = _extract_meta(soup)
    _expand_embedded(soup)
    out = _Lines()
    root = soup.body or soup
    _walk(root, out)
    out.flush()
    lines = out.lines
    if "publish_date" not in meta:
        m = _PAGE_DATE.search(clean_text(root.get_text(" ")))
        if m:
            meta["publish_date"] = normalize_date(m.group(1))
    meta["encoding"] = encoding
    meta["images"] = _content_images(root)
    return TextDocument(text="\n".join(lines), line_pages=[], meta=meta, source_kind="html")
