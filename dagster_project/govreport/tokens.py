"""Layout reading: turn the lines of a table region into a stream of cell tokens.

Every text layout seen in real reports reduces to the same stream:
- pipe layouts (one cell per line ending in ``|``, whole rows with ``|`` separators, Markdown):
  each ``|`` closes a cell; an empty cell is a blank; a line of only pipes is row padding;
- unseparated layouts (one cell per line, blank lines between cells, flattened text): labels
  are found inside the line and the text between them is split on whitespace into values; a
  value that is a fused digit run is split later, by ``segment``.
"""

from __future__ import annotations

import re
from typing import Final

from . import labels as lab
from .template import PLACEHOLDERS

LABEL: Final = "label"
VALUE: Final = "value"
BLANK: Final = "blank"
BREAK: Final = "break"  # row padding, end of a row line, or a Markdown separator
TEXT: Final = "text"  # text that is neither a label nor a value (unknown header, narrative)


class Token:
    """A plain class, not a dataclass: compiled (native.py), its constructor is native code, while a
    dataclass keeps the generated Python ``__init__`` (5% of a compiled parse)."""

    __slots__ = ("explicit", "kind", "label", "line", "offset", "text")

    def __init__(
        self,
        kind: str,
        text: str,
        line: int,  # 1-based line number
        offset: int,  # character offset in the normalized document
        label: lab.Label | None = None,
        explicit: bool = False,  # the value was a delimited cell (never split further)
    ) -> None:
        self.kind = kind
        self.text = text
        self.line = line
        self.offset = offset
        self.label = label
        self.explicit = explicit

    def with_text(self, text: str) -> Token:
        return Token(self.kind, text, self.line, self.offset, self.label, self.explicit)

    def _fields(self) -> tuple:
        return (self.kind, self.text, self.line, self.offset, self.label, self.explicit)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return "Token(kind={!r}, text={!r}, line={!r}, offset={!r}, label={!r}, explicit={!r})".format(
            *self._fields()
        )


_NUMBERISH: Final = re.compile(r"^(?:[+-]?|[-/—–]+)\d")
_PLAIN_NUMBER: Final = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?$")
_MD_SEPARATOR: Final = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A long run of CJK text with no label is narrative, not a table cell.
_NARRATIVE: Final = re.compile(r"[\u4e00-\u9fff]{25,}")


def _is_value_text(text: str) -> bool:
    t = text.strip()
    return _numberish(t) or t in PLACEHOLDERS


def _plain_number(text: str) -> bool:
    """``_PLAIN_NUMBER`` matches: digits only is one; else the pattern is called only for a text that
    starts as a match must (a digit, a sign or a comma)."""
    if text.isascii() and text.isdigit():
        return True
    return bool(text) and (text[0].isdecimal() or text[0] in "+-,") and _PLAIN_NUMBER.match(text) is not None


def _numberish(text: str) -> bool:
    """``_NUMBERISH`` matches: only a text that starts with a digit, a sign, a dash or a slash can
    (the first character is checked before the pattern is called)."""
    return bool(text) and (text[0].isdecimal() or text[0] in "+-/—–") and _NUMBERISH.match(text) is not None


def _cell_tokens(cell: str, line: int, offset: int, catalog: lab.Catalog) -> list[Token]:
    """Tokens of one delimited cell: a blank, a value, or labels (possibly several)."""
    stripped = cell.strip()
    if not stripped:
        return [Token(BLANK, "", line, offset, explicit=True)]
    start = offset + cell.index(stripped[0])
    if _plain_number(stripped):  # the common case, no label can hide in it
        return [Token(VALUE, stripped, line, start, explicit=True)]
    if _is_value_text(stripped):
        matches = catalog.scan(stripped)
        # "1.属于国家秘密" starts with a digit but is a label; a value never contains a label.
        if not matches or (matches[0].start > 0 and not _NUMBERING.fullmatch(stripped[: matches[0].start])):
            return [Token(VALUE, stripped, line, start, explicit=True)]
    return _scan_tokens(stripped, line, start, catalog, explicit=True)


