"""Shortcuts of the parse path give what the plain computation they replaced gives.

Each shortcut is compared with a plain reference, on random inputs (hypothesis) and on every text
fixture, so a shortcut that changes one character of a result fails the suite:

- the whole-document normalization against normalizing one line at a time;
- the label scan that stops after the last letter or ideograph against a scan of the whole text;
- the fee sentence found from the last marker against splitting the text into sentences;
- the tokenizer that joins label fragments as it goes against joining them first;
- a delimited cell's tokens kept per catalog (and a plain number read at once) against tokenizing it;
- a cell of digits only read without parse_value against parse_value;
- table 三's sources taken as they are into the provenance: complete and in order, with statuses;
- the heading search that starts only at a numeral and "、" against the pattern's own search;
- the line tokenizer's checks made without a pattern call (a page number, a row of only pipes, a
  Markdown separator, a plain number, a number's first character, the pieces between spaces, the
  sentences of a line, an empty residue, a word character) against the patterns they stand for.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.govreport import align, fees, identities, parse, readings, sections, template
from dagster_project.govreport import labels as lab
from dagster_project.govreport import tokens as tk
from dagster_project.govreport.decode import decode
from dagster_project.govreport.normalize import normalize_document, normalize_document_lines, normalize_lines
from dagster_project.govreport.render import CRAWL_LAYOUTS, LAYOUTS, render_text
from dagster_project.govreport.values import parse_value

from .strategies import records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEXTS = sorted(p for p in FIXTURES.rglob("*.txt") if p.is_file())


def _decoded(path: Path) -> str:
    return decode(path.read_bytes())[0]


# --------------------------------------------------------------------------- normalization

DOC_ALPHABET = st.sampled_from(
    list("商业企发布報告處理費 \t\u3000\u200b\ufeff“”、()（），。：０１２ａｂ0123abcfā\u0301\u00a0")
    + list("\x01|-—\n\r\u2028")
)


@settings(max_examples=500, deadline=None)
@given(st.text(DOC_ALPHABET, max_size=80))
def test_document_normalization_matches_line_by_line(text):
    lines, changed = normalize_lines(text)
    assert normalize_document(text) == ("\n".join(lines), changed)
    doc, doc_lines, doc_changed = normalize_document_lines(text)
    assert (doc, doc_lines, doc_changed) == ("\n".join(lines), lines, changed)
    assert doc_lines == doc.split("\n")


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=80))
def test_ascii_lines_normalize_as_line_by_line(text):
    # Printable ASCII lines skip normalization; ASCII control characters and tabs do not.
    lines, changed = normalize_lines(text)
    assert normalize_document_lines(text) == ("\n".join(lines), lines, changed)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_document_normalization_matches_line_by_line_on_fixtures(path):
    text = _decoded(path)
    lines, changed = normalize_lines(text)
    assert normalize_document(text) == ("\n".join(lines), changed)
    doc, doc_lines, _ = normalize_document_lines(text)
    assert doc_lines == doc.split("\n") == lines


# --------------------------------------------------------------------------- label scan


def _label_pieces() -> list[str]:
    pieces: list[str] = []
    for table in lab.TABLES:
        pieces += list(lab.catalog(table).entries)
        pieces += [form[: len(form) // 2] for form in lab.catalog(table).entries]
        pieces += [form[len(form) // 2 :] for form in lab.catalog(table).entries]
    return pieces


SCAN_PIECE = st.one_of(
    st.sampled_from(sorted(set(_label_pieces()))),
    st.sampled_from(["1.", "2、", "(三)", "“", "”", ")", "]", " ", "  ", "\n", "|", "-", "—"]),
    st.integers(0, 9999).map(str),
)


def _fields(tokens: list) -> list[tuple]:
    return [(t.kind, t.text, t.line, t.offset, t.label, t.explicit) for t in tokens]


CELL_PIECE = st.one_of(
    SCAN_PIECE.filter(lambda p: p not in ("|", "\n")), st.sampled_from(["\t", "0", "00", "-", "/", "无"])
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CELL_PIECE, max_size=5).map("".join), st.integers(0, 500), st.sampled_from(lab.TABLES))
def test_cached_cell_tokens_match_tokenizing_the_cell(cell, offset, table):
    catalog = lab.catalog(table)
    for _ in range(2):  # once computed, once from the cache
        out: list = []
        tk._add_cell_tokens(out, cell, offset, catalog)
        assert _fields(out) == _fields(tk._cell_tokens(cell, 0, offset, catalog))


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(lab.TABLES), st.lists(SCAN_PIECE, max_size=12))
def test_label_scan_of_the_label_part_matches_a_whole_scan(table, pieces):
    catalog = lab.catalog(table)
    text = "".join(pieces)
    assert catalog.scan(text) == catalog._scan(text)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_label_scan_matches_a_whole_scan_on_fixture_lines(path):
    for line in _decoded(path).splitlines():
        for table in lab.TABLES:
            catalog = lab.catalog(table)
            assert catalog.scan(line) == catalog._scan(line), line


def _plain_scan(catalog: lab.Catalog, text: str) -> list[lab.Match]:
    """The scan as first written: the match form with the index in ``text`` of every kept character."""
    chars, index = [], []
    for m in re.finditer(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text):
        chars.append(m.group())
        index.extend(range(m.start(), m.end()))
    out: list[lab.Match] = []
    for m in catalog.pattern.finditer("".join(chars)):
        start, end = index[m.start()], index[m.end() - 1] + 1
        while end < len(text) and text[end] in lab._CLOSERS:
            end += 1
        floor = out[-1].end if out else 0
        while start > floor and text[start - 1] in lab._OPENERS:
            start -= 1
        out.append(lab.Match(start, end, catalog.entries[m.group()]))
    return out


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(lab.TABLES), st.lists(SCAN_PIECE, max_size=12))
def test_label_scan_by_runs_matches_the_per_character_map(table, pieces):
    catalog = lab.catalog(table)
    text = "".join(pieces)
    assert catalog._scan(text) == _plain_scan(catalog, text)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_label_scan_by_runs_matches_the_per_character_map_on_fixtures(path):
    text = _decoded(path)
    for table in lab.TABLES:
        catalog = lab.catalog(table)
        assert catalog._scan(text) == _plain_scan(catalog, text)
        for line in text.splitlines():
            assert catalog._scan(line) == _plain_scan(catalog, line), line


def test_word_character_check_matches_the_pattern_on_every_code_point():
    for code in range(0x110000):
        ch = chr(code)
        assert lab.is_word(ch) == bool(lab._WORD.match(ch)), hex(code)


# --------------------------------------------------------------------------- line checks

LINE_ALPHABET = st.sampled_from(
    [
        *"|-—–/页第共 \t\u3000\u00a0\u2003:.,，。0123456789０٣规章行政许可+",
        "---",
        "\n",
        "\x1c",
        "\x85",
        "\u200b",
    ]
)
LINE = st.lists(LINE_ALPHABET, max_size=16).map("".join)


def _line_cases(texts) -> None:
    only_pipes = re.compile(r"^[\s|]*$")
    for text in texts:
        assert tk._page_number(text) == bool(tk._PAGE_NUMBER.match(text)), text
        assert (not text.replace("|", "").strip()) == bool(only_pipes.match(text)), text
        if tk._MD_SEPARATOR.match(text):
            assert "---" in text, text
        stripped = text.strip()
        for t in (text, stripped, *text.split(), *text.split("|")):
            assert tk._plain_number(t) == bool(tk._PLAIN_NUMBER.match(t)), t
        if "。" not in text:
            assert [s for s in tk._SENTENCE.findall(text) if s] == ([text] if text else []), text
        for n in range(2):  # numbering is never shorter than two characters
            assert tk._NUMBERING.search(text[:n]) is None
        assert tk._pieces(text) == [(m.start(), m.group()) for m in tk._PIECE.finditer(text)], text
        for t in (text, stripped, *text.split()):
            assert tk._numberish(t) == bool(tk._NUMBERISH.match(t)), t
    for table in lab.TABLES:  # the empty sentence and the empty residue have no tokens
        assert tk._scan_tokens("", 1, 0, lab.catalog(table), explicit=False) == []
    assert tk._residual_tokens("", 1, 0, False) == [] and tk._residual_tokens("", 1, 0, True) == []


@settings(max_examples=2000, deadline=None)
@given(LINE)
def test_line_checks_match_their_patterns(text):
    _line_cases([text])


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_line_checks_match_their_patterns_on_fixture_lines(path):
    lines = _decoded(path).split("\n")
    _line_cases(lines + [p for line in lines for p in line.split("|")])


# --------------------------------------------------------------------------- table 三's sources


def _assert_table3_sources_complete(text: str) -> None:
    """What ``TableResult.complete`` promises of table 三 (the provenance takes its sources as they
    are): one source per cell of its values, in their order, each with a status."""
    doc, _ = normalize_document(text)
    lines = doc.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    region = sections.find_sections(doc).get("table3")
    if region is None:
        return
    tokens = tk.tokenize(sections.region_lines(doc, lines, starts, region), lab.catalog("table3"))
    rows = align.table3_raw_rows(tokens)
    for fmt in (template.FORMAT_2021, template.FORMAT_2019):
        result, _ = align.align_table3(rows, fmt, align.detect_layout([r.tokens for r in rows], []))
        assert result.complete
        want = [f"t3.{key}[{i}]" for key, values in result.values.items() for i in range(len(values))]
        assert list(result.sources) == want
        assert all(src.status is not None for src in result.sources.values())


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_table3_sources_are_complete_on_fixtures(path):
    _assert_table3_sources_complete(_decoded(path))


@given(record=records(), layout=st.sampled_from(LAYOUTS + CRAWL_LAYOUTS), seed=st.integers(0, 99))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_table3_sources_are_complete_in_every_layout(record, layout, seed):
    _assert_table3_sources_complete(render_text(record, layout, random.Random(seed)))


# --------------------------------------------------------------------------- cell values

VALUE_TEXT = st.one_of(
    st.text("0123456789", min_size=1, max_size=22),
    st.text("0123456789０٣-+.,元件 ", min_size=1, max_size=8),
)


@settings(max_examples=2000, deadline=None)
@given(VALUE_TEXT, st.booleans(), st.booleans())
def test_a_cell_value_of_digits_is_what_parse_value_gives(text, signed, amount):
    got, want = readings._value(text, signed, amount), parse_value(text, signed=signed, amount=amount).value
    assert got == want and type(got) is type(want)


# --------------------------------------------------------------------------- fee sentence


def _plain_fee_sentence(text: str) -> str | None:
    markers = template.raw()["fee_markers"]
    sentences = [s.strip() for s in re.findall(r"[^。;\n]*", text) if any(m in s for m in markers)]
    return sentences[-1] if sentences else None


FEE_PIECE = st.sampled_from(
    ["信息处理费", "信息公开处理费", "未收取", "收取", "0.5万元", "120元", "。", ";", "\n", "本年度", " "]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(FEE_PIECE, max_size=12))
def test_fee_sentence_is_the_last_sentence_with_a_marker(pieces):
    text = "".join(pieces)
    assert fees.extract(text).fee_text_raw == _plain_fee_sentence(text)


# --------------------------------------------------------------------------- headings

HEADING_PIECE = st.sampled_from(
    ["二、", "三、", "四、", "五、", "六、", "七、", "、", "二", "主动公开", "收到和处理", "政府信息",
     "行政复议", "行政诉讼", "问题", "改进", "其他需要报告", "需要报告", "一、", "\n", "|", "3", " ", "情况"]
)  # fmt: skip


def _assert_headings_match(doc: str) -> None:
    for name in sections.SECTION_ORDER:
        pattern = sections._PATTERNS[name]
        for cursor in range(len(doc) + 1):
            want, got = pattern.search(doc, cursor), sections._heading(doc, name, cursor)
            assert (got and (got.start(), got.end())) == (want and (want.start(), want.end())), (name, cursor)


@settings(max_examples=500, deadline=None)
@given(st.lists(HEADING_PIECE, max_size=14))
def test_heading_search_matches_the_patterns_search(pieces):
    _assert_headings_match("".join(pieces))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_heading_search_matches_the_patterns_search_on_fixtures(path):
    doc = normalize_document(_decoded(path))[0]
    # Where find_sections searches from: the start, and the end of any heading; and every "、".
    cursors = {0} | {m.start() for m in re.finditer("、", doc)}
    cursors |= {m.end() for p in sections._PATTERNS.values() for m in p.finditer(doc)}
    for name in sections.SECTION_ORDER:
        pattern = sections._PATTERNS[name]
        for cursor in sorted(cursors):
            want, got = pattern.search(doc, cursor), sections._heading(doc, name, cursor)
            assert (got and got.span()) == (want and want.span()), (name, cursor)


# --------------------------------------------------------------------------- tokenizer


def _plain_tokenize(lines: list[tuple[int, int, str]], catalog: lab.Catalog) -> list[tk.Token]:
    """Label fragments joined first, then every line tokenized, then split ordinals dropped."""
    joined: list[tuple[int, int, str]] = []
    last_is_fragment = False
    for number, offset, text in lines:
        fragment = tk._is_fragment(text)
        if fragment and last_is_fragment:
            prev_number, prev_offset, prev_text = joined[-1]
            if prev_offset + len(prev_text) + 1 == offset:
                joined[-1] = (prev_number, prev_offset, prev_text + "\n" + text)
                continue
        joined.append((number, offset, text))
        last_is_fragment = fragment
    out: list[tk.Token] = []
    for number, offset, text in joined:
        for t in tk._tokenize_line(text, catalog):
            out.append(tk.Token(t.kind, t.text, number, offset + t.offset, t.label, t.explicit))
    return tk._drop_split_ordinals(out)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_tokenizer_matches_joining_fragments_first(path):
    doc, _ = normalize_document(_decoded(path))
    lines = doc.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    for table, region in sections.find_sections(doc).items():
        if table not in lab.TABLES:
            continue
        region_lines = sections.region_lines(doc, lines, starts, region)
        catalog = lab.catalog(table)
        assert tk.tokenize(region_lines, catalog) == _plain_tokenize(region_lines, catalog)
        for number, offset, text in region_lines:  # a whole line is passed on as the line itself
            assert doc[offset : offset + len(text)] == text
            assert number == doc.count("\n", 0, offset) + 1


# --------------------------------------------------------------------------- row cache keys

ROW_TEXT = st.sampled_from(["0", "00", "7", "70", "07", "-", "", "000", "1", "6"])


@settings(max_examples=600, deadline=None)
@given(st.lists(ROW_TEXT, max_size=8), st.sampled_from([3, 7]), st.lists(st.integers(0, 2), max_size=8))
def test_row_readings_under_the_compact_key_are_those_of_the_full_key(texts, n, steps):
    # The same texts delimited or not, on one line, one a line or irregular lines, with a blank's kind
    # written against its text: no two of these rows may share a cache entry, and every one is read as
    # the uncached reading of its full key reads it.
    from dagster_project.govreport import readings, segment

    check = segment.row_sum_ok if n == 7 else None
    flags = (False,) * n
    variants = [(explicit, step, False) for explicit in (True, False) for step in (0, 1, None)]
    variants += [(False, 0, True), (True, 1, True)]
    for explicit, step, odd in variants:
        tokens, line = [], 5
        for i, text in enumerate(texts):
            line += (steps[i] if i < len(steps) else 1) if step is None else step
            kind = tk.BLANK if (text == "") != (odd and i == 0) else tk.VALUE
            tokens.append(tk.Token(kind, text, line, 0, explicit=explicit or (odd and i == 1)))
        key: list = []
        for t in tokens:
            key += [t.kind, t.text, t.explicit, t.line - tokens[0].line]
        want = readings._read_row(tuple(key), n, check, flags, flags, False)
        for _ in range(2):  # computed, then from a cache
            assert readings.read_row(tokens, n, check) == want, (explicit, step, odd)


# --------------------------------------------------------------------------- spaced rows

SPACED_PIECE = st.one_of(
    st.sampled_from(["0", "01", "00", "-", "--", "—", "/", "无", "", "5", "12", "0.5", "8件", "-3"]),
    st.integers(0, 3000).map(str),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(SPACED_PIECE, min_size=1, max_size=8), st.booleans(), st.booleans())
def test_a_spaced_row_of_plain_cells_reads_as_the_segment_enumeration_reads_it(texts, checked, one_line):
    from dagster_project.govreport import readings, segment

    n = len(texts)
    check = segment.row_sum_ok if checked and n == 7 else None
    tokens = [
        tk.Token(tk.BLANK if text == "" else tk.VALUE, text, 1 if one_line else i + 1, 0)
        for i, text in enumerate(texts)
    ]
    flags = (False,) * n
    got = readings.read_row(tokens, n, check)
    runs = [t.kind == tk.VALUE and readings._is_run(t.text, False, False) for t in tokens]
    segments = [
        ("run", t.text) if r else ("atom", "" if t.kind == tk.BLANK else t.text)
        for t, r in zip(tokens, runs, strict=True)
    ]
    alternatives = readings._dash_alternatives(segments)
    if len(alternatives) > 1:
        return  # read as "mixed": the shortcut never applies
    primary = readings._split_segments(segments, n, check, flags, flags)
    want = readings._with_stray_spaces(primary, tokens, runs, n, check, flags, flags)
    assert (got.candidates, got.forced, got.kind, got.complete, got.note) == (
        want.candidates,
        want.forced,
        want.kind,
        want.complete,
        want.note,
    )


@st.composite
def respaced_rows(draw) -> list[str]:
    """A row that satisfies S3, its digits re-cut into seven pieces at random places ("1 2 3 4 5 62 1"
    for 1,2,3,4,5,6,21): the stray-space reading must still join the candidates."""
    cells = draw(st.lists(st.integers(0, 30), min_size=6, max_size=6))
    digits = "".join(map(str, [*cells, sum(cells)]))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), min_size=6, max_size=6)))
    return [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]


@settings(max_examples=500, deadline=None)
@given(respaced_rows())
def test_a_respaced_row_keeps_the_readings_of_its_joined_digits(texts):
    test_a_spaced_row_of_plain_cells_reads_as_the_segment_enumeration_reads_it.hypothesis.inner_test(
        texts, True, True
    )


# --- the control-character check of a decoded text (parse.mostly_control) ---------------------------


def _mostly_control_by_pattern(text: str) -> bool:
    return len(parse._CONTROL.findall(text[:20000])) > 0.02 * min(len(text), 20000)


_BYTE_PIECES = st.sampled_from(
    [
        b"\x00",
        b"\x07",
        b"\x0b",
        b"\x1b",
        b"\x1f",
        b"\t",
        b"\r\n",
        b"abc 12",
        "公开 3".encode(),
        "報告".encode("gbk"),
    ]
)


@given(st.lists(_BYTE_PIECES, max_size=60), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_control_check_matches_the_pattern_count(pieces, repeat):
    data = b"".join(pieces) * (1 + repeat * 150)  # long enough to pass the 20,000-character window
    if not data.strip():
        return
    try:
        text, encoding = decode(data)
    except Exception:  # undecodable: never reaches the check
        return
    assert parse.mostly_control(text, data, encoding) == _mostly_control_by_pattern(text)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_control_check_matches_the_pattern_count_on_fixtures(path):
    data = path.read_bytes()
    text, encoding = decode(data)
    assert parse.mostly_control(text, data, encoding) == _mostly_control_by_pattern(text)


# --- the strict identities (identities.check) --------------------------------------------------------


def _identity_issues_by_lists(record: dict) -> list[tuple]:
    """The checks as first written: a list of operands per column and rule, ``sum`` and ``None in``."""
    flow_keys = ("new_received", "carried_over", "total_processed", "carried_forward")
    out = []
    t3 = record.get("table3") or {}
    columns = template.table3_columns()
    results = [t3[k] for k in t3 if k not in flow_keys]
    absent = (None,) * len(columns)
    flow = [t3.get(k) or absent for k in flow_keys]
    for c, col in enumerate(columns):
        ops = [row[c] for row in flow]
        if None not in ops and ops[0] + ops[1] != ops[2] + ops[3]:
            out.append(
                ("identity_s1_fail", f"S1 {col}: {ops[0]}+{ops[1]} != {ops[2]}+{ops[3]}", f"t3.*[{c}]")
            )
        parts = [row[c] for row in results]
        total = ops[2]
        if total is not None and None not in parts and sum(parts) != total:
            out.append(
                (
                    "identity_s2_fail",
                    f"S2 {col}: results sum {sum(parts)} != total {total}",
                    f"t3.total_processed[{c}]",
                )
            )
        elif total and parts and all(p is None for p in parts):
            out.append(
                (
                    "identity_s2_fail",
                    f"S2 {col}: total {total} but every result row is blank",
                    f"t3.total_processed[{c}]",
                )
            )
    for key, row in t3.items():
        if None not in row and sum(row[:6]) != row[6]:
            out.append(
                (
                    "identity_s3_fail",
                    f"S3 {key}: applicant columns sum {sum(row[:6])} != total {row[6]}",
                    f"t3.{key}[6]",
                )
            )
    t4 = record.get("table4") or {}
    for block in ("review", "litigation_direct", "litigation_after_review"):
        parts = [t4.get(f"{block}_{r}") for r in ("upheld", "corrected", "other", "pending")]
        total = t4.get(f"{block}_total")
        if total is not None and None not in parts and sum(parts) != total:
            out.append(
                ("identity_s4_fail", f"S4 {block}: {sum(parts)} != total {total}", f"t4.{block}_total")
            )
    return out


_CELL = st.one_of(st.none(), st.integers(0, 3), st.integers(0, 500))


@st.composite
def _identity_records(draw):
    keys = draw(
        st.lists(st.sampled_from(template.table3_rows(template.FORMAT_2021)), unique=True, max_size=30)
    )
    n = len(template.table3_columns())
    table3 = {k: [draw(_CELL) for _ in range(n)] for k in keys}
    table4 = {k: draw(_CELL) for k in template.table4_keys() if draw(st.booleans())}
    return {"table3": table3, "table4": table4}


@given(_identity_records())
@settings(max_examples=500, deadline=None)
def test_identity_checks_match_the_list_form(record):
    got = [(i.code, i.message, i.cell) for i in identities.check(record)]
    assert got == _identity_issues_by_lists(record)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_identity_checks_match_the_list_form_on_fixtures(path):
    record = parse.parse_bytes(path.read_bytes(), path.name).record
    if record:
        got = [(i.code, i.message, i.cell) for i in identities.check(record)]
        assert got == _identity_issues_by_lists(record)
