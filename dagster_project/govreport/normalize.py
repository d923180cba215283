"""Text normalization: width folding, script conversion, pinyin removal, stray spaces.

Normalization works line by line and never adds or removes a line, so line numbers of the
normalized text are line numbers of the decoded input (provenance depends on it).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from opencc import OpenCC

_CJK: Final = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Pinyin that mirror sites inject right after a character: 發(fā)布 -> 發布.
# (The "(" comes first so the scan jumps from one parenthesis to the next; the character before it
# is then checked by a lookbehind of two.)
_PINYIN: Final = re.compile(rf"\((?<=[{_CJK}]\()(?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,7}}\d?)\)")
# Spaces between two CJK characters (or CJK and CJK punctuation) are layout noise: 商业 企业.
_CJK_SPACE: Final = re.compile(rf"(?<=[{_CJK}“”、])[ \t]+(?=[{_CJK}“”(])|(?<=[{_CJK}])[ \t]+(?=[“”、])")
# Full-width ASCII variants and the ideographic space: what NFKC does to most of a Chinese page.
_FULL_WIDTH: Final = re.compile(r"[\uff01-\uff5e]")
_COMMON_WIDE: Final = "，（）：；！？％．／－"
# A space run can only be dropped before a CJK character, a CJK quote or mark, or "(": the scan
# skips the runs between digits of a flattened table without calling back.
_SPACE_RUN: Final = re.compile(r"[ \t]+(?=[^\x00-\x27\x29-\x7f])")
_SPACES: Final = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_NEWLINES: Final = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
# Characters dropped outright: zero-width and control characters other than tab/newline.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200c-\u200f\u2060]")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_line(line: str) -> str:
    line = _SPACES.sub(" ", line)
    if not unicodedata.is_normalized("NFKC", line):
        # Folding the full-width ASCII variants first gives the same result (NFKC maps each to its
        # ASCII character) and usually leaves nothing else for the slow full normalization.
        for wide in _COMMON_WIDE:  # str.replace is much faster than a callback per character
            if wide in line:
                line = line.replace(wide, chr(ord(wide) - 0xFEE0))
        line = _FULL_WIDTH.sub(_fold_width, line)
        if not unicodedata.is_normalized("NFKC", line):
            line = unicodedata.normalize("NFKC", line)
    line = _CONTROL.sub("", line)
    if "(" in line:
        line = _PINYIN.sub("", line)
    return _drop_cjk_spaces(line)


def _fold_width(m: re.Match) -> str:
    return chr(ord(m.group()) - 0xFEE0)


def _drop_cjk_spaces(line: str) -> str:
    """``_CJK_SPACE.sub("", line)``, scanning from one space run to the next (the lookbehind-first
    pattern tests every character of the line)."""
    if " " not in line and "\t" not in line:
        return line
    return _SPACE_RUN.sub(lambda m: _keep_space(line, m), line)


_BEFORE: Final = frozenset("“”、")
_AFTER: Final = frozenset("“”(")
_QUOTES: Final = frozenset("“”、")


def _keep_space(line: str, m: re.Match) -> str:
    start, end = m.span()
    if start == 0 or end == len(line):
        return m.group()
    before, after = line[start - 1], line[end]
    cjk_before = _is_cjk(before)
    if (cjk_before or before in _BEFORE) and (after in _AFTER or _is_cjk(after)):
        return ""
    if cjk_before and after in _QUOTES:
        return ""
    return m.group()


def _is_cjk(char: str) -> bool:
    """The ``_CJK`` ranges."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


def normalize_text(text: str) -> list[str]:
    """Return the normalized lines of a decoded report (same number of lines as the input)."""
    return normalize_text_with_stats(text)[0]


def normalize_text_with_stats(text: str) -> tuple[list[str], int]:
    """Normalized lines and how many characters the Traditional-to-Simplified step changed.

    Per line: NFKC first (full-width parentheses become ASCII, which the pinyin pattern needs), then
    pinyin removal, then script conversion. No step creates or removes a newline, and conversion
    phrases never span one, so lines are normalized one at a time. Reports repeat most of their lines
    (labels, headers, small cells), so each distinct line is normalized once (``_normalize_one``).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _OTHER_NEWLINES):
        text = _NEWLINES.sub("\n", text)
    done = [
        _normalize_one(line) if len(line) <= _CACHED_LINE else _normalize_uncached(line)
        for line in text.split("\n")
    ]
    counts = [n for _, n in done]
    return [line for line, _ in done], (-1 if min(counts) < 0 else sum(counts))


_OTHER_NEWLINES: Final = "\u2028\u2029\x0b\x0c\x85"
_CACHED_LINE: Final = 400  # longer lines (flattened pages) rarely repeat


@lru_cache(maxsize=16384)
def _normalize_one(line: str) -> tuple[str, int]:
    return _normalize_uncached(line)


def _normalize_uncached(line: str) -> tuple[str, int]:
    """One normalized line and how many characters script conversion changed (-1: the length changed)."""
    folded = normalize_line(line)
    if folded.isascii():
        return folded, 0
    simplified = to_simplified(folded)
    if folded == simplified:
        return folded, 0  # normalize_line dropped its CJK spaces already (dropping them again is a no-op)
    # Characters changed, or -1 when a phrase conversion changed the length.
    changed = sum(map(str.__ne__, folded, simplified)) if len(folded) == len(simplified) else -1
    return _drop_cjk_spaces(simplified), changed