def _scan_tokens(text: str, line: int, offset: int, catalog: lab.Catalog, explicit: bool) -> list[Token]:
    """Labels found inside ``text`` and the values between them."""
    out: list[Token] = []
    matches = catalog.scan(text)
    if not matches:
        fuzzy = catalog.fuzzy_row(text) if explicit else None
        if fuzzy is not None:
            return [Token(LABEL, text, line, offset, label=fuzzy)]
    pos = 0
    for m in [*matches, None]:
        end = m.start if m else len(text)
        if m is not None and end - pos >= 2:  # numbering is two characters or more
            # Row numbering in front of a label matched without it ("2." + 申请人逾期…) is the label's.
            numbering = _NUMBERING.search(text, pos, end)
            if numbering:
                end = numbering.start()
        if end > pos:  # an empty residue has no tokens
            out.extend(_residual_tokens(text[pos:end], line, offset + pos, explicit))
        if m is None:
            break
        out.append(Token(LABEL, text[end : m.end], line, offset + end, label=m.label))
        pos = m.end
    return out


_PIECE: Final = re.compile(r"\S+")
_NUMBERING: Final = re.compile(r"\d{1,2}[.、]\s*$")  # "2." before a label


_PARENS: Final = re.compile(r"\([^()]*\)")
_CJK_CHAR: Final = re.compile(r"[\u4e00-\u9fff]")
_LEADING_NUMBER: Final = re.compile(r"^[+-]?[\d,.]+")
_LEADING_PLACEHOLDER: Final = re.compile(r"^[-/—–]+")


def _is_sentence(rest: str) -> bool:
    """Text after a number that is prose, not the cell's own note: a cell keeps its punctuation
    inside parentheses ("8件(撤销1件、警告7件)")."""
    rest = _PARENS.sub("", rest)
    return any(c in rest for c in ",。;:") or len(_CJK_CHAR.findall(rest)) > 6


def _pieces(text: str) -> list[tuple[int, str]]:
    """``(start, piece)`` of each match of ``_PIECE`` (``\\S+``) in ``text``: ``str.split`` splits
    on the same whitespace (``str.isspace``), and a piece is found from the end of the one before,
    with only whitespace between."""
    out = []
    pos = 0
    for piece in text.split():
        pos = text.find(piece, pos)
        out.append((pos, piece))
        pos += len(piece)
    return out


def _residual_tokens(text: str, line: int, offset: int, explicit: bool) -> list[Token]:
    out: list[Token] = []
    for at, piece in _pieces(text):
        if (piece.isascii() and piece.isdigit()) or piece in PLACEHOLDERS:
            # The common pieces: a plain number or a placeholder is a value, whatever follows.
            out.append(Token(VALUE, piece, line, offset + at, explicit=explicit))
            continue
        number = _LEADING_NUMBER.match(piece)
        rest = piece[number.end() :] if number else ""
        if number and not explicit and rest and _is_sentence(rest):
            if rest[0] in "年月日号":  # "2023年,共收到申请0条。": a date starts the sentence
                out.append(Token(TEXT, piece, line, offset + at))
            else:  # a cell run into the next heading: "000000000000000五、信息处理费…"
                start = offset + at
                out.append(Token(VALUE, number.group(), line, start))
                dash = _LEADING_PLACEHOLDER.match(rest)  # "27-我单位…": the blank cell before the prose
                if dash:
                    out.append(Token(VALUE, dash.group(), line, start + number.end()))
                    rest = rest[dash.end() :]
                out.append(Token(TEXT, rest, line, offset + len(piece) - len(rest) + at))
            continue
        if _is_value_text(piece):
            # Inside a delimited cell, text after the number belongs to it ("8件(撤销1件)").
            out.append(Token(VALUE, piece, line, offset + at, explicit=explicit))
        elif out and out[-1].kind == VALUE and not explicit and not _NARRATIVE.search(piece):
            out[-1].text += piece  # "8件(撤销1件、警告7件)" written with a space inside
        else:
            out.append(Token(TEXT, piece, line, offset + at))
    return out


