"""Locate the report's sections and the text regions that hold tables 二, 三 and 四."""

from __future__ import annotations

import bisect
import re
from typing import Final

from . import template

SECTION_ORDER: Final = ("table2", "table3", "table4", "problems", "other")


class Region:
    """A section's span in the normalized document.

    A plain class, not a frozen dataclass: compiled (native.py), its constructor is native code (a
    frozen dataclass sets each field through ``object.__setattr__``). It compares, hashes and prints
    by its fields as the dataclass did; not changed once made."""

    __slots__ = ("end", "found_by", "name", "start")

    def __init__(self, name: str, start: int, end: int, found_by: str) -> None:
        self.name = name
        self.start = start  # character offsets in the normalized document
        self.end = end
        self.found_by = found_by  # "heading" | "fallback"

    def _fields(self) -> tuple[str, int, int, str]:
        return (self.name, self.start, self.end, self.found_by)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Region) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Region(name={!r}, start={!r}, end={!r}, found_by={!r})".format(*self._fields())


def _compile_patterns() -> dict[str, re.Pattern]:
    return {name: re.compile(p) for name, p in template.raw()["headings"].items()}


# Every heading pattern starts with its numeral, written as a character class, then "、".
_NUMBERED: Final = re.compile(r"\[([^\]\\^-]+)\]、")


def _heading_numerals() -> dict[str, str]:
    """The numerals each heading may start with ("二三" for "[二三]、…"), checked against the patterns."""
    out = {}
    for name, pattern in template.raw()["headings"].items():
        m = _NUMBERED.match(pattern)
        if m is None:
            raise ValueError(
                f"heading pattern {name!r} must start with a class of numerals and 、: {pattern!r}"
            )
        out[name] = m.group(1)
    return out


# Built once, at import (asked for once a heading and report).
_PATTERNS: Final = _compile_patterns()
_NUMERALS: Final = _heading_numerals()


def _heading(doc: str, name: str, cursor: int) -> re.Match | None:
    """``_PATTERNS[name].search(doc, cursor)``, tried only where a numeral of the heading stands
    before a "、" (a search with a character class first tries the pattern at every character)."""
    pattern, numerals = _PATTERNS[name], _NUMERALS[name]
    at = doc.find("、", cursor + 1)
    while at >= 0:
        if doc[at - 1] in numerals:
            m = pattern.match(doc, at - 1)
            if m is not None:
                return m
        at = doc.find("、", at + 1)
    return None


def find_sections(doc: str) -> dict[str, Region]:
    """Regions of the tables and of sections 五/六, in document order; missing ones are absent."""
    starts: dict[str, tuple[int, str]] = {}
    cursor = 0
    for name in SECTION_ORDER:
        m = _heading(doc, name, cursor)
        if m:
            starts[name] = (m.start(), "heading")
            cursor = m.end()
    fallbacks = template.raw()["fallback_starts"]
    for name in ("table2", "table3", "table4"):
        if name in starts:
            continue
        lo = max(
            (s for n, (s, _) in starts.items() if SECTION_ORDER.index(n) < SECTION_ORDER.index(name)),
            default=0,
        )
        hits = [doc.find(marker, lo) for marker in fallbacks[name]]
        hits = [h for h in hits if h >= 0]
        if hits:
            # From the start of the marker's line, or of its sentence on a flattened page.
            at = max(doc.rfind("\n", 0, min(hits)), doc.rfind("。", lo, min(hits))) + 1
            later = [s for n, (s, _) in starts.items() if SECTION_ORDER.index(n) > SECTION_ORDER.index(name)]
            if not later or at < min(later):
                starts[name] = (at, "fallback")
    ordered = sorted(starts.items(), key=lambda kv: kv[1][0])
    regions = {}
    for i, (name, (start, how)) in enumerate(ordered):
        end = ordered[i + 1][1][0] if i + 1 < len(ordered) else len(doc)
        regions[name] = Region(name, start, end, how)
    return regions


def region_lines(
    doc: str, lines: list[str], line_starts: list[int], region: Region
) -> list[tuple[int, int, str]]:
    """``(line_number, offset, text)`` for the part of each line inside ``region`` (``doc`` is
    ``lines`` joined by newlines; a whole line is passed on as the same string object)."""
    first = bisect.bisect_right(line_starts, region.start) - 1
    last = bisect.bisect_left(line_starts, region.end)  # lines first .. last-1 start before the end
    start, end = region.start, region.end
    out = []
    for i in range(first, last):
        lo = line_starts[i]
        text = lines[i]
        hi = lo + len(text)
        if lo >= start and hi <= end:
            if text:
                out.append((i + 1, lo, text))
            continue
        a = lo if lo > start else start
        b = hi if hi < end else end
        if a < b:
            out.append((i + 1, a, doc[a:b]))
    return out
