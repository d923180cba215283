"""Text normalization: width folding, script conversion, pinyin removal, stray spaces.

Every step works within a line and never adds or removes one, so line numbers of the normalized
text are line numbers of the decoded input (provenance depends on it); the steps run over the
whole document at once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
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
_SPACE_CHARS: Final = "\u00a0" + "".join(map(chr, range(0x2000, 0x200C))) + "\u202f\u205f\u3000\ufeff"
_SPACES: Final = re.compile(f"[{_SPACE_CHARS}]")
# The space characters NFKC leaves alone: in an NFKC-normalized text only these can be present.
_NFKC_STABLE_SPACES: Final = tuple(c for c in _SPACE_CHARS if unicodedata.is_normalized("NFKC", c))
_NEWLINES: Final = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
# Characters dropped outright: zero-width and control characters other than tab/newline.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200c-\u200f\u2060]")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in Simplified script, as OpenCC converts it. A text without a character OpenCC's
    dictionaries could change is returned as it is, without the conversion (``opencc_keys``)."""
    if _CONVERTIBLE.search(text) is None:
        return text
    return _t2s().convert(text)


def _ranges(chars: str) -> str:
    """A character class body for ``chars`` (sorted), consecutive code points written as ranges."""
    out: list[str] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        out.append(re.escape(chars[i]) if i == j else f"{re.escape(chars[i])}-{re.escape(chars[j])}")
        i = j + 1
    return "".join(out)


def _convertible() -> re.Pattern:
    """Any character of ``data/opencc_t2s.json``: the Basic Multilingual Plane's as ranges, and every
    character beyond it (the regex engine tests a class with those only character by character, 20
    us a line; the supplementary planes are rare in reports, and such a line is converted anyway)."""
    package = resources.files(__name__.rpartition(".")[0])
    data = package.joinpath("data/opencc_t2s.json").read_text(encoding="utf-8")
    bmp = "".join([c for c in json.loads(data)["chars"] if c <= "\uffff"])
    return re.compile(f"[{_ranges(bmp)}\U00010000-\U0010ffff]")


# Any character a key of OpenCC's t2s dictionaries holds (data/opencc_t2s.json, made by opencc_keys).
_CONVERTIBLE: Final = _convertible()


def normalize_line(line: str) -> str:
    # Every character ``_SPACES`` and ``_CONTROL`` replace is non-printable (a separator or a control
    # or format character): a text whose only non-printable characters are newlines has none of them,
    # and ``str.isprintable`` says so faster than the two pattern scans.
    clean = only_printable(line)
    if unicodedata.is_normalized("NFKC", line):
        if not clean and any(c in line for c in _NFKC_STABLE_SPACES):
            line = _spaces_to_blank(line)
            clean = only_printable(line)
    else:
        if not clean:
            line = _spaces_to_blank(line)
        # Folding the full-width ASCII variants first gives the same result (NFKC maps each to its
        # ASCII character) and usually leaves nothing else for the slow full normalization.
        for wide in _COMMON_WIDE:  # str.replace is much faster than a callback per character
            if wide in line:
                line = line.replace(wide, chr(ord(wide) - 0xFEE0))
        line = _FULL_WIDTH.sub(_fold_width, line)
        if not unicodedata.is_normalized("NFKC", line):
            line = unicodedata.normalize("NFKC", line)
            clean = only_printable(line)
        elif not clean:  # the spaces are replaced; the folds make printable ASCII
            clean = only_printable(line)
    if not clean:
        line = _CONTROL.sub("", line)
    if "(" in line:
        line = _PINYIN.sub("", line)
    return _drop_cjk_spaces(line)


def _spaces_to_blank(line: str) -> str:
    """``_SPACES.sub(" ", line)``: each space character present replaced by str.replace (a scan per
    character of ``_SPACE_CHARS`` is faster than the pattern's test of every character)."""
    for c in _SPACE_CHARS:
        if c in line:
            line = line.replace(c, " ")
    return line


def only_printable(text: str) -> bool:
    """No non-printable character in ``text`` other than newlines (False: maybe; a tab says so too)."""
    return "\t" not in text and text.replace("\n", "").isprintable()


def _fold_width(m: re.Match) -> str:
    return chr(ord(m.group()) - 0xFEE0)


def _drop_cjk_spaces(line: str) -> str:
    """``_CJK_SPACE.sub("", line)``, with the pattern written to start at the space (a
    lookbehind-first pattern is tried at every character; this one only where a space or tab is)."""
    if "\t" in line:
        return _CJK_SPACE_RUN.sub("", line)
    # Without tabs a run starts with a literal space, which the scan finds far faster than a class.
    return _CJK_SPACE_RUN_NO_TAB.sub("", line) if " " in line else line


# ``_CJK_SPACE``: a whole run of spaces and tabs (its first one right after the character the
# lookbehind checks, a space after it for the lookahead to refuse), in its two cases by the
# character before the run: CJK, or a CJK quote or mark.
_CJK_SPACE_RUN: Final = re.compile(
    rf"[ \t](?:(?<=[{_CJK}][ \t])[ \t]*(?=[{_CJK}“”(、])|(?<=[“”、][ \t])[ \t]*(?=[{_CJK}“”(]))"
)
_CJK_SPACE_RUN_NO_TAB: Final = re.compile(
    rf" (?:(?<=[{_CJK}] ) *(?=[{_CJK}“”(、])|(?<=[“”、] ) *(?=[{_CJK}“”(]))"
)