def tokenize(lines: list[tuple[int, int, str]], catalog: lab.Catalog) -> list[Token]:
    """Tokens of a region given as ``(line_number, offset, text)`` triples.

    One cell per line can break a label over lines ("危及" / "“" / "三安全一稳定" / "”"): a run of
    adjacent short lines without a value is scanned as one text, joined with its newlines, so
    offsets stay those of the document (labels are matched with line breaks ignored)."""
    out: list[Token] = []
    append = out.append
    ordinals = False
    i, n = 0, len(lines)
    # The line after a fragment is looked up to see whether it is one too; when it is not, it is the
    # next line read, and its info is taken from here rather than looked up again.
    peeked, peeked_info = -1, _NO_INFO
    while i < n:
        number, offset, text = lines[i]
        i += 1
        if len(text) > _CACHED_LINE:  # a flattened page: unique, and too big to keep (never a fragment)
            tokens = _tokenize_line(text, catalog)
            for t in tokens:
                t.line, t.offset = number, offset + t.offset
            out.extend(tokens)
            ordinals = True
            continue
        fragment, line_tokens, ordinal = peeked_info if peeked == i - 1 else _line_info(text, catalog)
        if fragment:
            end, j = offset + len(text), i
            while j < n and lines[j][1] == end + 1:
                after = lines[j][2]
                if len(after) > _CACHED_LINE:
                    if not _is_fragment(after):
                        break
                else:
                    peeked, peeked_info = j, _line_info(after, catalog)
                    if not peeked_info[0]:
                        break
                end = lines[j][1] + len(after)
                j += 1
            if j > i:
                joined = "\n".join([line[2] for line in lines[i - 1 : j]])
                _, line_tokens, ordinal = _line_info(joined, catalog)
                i = j
        ordinals = ordinals or ordinal
        for kind, value, rel, label, explicit in line_tokens:
            append(Token(kind, value, number, offset + rel, label, explicit))
    return _drop_split_ordinals(out) if ordinals else out


_CACHED_LINE: Final = 400
_NO_INFO: Final[tuple[bool, tuple[tuple, ...], bool]] = (False, (), False)


def _line_info(text: str, catalog: lab.Catalog) -> tuple[bool, tuple[tuple, ...], bool]:
    """A line's tokens, computed once per catalog (``Catalog.lines``): reports repeat the same lines
    (labels, headers, small cells), so the tokens are kept with offsets relative to the line and
    placed at each occurrence. With them: is the line a label fragment (``_is_fragment``), and may
    it hold a row number printed apart (``_drop_split_ordinals``)?"""
    cache = catalog.lines
    info = cache.get(text)
    if info is None:
        info = _compute_line_info(text, catalog)
        if len(cache) < _LINE_CACHE:  # full: the lines seen first stay (the template's come early)
            cache[text] = info
    return info


_LINE_CACHE: Final = 16384


def _compute_line_info(text: str, catalog: lab.Catalog) -> tuple[bool, tuple[tuple, ...], bool]:
    tokens = tuple([(t.kind, t.text, t.offset, t.label, t.explicit) for t in _tokenize_line(text, catalog)])
    ordinal = any(t[0] == VALUE and not t[4] and t[1][-1:] in (".", "、") for t in tokens)
    return _is_fragment(text), tokens, ordinal


