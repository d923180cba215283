"""Label catalogs for each table and a scanner that finds labels inside a cell or a flattened line.

Labels are matched on their *match form* (see ``template.match_form``), so punctuation of either
width, spaces and quote styles do not matter. Aliases from ``data/template.json`` cover typos and
variants; ``fuzzy_row`` handles the remaining near-misses of whole cells.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final

from . import template

ROW: Final = "row"  # a data row of the table (table 二 rows, table 三 rows)
GROUP: Final = "group"  # a table 三 group cell such as (三)不予公开
HEADER: Final = "header"  # header or caption text, carries no values

TABLES: Final = ("table2", "table3", "table4")
_CLOSERS: Final = frozenset(")]}”’\"'》】")
_OPENERS: Final = frozenset("([{“‘\"'《【")
_ORDINAL: Final = re.compile(r"^\s*(\d{1,2})\s*[.、]")
_DIGITS: Final = "0123456789"
# A character of a label's match form other than a digit (``template.match_form`` keeps these and
# ASCII digits).
_WORD: Final = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_word(ch: str) -> bool:
    """``_WORD`` matches the character ``ch`` (by code point: no pattern call per character)."""
    o = ord(ch)
    return (
        65 <= o <= 90
        or 97 <= o <= 122
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
    )


@dataclass(frozen=True)
class Label:
    role: str
    key: str  # row key (table 三), row index "r<i>" (table 二), group key, or the header text
    ordinal: str | None = None  # the row's printed number ("2" for 2.其他法律…), table 三 rows only


class Match:
    """A label found in a text. A plain class, not a frozen dataclass: compiled (native.py), its
    constructor is native code (a frozen dataclass sets each field through ``object.__setattr__``).
    It compares, hashes and prints by its fields as the dataclass did; not changed once made."""

    __slots__ = ("end", "label", "start")

    def __init__(self, start: int, end: int, label: Label) -> None:
        self.start = start  # span in the scanned text
        self.end = end
        self.label = label

    def _fields(self) -> tuple[int, int, Label]:
        return (self.start, self.end, self.label)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Match) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Match(start={!r}, end={!r}, label={!r})".format(*self._fields())


class Catalog:
    def __init__(self, entries: dict[str, Label]):
        self.entries = entries
        if not all(_WORD.search(form) for form in entries):
            raise ValueError("a label's match form without a letter or ideograph: Catalog.scan needs one")
        self.trailing_digits = max(len(form) - len(form.rstrip(_DIGITS)) for form in entries)
        alternatives = sorted(entries, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(a) for a in alternatives))
        self.fuzzy_pool = [(a, lab) for a, lab in entries.items() if lab.role == ROW and len(a) >= 5]
        # The tokens of each distinct line scanned with this catalog (``tokens._line_info``).
        self.lines: dict[str, tuple] = {}
        # The tokens of each distinct delimited cell that is not a plain number (``tokens._add_cell_tokens``).
        self.cells: dict[str, tuple] = {}

    def scan(self, text: str) -> list[Match]:
        """Non-overlapping label matches in ``text``, leftmost-longest, as spans of ``text``."""
        # A match ends at the latest ``trailing_digits`` digits after the last letter or ideograph
        # of ``text`` (a label's match form has a letter or ideograph and ends in at most that many
        # digits): the values after that point ("一、本年新收… 193 - -") need no scan, and the
        # label part of a line is then the same text in many reports.
        cut = len(text)
        while cut and not is_word(text[cut - 1]):
            cut -= 1
        if cut == 0:
            return []
        digits = 0
        while cut < len(text) and digits < self.trailing_digits:
            digits += text[cut] in _DIGITS
            cut += 1
        label_part = text[:cut] if cut < len(text) else text
        # Reports repeat the same template labels: cache the short texts (cells, label lines).
        matches = self._scan_cached(label_part) if cut <= 200 else self._scan(label_part)
        if matches and cut < len(text) and matches[-1].end == cut and text[cut] in _CLOSERS:
            last, end = matches[-1], cut  # closing punctuation after the label is the label's
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
            return [*matches[:-1], Match(last.start, end, last.label)]
        return matches

    @lru_cache(maxsize=16384)  # noqa: B019 - catalogs live for the whole process
    def _scan_cached(self, text: str) -> list[Match]:
        return self._scan(text)

    def _scan(self, text: str) -> list[Match]:
        form, form_starts, text_starts = template.match_form_with_runs(text)
        out: list[Match] = []
        last_run = len(form_starts) - 1
        r = 0  # the run of the form that holds the match's first character (matches come in order)
        for m in self.pattern.finditer(form):
            first, last = m.start(), m.end() - 1
            while r < last_run and form_starts[r + 1] <= first:
                r += 1
            start = text_starts[r] + first - form_starts[r]
            while r < last_run and form_starts[r + 1] <= last:
                r += 1
            end = text_starts[r] + last - form_starts[r] + 1
            # Closing punctuation right after a label belongs to it: 部分公开(…情形) / “三安全一稳定”;
            # so does opening punctuation right before it: the "(" of "(二)部分公开".
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
            floor = out[-1].end if out else 0
            while start > floor and text[start - 1] in _OPENERS:
                start -= 1
            out.append(Match(start, end, self.entries[m.group()]))
        return out

    def fuzzy_row(self, text: str) -> Label | None:
        """Best row label for a whole cell that matched nothing exactly (typos like 行政止公开)."""
        form = template.match_form(text)
        if len(form) < 5 or sum(ch.isdigit() for ch in form) > 2:
            return None
        best, best_ratio = None, 0.0
        for alias, lab in self.fuzzy_pool:
            ratio = difflib.SequenceMatcher(None, form, alias, autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = lab, ratio
        return best if best_ratio >= 0.8 else None


def _add(entries: dict[str, Label], text: str, label: Label) -> None:
    form = template.match_form(text)
    if form and form not in entries:
        entries[form] = label


@cache
def catalog(table: str) -> Catalog:
    data = template.raw()
    entries: dict[str, Label] = {}
    if table == "table3":
        for row in data["table3_rows"]:
            numbered = _ORDINAL.match(row["label"])
            label = Label(ROW, row["key"], numbered.group(1) if numbered else None)
            for text in [row["label"], *row["aliases"]]:
                _add(entries, text, label)
        for group in data["table3_groups"]:
            for text in [group["label"] or "", *group.get("aliases", [])]:
                if group.get("first_row"):
                    _add(entries, text, Label(GROUP, group["group"]))
    elif table == "table2":
        for fmt in (template.FORMAT_2021, template.FORMAT_2019):
            for row in data["table2"][fmt]:
                for text in [row["label"], *row.get("aliases", [])]:
                    # Rows are identified by their normalized label; the format picks the keys.
                    _add(entries, text, Label(ROW, template.match_form(row["label"])))
    for text in data["headers"][table]:
        _add(entries, text, Label(HEADER, template.match_form(text)))
    return Catalog(entries)


@cache
def table2_row_label(fmt: str, label_key: str) -> template.Table2Row | None:
    """The table 二 row of ``fmt`` whose label (or alias) has match form ``label_key``."""
    for row in template.table2_rows(fmt):
        forms = {template.match_form(t) for t in (row.label, *row.aliases)}
        if label_key in forms:
            return row
    return None
