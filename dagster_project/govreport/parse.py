"""Parse one raw report (text, HTML, PDF or DOCX bytes) into the canonical record.

Pure library code: no Dagster, dbt or DuckDB import. ``parse_bytes`` never raises; a file that
cannot be read comes back with a non-``parsed`` status and a reason.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from . import align, fees, identities, metadata, native, sections, template
from . import labels as lab
from .decode import UndecodableError, decode
from .normalize import normalize_document_lines, normalize_line, to_simplified
from .readers.document import NoTextLayer, UnreadableDocument, describe_archive, read_document, sniff_kind
from .record import (
    ABSENT,
    BINARY,
    BLANK,
    COMPRESSED,
    EMPTY,
    ERROR,
    INFO,
    NO_TEXT_LAYER,
    NOT_A_REPORT,
    PARSED,
    PARSER_FAILURE,
    READ,
    UNDECODABLE,
    UNDETERMINED,
    UNKNOWN_FORMAT,
    WARNING,
    CellSource,
    Issue,
    ParseResult,
)
from .tokens import LABEL, tokenize
from .values import parse_value

# Bump when the parser's output for the same bytes can change: the warehouse re-parses on change.
# The template data is part of the parser, so its digest is part of the version.
PARSER_VERSION: Final = "2.1.0+" + template.digest()

_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# The issue of a file the compiled parser raised on and the interpreted one parsed.
COMPILED_PARSER_ERROR: Final = "compiled_parser_error"
_REPORT_TITLE: Final = re.compile(r"(?:信息公开|政务公开).{0,6}(?:年度报告|年报)")


def parse_bytes(data: bytes, name: str) -> ParseResult:
    """Parse the bytes of one file named ``name``. Never raises."""
    try:
        return _parse(data, name)
    except Exception as exc:  # the contract: a bad file never stops the others
        if native.compiled() and not isinstance(exc, MemoryError):
            return retry_interpreted(data, name, exc)
        return ParseResult(
            name, PARSER_FAILURE, issues=[Issue("parser_failure", ERROR, f"{type(exc).__name__}: {exc}")]
        )


def retry_interpreted(data: bytes, name: str, exc: Exception) -> ParseResult:
    """The compiled parser raised (mypyc checks annotations at run time, where Python does not): parse
    again with the interpreted modules, say so in an issue, and return the result in this module's types
    (the twin's classes are its own, and the result may be pickled to a process without the twin)."""
    twin = native.interpreted("parse").parse_bytes(data, name)
    issues = [Issue(i.code, i.severity, i.message, i.location, i.cell) for i in twin.issues]
    if twin.status == PARSED:
        note = f"the compiled parser raised {type(exc).__name__}: {exc}; parsed by the interpreted modules"
        issues.append(Issue(COMPILED_PARSER_ERROR, INFO, note))
    return ParseResult(
        twin.file,
        twin.status,
        record=twin.record,
        issues=issues,
        provenance={cid: CellSource(*src._fields()) for cid, src in twin.provenance.items()},
        encoding=twin.encoding,
        source_kind=twin.source_kind,
        meta=twin.meta,
    )


def parse_file(path) -> ParseResult:
    from pathlib import Path

    p = Path(path)
    return parse_bytes(p.read_bytes(), p.name)


def _read(data: bytes, name: str) -> tuple[str | None, ParseResult | None, dict]:
    """Decode to text. Returns (text, early_result, extras)."""
    kind = sniff_kind(data, name)
    archive = describe_archive(data) if kind == "binary" else None
    if archive:  # not read through: one row per file under raw/, and no archive bombs
        issue = Issue("compressed", ERROR, f"{archive}; extract it into raw/ to load the report")
        return None, ParseResult(name, COMPRESSED, issues=[issue]), {}
    if kind == "binary":
        return (
            None,
            ParseResult(name, BINARY, issues=[Issue("binary", ERROR, "the file is binary, not text")]),
            {},
        )
    if kind in ("html", "pdf", "docx"):
        try:
            doc = read_document(data, kind)
        except NoTextLayer as exc:
            return (
                None,
                ParseResult(
                    name,
                    NO_TEXT_LAYER,
                    source_kind=kind,
                    issues=[Issue("no_text_layer", ERROR, f"no text layer (scanned document?): {exc}")],
                ),
                {},
            )
        except UnreadableDocument as exc:
            return (
                None,
                ParseResult(
                    name,
                    UNDECODABLE,
                    source_kind=kind,
                    issues=[Issue("undecodable", ERROR, f"unreadable {kind}: {exc}")],
                ),
                {},
            )
        except RecursionError:
            # Markup nested thousands of levels deep: refuse it rather than exhaust the stack.
            issue = Issue("undecodable", ERROR, f"{kind} nested too deeply to read")
            return None, ParseResult(name, UNDECODABLE, source_kind=kind, issues=[issue]), {}
        return (
            doc.text,
            None,
            {
                "kind": kind,
                "line_pages": doc.line_pages,
                "meta": doc.meta,
                "encoding": doc.meta.get("encoding"),
            },
        )
    try:
        text, encoding = decode(data)
    except UndecodableError as exc:
        return None, ParseResult(name, UNDECODABLE, issues=[Issue("undecodable", ERROR, str(exc))]), {}
    if text and mostly_control(text, data, encoding):
        return (
            None,
            ParseResult(
                name,
                BINARY,
                encoding=encoding,
                issues=[Issue("binary", ERROR, "the text is mostly control characters")],
            ),
            {},
        )
    return text, None, {"kind": "text", "line_pages": [], "meta": {}, "encoding": encoding}


_CONTROL_BYTES: Final = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_CONTROL_WINDOW: Final = 20000


def mostly_control(text: str, data: bytes, encoding: str) -> bool:
    """More than 2% of the text's first 20,000 characters are control characters (``_CONTROL``).

    Decoded as UTF-8, the text holds such a character exactly where its bytes hold the same byte
    (every byte of a multi-byte sequence is 0x80 or above): bytes without one, the common case, need
    no count, and deleting the control bytes is a single pass where the pattern is tried at every
    character."""
    if encoding in ("utf-8", "utf-8-sig") and len(data.translate(None, _CONTROL_BYTES)) == len(data):
        return False
    window = text[:_CONTROL_WINDOW]
    return len(_CONTROL.findall(window)) > 0.02 * len(window)


def _detect_format(region_text: str) -> tuple[str | None, int, int]:
    form = template.match_form(region_text)
    n2019 = sum(m in form for m in template.format_marker_forms(template.FORMAT_2019))
    n2021 = sum(m in form for m in template.format_marker_forms(template.FORMAT_2021))
    if n2019 > n2021:
        return template.FORMAT_2019, n2019, n2021
    if n2021 > n2019:
        return template.FORMAT_2021, n2019, n2021
    return None, n2019, n2021


def _parse(data: bytes, name: str) -> ParseResult:
    if not data or data.isspace():  # ``not data.strip()``, without the copy
        return ParseResult(name, EMPTY, issues=[Issue("empty", ERROR, "the file is empty")])
    text, early, extras = _read(data, name)
    if early is not None:
        return early
    assert text is not None
    doc, lines, converted = normalize_document_lines(text)
    line_starts: list[int] = []
    start = 0
    for line in lines:
        line_starts.append(start)
        start += len(line) + 1
    issues: list[Issue] = []
    regions = sections.find_sections(doc)

    def region_tokens(table: str):
        region = regions.get(table)
        if region is None:
            return []
        return tokenize(sections.region_lines(doc, lines, line_starts, region), lab.catalog(table))

    t2_tokens, t3_tokens, t4_tokens = [region_tokens(t) for t in ("table2", "table3", "table4")]
    found = {
        "table2": any(t.kind == LABEL and t.label.role == lab.ROW for t in t2_tokens),
        "table3": any(t.kind == LABEL and t.label.role in (lab.ROW, lab.GROUP) for t in t3_tokens),
        "table4": any(t.kind == LABEL for t in t4_tokens),
    }
    meta_in = extras.get("meta", {})
    title_lines = [normalize_line(to_simplified(meta_in["title"]))] if meta_in.get("title") else []
    meta = metadata.extract(title_lines + lines)
    if not any(found.values()):
        markers = sum(m in doc for m in template.raw()["report_markers"])
        # A page titled as a report whose content is images: the tables were pasted as pictures.
        images = meta_in.get("images", 0)
        titled = images and _REPORT_TITLE.search("\n".join(title_lines + lines[:10]))
        if markers >= 2 or meta.agency or titled:
            message = "reads like an annual report but none of its tables matches the 2021 or 2019 template"
            if images:
                message += f"; the page holds {images} image(s): tables pasted as images cannot be read"
            return ParseResult(
                name,
                UNKNOWN_FORMAT,
                encoding=extras.get("encoding"),
                source_kind=extras["kind"],
                issues=[Issue("unknown_format", ERROR, message)],
            )
        return ParseResult(
            name,
            NOT_A_REPORT,
            encoding=extras.get("encoding"),
            source_kind=extras["kind"],
            issues=[Issue("not_a_report", ERROR, "no annual report tables or headings found")],
        )
    for table, ok in found.items():
        if not ok:
            issues.append(
                Issue("missing_table", WARNING, f"{table} not found; its cells are null", None, table)
            )
    region2 = regions.get("table2")
    fmt, n2019, n2021 = _detect_format(doc[region2.start : region2.end] if region2 else doc)
    if fmt is None:
        fmt, n2019, n2021 = _detect_format(doc)
    if fmt is None:
        fmt = template.FORMAT_2021
        issues.append(Issue("format_inferred", WARNING, "no 2021 or 2019 column labels found; assumed 2021"))
    elif n2019 and n2021:
        issues.append(
            Issue(
                "mixed_format_markers",
                INFO,
                f"{n2021} markers of the 2021 format and {n2019} of the 2019 format; read as {fmt}",
            )
        )
    t3_rows, t4_cells = align.table3_raw_rows(t3_tokens), align.table4_cells(t4_tokens)
    text_layout = align.detect_layout([row.tokens for row in t3_rows], t4_cells)
    t2 = align.align_table2(t2_tokens, fmt, text_layout)
    t3, t3_layout = align.align_table3(t3_rows, fmt, text_layout)
    t4 = align.align_table4(t4_cells, text_layout) if found["table4"] else _empty_table4()
    if t3_layout != fmt:
        issues.append(
            Issue(
                "mixed_layout",
                INFO,
                f"table 二 uses the {fmt} format, table 三 the {t3_layout} layout of (六)其他处理",
            )
        )
    if meta.agency is None:
        issues.append(
            Issue("missing_agency", WARNING, "the report does not name its agency in a title or intro")
        )
    if meta.year is None:
        issues.append(Issue("missing_year", WARNING, "no statistics year found"))
    for part in (t2, t3, t4):
        issues.extend(part.issues)
    record = {
        "file": name,
        "agency": meta.agency,
        "year": meta.year,
        "format": fmt,
        "table2": {k: t2.values.get(k) for k in template.table2_keys(fmt)},
        "table3": t3.values,
        "table4": {k: t4.values.get(k) for k in template.table4_keys()},
    }
    issues.extend(identities.check(record))
    provenance = _with_status(record, t2.sources, t3.sources, t4.sources, t3.complete)
    pages = extras.get("line_pages") or []
    if pages:
        provenance = {k: _with_page(v, pages) for k, v in provenance.items()}
    fee_region = regions.get("other")
    fee = fees.extract(doc[fee_region.start : fee_region.end] if fee_region else doc)
    out_meta = {
        "table3_layout": t3_layout,
        # A Traditional-script page (often a mirror site) is a weaker copy of the same report.
        "script": "traditional" if converted > max(20, len(doc) // 50) else "simplified",
        "publish_date": meta_in.get("publish_date") or meta.publish_date,
        "source_url": meta_in.get("source_url") or meta.source_url,
        "fee": fee.to_json(),
    }
    return ParseResult(
        name, PARSED, record, issues, provenance, extras.get("encoding"), extras["kind"], out_meta
    )


def _with_page(src: CellSource, pages: list) -> CellSource:
    if src.line is None or src.line - 1 >= len(pages):
        return src
    return CellSource(src.raw, src.line, src.offset, pages[src.line - 1], src.status, src.rule)


@lru_cache(maxsize=256)
def _t3_cell_ids(key: str, n: int) -> tuple[str, ...]:
    return tuple(f"t3.{key}[{i}]" for i in range(n))


def _with_status(
    record: dict,
    t2: dict[str, CellSource],
    t3: dict[str, CellSource],
    t4: dict[str, CellSource],
    t3_complete: bool = False,
) -> dict[str, CellSource]:
    """The provenance of every cell of the record, in table order, from the aligners' sources of
    tables 二, 三 and 四. Every cell gets a status; cells the aligners did not mark are classified
    here: a number is ``read``, no text is ``absent``, a blank or placeholder is ``blank``, anything
    else that gave no number is ``undetermined``. ``t3_complete``: ``t3`` holds exactly the cells of
    the record's table 三, in order, each with a status (``TableResult.complete``), taken as it is."""
    out: dict[str, CellSource] = {}
    values2, rows3, values4 = record["table2"], record["table3"], record["table4"]
    for cid, value in zip(align.cell_ids("t2", tuple(values2)), values2.values(), strict=True):
        src = t2.get(cid)
        out[cid] = src if src is not None and src.status is not None else _classified(value, src)
    if t3_complete:
        out.update(t3)
    else:
        for key, values in rows3.items():
            for cid, value in zip(_t3_cell_ids(key, len(values)), values, strict=True):
                src = t3.get(cid)
                out[cid] = src if src is not None and src.status is not None else _classified(value, src)
    for cid, value in zip(align.cell_ids("t4", tuple(values4)), values4.values(), strict=True):
        src = t4.get(cid)
        out[cid] = src if src is not None and src.status is not None else _classified(value, src)
    return out


def _classified(value: object, src: CellSource | None) -> CellSource:
    """``src`` (or an empty source) with the status its value and text give."""
    src = src or CellSource(raw=None)
    if value is not None:
        status = READ
    elif src.raw is None:
        status = ABSENT
    elif parse_value(src.raw).raw is not None and parse_value(src.raw).problem is None:
        status = BLANK
    else:
        status = UNDETERMINED
    if value is None and src.raw is not None and not src.raw.strip():
        status = BLANK
    return CellSource(src.raw, src.line, src.offset, src.page, status, src.rule)


def _empty_table4() -> align.TableResult:
    result = align.TableResult()
    for key in template.table4_keys():
        result.values[key] = None
        result.sources[f"t4.{key}"] = align.ABSENT_SOURCE
    return result


__all__ = ["PARSER_VERSION", "parse_bytes", "parse_file"]
