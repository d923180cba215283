"""The report's text as the parser sees it, and a compact form of it that patterns can read across
the line breaks and spaces of crawled pages while every match maps back to the parser's offsets."""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate
from operator import add

from dagster_project.govreport.decode import UndecodableError, decode
from dagster_project.govreport.normalize import normalize_document
from dagster_project.govreport.readers.document import ReaderError, read_document, sniff_kind

CODE_VERSION = "1"  # bump when the analysis code's output for the same text changes


@cache
def version() -> str:
    """The analysis version: the code version, a digest of patterns.json and the parser version (its
    reader and normalizer give the offsets). Stored with every row, so a change re-reads every report."""
    import hashlib

    from dagster_project.govreport.parse import PARSER_VERSION

    data = resources.files(__package__).joinpath("data/patterns.json").read_bytes() + PARSER_VERSION.encode()
    return f"{CODE_VERSION}+{hashlib.sha256(data).hexdigest()[:12]}"


@cache
def patterns() -> dict:
    """``data/patterns.json``: every Chinese pattern of the analysis package."""
    return json.loads(resources.files(__package__).joinpath("data/patterns.json").read_text(encoding="utf-8"))


def expand(pattern: str) -> str:
    """Replace the ``{macro}`` names of patterns.json in ``pattern``."""
    for name, body in patterns()["macros"].items():
        pattern = pattern.replace("{" + name + "}", body)
    return pattern


@cache
def compiled(pattern: str) -> re.Pattern:
    return re.compile(expand(pattern))


def document_text(data: bytes, name: str = "") -> str | None:
    """The normalized text the parser reads (its ``source_offset`` coordinates), or None when the
    bytes cannot be read as a report. Uses the parser's own readers and normalizer."""
    try:
        kind = sniff_kind(data, name)
        if kind == "binary":
            return None
        if kind in ("html", "pdf", "docx"):
            text = read_document(data, kind).text
        else:
            text, _ = decode(data)
    except (ReaderError, UndecodableError, RecursionError, ValueError):
        return None
    return normalize_document(text)[0]


@dataclass(frozen=True)
class Compact:
    """``text`` without whitespace, each character NFKC-folded. Run ``k`` of non-whitespace starts at
    ``doc_starts[k]`` in the document and at ``compact_starts[k]`` in ``text``; the characters of a run
    map one to one, so ``text[i]`` sits at ``doc_starts[k] + (i - compact_starts[k])`` for the last run
    ``k`` starting at or before ``i``."""

    text: str
    doc_starts: list[int]
    compact_starts: list[int]
    length: int  # length of the document

    def _offset(self, i: int) -> int:
        k = bisect_right(self.compact_starts, i) - 1
        return self.doc_starts[k] + (i - self.compact_starts[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Document offsets ``[start, end)`` of the compact range ``[start, end)``."""
        if start >= len(self.text):
            return self.length, self.length
        return self._offset(start), self._offset(end - 1) + 1 if end > start else self._offset(start)


_SPACES = re.compile(r"\s+")  # \s is str.isspace() for str patterns


@lru_cache(maxsize=4096)
def _fold(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c)
    return folded if len(folded) == 1 else c


@lru_cache(maxsize=2)  # claims and name mentions read the same document one after the other
def compact(doc: str, start: int = 0, end: int | None = None) -> Compact:
    end = len(doc) if end is None else end
    piece = doc[start:end]
    runs = piece.split()  # str.split and \s both split on str.isspace()
    # Each character of an NFKC-normalized text is NFKC-stable on its own (one that changes alone
    # cannot occur in one), so a normalized piece (the parser's normalizer made it so) is only joined;
    # otherwise each run that is not is folded one character at a time.
    if unicodedata.is_normalized("NFKC", piece):
        text = "".join(runs)
    else:
        text = "".join(
            run if run.isascii() or unicodedata.is_normalized("NFKC", run) else "".join(map(_fold, run))
            for run in runs
        )
    # Where each run starts, from the run and gap lengths (C-level loops: no Python call per run).
    compact_starts = list(accumulate(map(len, runs), initial=0))
    compact_starts.pop()
    gaps = list(map(len, _SPACES.findall(piece)))
    if not piece[:1].isspace():
        gaps.insert(0, 0)
    skipped = accumulate(gaps, initial=start)
    next(skipped)
    doc_starts = list(map(add, compact_starts, skipped))
    return Compact(text, doc_starts, compact_starts, len(doc))


def to_number(token: str) -> float | None:
    """``12`` or ``十二`` / ``两`` / ``二十三`` / ``一百零五`` as a number; None when it is not one."""
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", token):
        return float(token)
    digits = patterns()["chinese_digits"]
    total, current = 0, 0
    for ch in token:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)