def _tokenize_line(text: str, catalog: lab.Catalog) -> list[Token]:
    """Tokens of one line (or of label fragments joined across lines), offsets from its start."""
    number, offset = 0, 0
    out: list[Token] = []
    if not text.strip() or _page_number(text):
        return out
    if "|" in text:
        if not text.replace("|", "").strip():  # only pipes and spaces
            out.append(
                Token(BREAK, text, number, offset)
                if text.count("|") > 1
                else Token(BLANK, "", number, offset, explicit=True)
            )
            return out
        if "---" in text and _MD_SEPARATOR.match(text):
            out.append(Token(BREAK, text, number, offset))
            return out
        body, base = text, offset
        lead = len(body) - len(body.lstrip())
        if body.lstrip().startswith("|"):  # Markdown row: drop the leading pipe
            body, base = body[lead + 1 :], base + lead + 1
        parts = body.split("|")
        if not parts[-1].strip():
            parts = parts[:-1]
        pos = base
        for part in parts:
            _add_cell_tokens(out, part, pos, catalog)
            pos += len(part) + 1
        if len(parts) > 1:
            out.append(Token(BREAK, "", number, pos))
        return out
    if "\t" in text.strip():
        pos = offset
        for part in text.split("\t"):
            if part.strip():
                _add_cell_tokens(out, part, pos, catalog)
            pos += len(part) + 1
        out.append(Token(BREAK, "", number, pos))
        return out
    # A flattened page can hold a whole report on one line: narrative is dropped sentence by
    # sentence (table cells never contain "。"), so the tables on the same line survive.
    pos = 0
    # The sentences; the empty one the pattern finds at the end has no tokens.
    for sentence in _SENTENCE.findall(text) if "。" in text else (text,):
        tokens = _scan_tokens(sentence, number, offset + pos, catalog, explicit=False)
        if any(t.kind == TEXT and _NARRATIVE.search(t.text) for t in tokens):
            tokens = [Token(TEXT, sentence, number, offset + pos)]
        out.extend(tokens)
        pos += len(sentence)
    return out


def _add_cell_tokens(out: list[Token], cell: str, offset: int, catalog: lab.Catalog) -> None:
    """``out.extend(_cell_tokens(cell, 0, offset, catalog))`` (line 0: a line's tokens are placed
    later). A plain number is read at once; any other cell's tokens depend on its text alone and are
    kept per catalog (``Catalog.cells``) with offsets relative to the cell: the label cells of a
    delimited table repeat in every report, on lines that rarely do (their numbers differ)."""
    stripped = cell.strip()
    if stripped and _plain_number(stripped):
        out.append(Token(VALUE, stripped, 0, offset + cell.index(stripped[0]), explicit=True))
        return
    cache = catalog.cells
    info = cache.get(cell)
    if info is None:
        info = tuple(
            [(t.kind, t.text, t.offset, t.label, t.explicit) for t in _cell_tokens(cell, 0, 0, catalog)]
        )
        if len(cache) < _CELL_CACHE:  # full: the cells seen first stay (the template's come early)
            cache[cell] = info
    for kind, value, rel, label, explicit in info:
        out.append(Token(kind, value, 0, offset + rel, label, explicit))


_CELL_CACHE: Final = 8192


_SENTENCE: Final = re.compile(r"[^。]*(?:。|$)")
# A page number on its own line (PDF and Word conversions): "第 2 页", "第2页 共5页", "- 2 -", "2/5".
_PAGE_NUMBER: Final = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|[-—]\s*\d+\s*[-—]|\d+\s*/\s*\d+)\s*$"
)


def _page_number(text: str) -> bool:
    """``_PAGE_NUMBER`` matches; every text it matches holds 页, a dash or a slash (checked first)."""
    signs = "页" in text or "-" in text or "—" in text or "/" in text
    return signs and _PAGE_NUMBER.match(text) is not None


MAX_FRAGMENT: Final = 30


def _is_fragment(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) <= MAX_FRAGMENT and "|" not in t and "\t" not in t and not _is_value_text(t)


_LONE_ORDINAL: Final = re.compile(r"^(\d{1,2})[.、]$")


def _drop_split_ordinals(tokens: list[Token]) -> list[Token]:
    """A row number printed on its own line ("1." then "属于国家秘密", "3." then "其他") belongs to
    the label that follows it, never to the row before: drop it unless that label has another number."""
    out = []
    for i, tok in enumerate(tokens):
        if tok.kind != VALUE or tok.explicit or tok.text[-1:] not in (".", "、"):
            out.append(tok)
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        m = _LONE_ORDINAL.match(tok.text)
        if (
            m
            and nxt is not None
            and nxt.kind == LABEL
            and nxt.label
            and nxt.label.ordinal in (None, m.group(1))
        ):
            continue
        out.append(tok)
    return out
