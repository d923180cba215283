"""Copy-paste between a report and the same agency's previous report: shingled Jaccard similarity of a
section's text, and the most similar passage (rapidfuzz).

Exact Jaccard over character shingles is computed for each (report, previous report) pair only, so it
needs no estimate: MinHash/LSH (datasketch) would pay off only for an all-pairs search across agencies.
Digits are masked before comparing, so a copy that only changed the year still counts as a copy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz, process

from .text import compiled, patterns

SHINGLE = 5  # characters per shingle: long enough to be specific in Chinese, short enough for edits
MIN_SENTENCE = 12  # shorter sentences (headings, list markers) are not offered as passages
_SENTENCE = re.compile(r"[^。;!?\n]+[。;!?]?")
_DROP = re.compile(r"[\s\W_]+")


def prepare(text: str) -> str:
    """Folded text without whitespace and punctuation, every digit masked as 0."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"[0-9]", "0", _DROP.sub("", folded))


def strip_heading(text: str) -> str:
    m = compiled(patterns()["sections"]["heading"]).match(text)
    return text[m.end() :] if m else text


def shingles(prepared: str, k: int = SHINGLE) -> set[str]:
    if len(prepared) < k:
        return {prepared} if prepared else set()
    return {prepared[i : i + k] for i in range(len(prepared) - k + 1)}


@dataclass(frozen=True)
class Similarity:
    chars: int  # prepared characters of this year's section
    prev_chars: int
    jaccard: float | None  # |A ∩ B| / |A ∪ B| of the shingle sets
    containment: float | None  # |A ∩ B| / |A|: the share of this year's text found last year
    passage: str | None  # this year's sentence most like a sentence of last year's section
    prev_passage: str | None
    passage_score: float | None  # rapidfuzz ratio of the two, 0–1


def compare(text: str | None, prev_text: str | None) -> Similarity:
    a_text, b_text = strip_heading(text or ""), strip_heading(prev_text or "")
    a, b = prepare(a_text), prepare(b_text)
    if not a or not b:
        return Similarity(len(a), len(b), None, None, None, None, None)
    sa, sb = shingles(a), shingles(b)
    inter = len(sa & sb)
    passage, prev_passage, score = _best_passage(a_text, b_text)
    return Similarity(len(a), len(b), inter / len(sa | sb), inter / len(sa), passage, prev_passage, score)


def _sentences(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _SENTENCE.finditer(text):
        raw = "".join(m.group(0).split())
        prepared = prepare(raw)
        if len(prepared) >= MIN_SENTENCE:
            out.append((raw, prepared))
    return out


def _best_passage(text: str, prev_text: str) -> tuple[str | None, str | None, float | None]:
    current, previous = _sentences(text), _sentences(prev_text)
    if not current or not previous:
        return None, None, None
    choices = [p for _, p in previous]
    best: tuple[float, int, str, str] | None = None
    for raw, prepared in current:
        hit = process.extractOne(prepared, choices, scorer=fuzz.ratio)
        if hit is None:
            continue
        score = hit[1] / 100
        candidate = (score, len(prepared), raw, previous[hit[2]][0])
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        return None, None, None
    return best[2], best[3], round(best[0], 4)


SIMILARITY_SCHEMA = {
    "report_id": pl.String,
    "prev_report_id": pl.String,
    "section_no": pl.Int32,
    "chars": pl.Int32,
    "prev_chars": pl.Int32,
    "jaccard": pl.Float64,
    "containment": pl.Float64,
    "passage": pl.String,
    "prev_passage": pl.String,
    "passage_score": pl.Float64,
}


def previous_reports(reports: pl.DataFrame) -> pl.DataFrame:
    """(report_id, prev_report_id): each report and the reports of the same agency's latest earlier
    year. ``reports`` has report_id, agency_key, report_year."""
    r = reports.select("report_id", "agency_key", "report_year").drop_nulls()
    pairs = r.join(r, on="agency_key", suffix="_prev").filter(
        pl.col("report_year_prev") < pl.col("report_year")
    )
    latest = pairs.with_columns(pl.col("report_year_prev").max().over("report_id").alias("latest"))
    return (
        latest.filter(pl.col("report_year_prev") == pl.col("latest"))
        .select("report_id", pl.col("report_id_prev").alias("prev_report_id"))
        .sort("report_id", "prev_report_id")
    )


def similarity_table(pairs: pl.DataFrame, sections: pl.DataFrame, section_numbers=(1, 5)) -> pl.DataFrame:
    """One row per pair × section: ``sections`` has report_id, section_no, text."""
    texts = {
        (rid, no): text
        for rid, no, text in sections.filter(pl.col("section_no").is_in(list(section_numbers)))
        .select("report_id", "section_no", "text")
        .iter_rows()
    }
    rows = []
    for rid, prev in pairs.select("report_id", "prev_report_id").iter_rows():
        for no in section_numbers:
            s = compare(texts.get((rid, no)), texts.get((prev, no)))
            rows.append(
                {
                    "report_id": rid,
                    "prev_report_id": prev,
                    "section_no": no,
                    "chars": s.chars,
                    "prev_chars": s.prev_chars,
                    "jaccard": None if s.jaccard is None else round(s.jaccard, 4),
                    "containment": None if s.containment is None else round(s.containment, 4),
                    "passage": s.passage,
                    "prev_passage": s.prev_passage,
                    "passage_score": s.passage_score,
                }
            )
    return pl.DataFrame(rows, schema=SIMILARITY_SCHEMA)