def normalize_text(text: str) -> list[str]:
    """Return the normalized lines of a decoded report (same number of lines as the input)."""
    return normalize_text_with_stats(text)[0]


def normalize_text_with_stats(text: str) -> tuple[list[str], int]:
    """Normalized lines and how many characters the Traditional-to-Simplified step changed."""
    doc, converted = normalize_document(text)
    return doc.split("\n"), converted


def normalize_document(text: str) -> tuple[str, int]:
    """The normalized document (its lines are those of the decoded input) and how many characters
    the Traditional-to-Simplified step changed (-1: a conversion changed a line's length)."""
    doc, _, changed = normalize_document_lines(text)
    return doc, changed


def normalize_document_lines(text: str) -> tuple[str, list[str], int]:
    """``normalize_document`` with the document's lines (``doc.split("\\n")``), which it splits anyway.

    NFKC first (full-width parentheses become ASCII, which the pinyin pattern needs), then pinyin
    removal, then script conversion. Reports repeat most of their lines (labels, headers, cells): each
    distinct input line's result is kept (``_NORMALIZED``) and the lines not seen before are
    normalized together, as one text: the folding steps give on a text what they give line by line
    (``normalize_lines``), since none creates or removes a newline or matches across one, and the
    script conversion of the non-ASCII ones is one OpenCC call."""
    text = _unify_newlines(text)
    lines = text.split("\n")
    new: list[int] = []
    changed = 0
    for i, line in enumerate(lines):
        if line.isascii() and line.isprintable():
            # Printable ASCII (cells, numbers, blank lines) is already normal: every folding step
            # needs a non-ASCII, control or tab character, and script conversion a non-ASCII one.
            continue
        hit = _NORMALIZED.get(line)
        if hit is None:
            new.append(i)
        else:
            lines[i] = hit[0]
            changed = -1 if hit[1] < 0 or changed < 0 else changed + hit[1]
    if not new:
        return "\n".join(lines), lines, changed
    originals = [lines[i] for i in new]
    folded = normalize_line("\n".join(originals)).split("\n")
    if len(folded) != len(new):  # not expected of the folding steps: fold the lines one by one
        folded = [normalize_line(line) for line in originals]
    wide = [k for k, line in enumerate(folded) if not line.isascii()]
    converted: list[str] = []
    if wide:
        converted = to_simplified("\n".join([folded[k] for k in wide])).split("\n")
        if len(converted) != len(wide):  # not expected of OpenCC: convert the lines one by one
            converted = [to_simplified(folded[k]) for k in wide]
    done = [(line, 0) for line in folded]
    for k, simplified in zip(wide, converted, strict=True):
        done[k] = _finish(folded[k], simplified)
    for i, original, (line, n) in zip(new, originals, done, strict=True):
        lines[i] = line
        changed = -1 if n < 0 or changed < 0 else changed + n
        # Full, the cache keeps the lines seen first (the template's come early).
        if len(original) <= _CACHED_LINE and len(_NORMALIZED) < _CACHE_SIZE:
            _NORMALIZED[original] = (line, n)
    return "\n".join(lines), lines, changed


_CACHED_LINE: Final = 400  # longer lines (flattened pages) rarely repeat
_CACHE_SIZE: Final = 16384
# Each distinct input line's normalized form and changed-character count (``_finish``).
_NORMALIZED: Final[dict[str, tuple[str, int]]] = {}


def _simplify(line: str) -> tuple[str, int]:
    return _finish(line, to_simplified(line))


def _finish(line: str, simplified: str) -> tuple[str, int]:
    """A folded line in Simplified script (``simplified``: as OpenCC converts it) and how many
    characters changed (-1: the length changed). Converted characters can newly stand next to a
    space (dropping spaces twice changes nothing)."""
    if simplified == line:
        return line, 0
    changed = sum(map(str.__ne__, line, simplified)) if len(line) == len(simplified) else -1
    return _drop_cjk_spaces(simplified), changed


def normalize_lines(text: str) -> tuple[list[str], int]:
    """``normalize_document`` one line at a time (the reference the whole-document pass is tested
    against)."""
    text = _unify_newlines(text)
    done = [_normalize_uncached(line) for line in text.split("\n")]
    counts = [n for _, n in done]
    return [line for line, _ in done], (-1 if min(counts) < 0 else sum(counts))


def _unify_newlines(text: str) -> str:
    """Every line break as "\\n" (CR LF, CR and the Unicode breaks)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _OTHER_NEWLINES):
        text = _NEWLINES.sub("\n", text)
    return text


_OTHER_NEWLINES: Final = "\u2028\u2029\x0b\x0c\x85"


def _normalize_uncached(line: str) -> tuple[str, int]:
    """One normalized line and how many characters script conversion changed (-1: the length changed)."""
    folded = normalize_line(line)
    return (folded, 0) if folded.isascii() else _simplify(folded)
