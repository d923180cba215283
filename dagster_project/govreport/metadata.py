"""Report metadata: the agency as the report names itself, the statistics year, publication date, URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from . import template

MAX_AGENCY: Final = 60


@dataclass(frozen=True)
class Metadata:
    agency: str | None
    year: int | None
    agency_found_by: str | None  # "title" | "body"
    publish_date: str | None
    source_url: str | None


def _compile() -> dict:
    meta = template.raw()["metadata"]
    return {
        "title": re.compile(meta["title_suffix_pattern"]),
        "body_suffix": re.compile(meta["body_suffix_pattern"]),
        "body": [re.compile(p) for p in meta["body_patterns"]],
        "year": [re.compile(p) for p in meta["year_patterns"]],
        "date": re.compile(meta["publish_date_pattern"]),
        "url": re.compile(meta["source_url_pattern"]),
        "prefixes": tuple(meta["agency_prefixes_to_strip"]),
        "stops": frozenset(meta["agency_stop_chars"]),
        "chrome": tuple(template.raw()["page_chrome"]),
    }


# The template's metadata patterns, compiled at import (asked for several times a report).
_COMPILED: Final = _compile()
_BREADCRUMB: Final = re.compile(r".*[>»›]")
_NAME_NOISE: Final = re.compile(r"[\s《》<>\"“”'|_]")  # dropped from an agency name


def _clean_agency(text: str) -> str | None:
    c = _COMPILED
    if ">" in text or "»" in text or "›" in text:  # what the pattern needs (it is tried at every character)
        text = _BREADCRUMB.sub("", text)
    text = _NAME_NOISE.sub("", text)
    changed = True
    while changed:
        changed = False
        for p in c["prefixes"]:
            if text.startswith(p):
                text, changed = text[len(p) :], True
    if text.endswith("政府") and not text.endswith("人民政府"):
        text = text[: -len("政府")]
    return text if 2 <= len(text) <= 40 else None


def _agency_before(text: str, pos: int) -> str | None:
    """The name written right before ``pos`` (the year of "<agency>2023年…报告"), back to a delimiter."""
    stops = _COMPILED["stops"]
    start = pos
    while start > 0 and pos - start < MAX_AGENCY and text[start - 1] not in stops:
        start -= 1
    return _clean_agency(text[start:pos])


def _is_chrome(line: str) -> bool:
    return any(marker in line for marker in _COMPILED["chrome"])


def _from_suffix(pattern: re.Pattern, text: str) -> tuple[str, int] | None:
    for m in pattern.finditer(text):
        agency = _agency_before(text, m.start())
        if agency:
            return agency, int(m.group("year"))
    return None


def extract(lines: list[str], head_limit: int = 40) -> Metadata:
    c = _COMPILED
    agency = year = found_by = None
    # 1. A title line near the top (page chrome such as breadcrumbs and visit counters skipped).
    for line in lines[:head_limit]:
        stripped = line.strip()
        if ("报告" not in stripped and "年报" not in stripped) or len(stripped) > 80:
            continue
        if _is_chrome(stripped) and not c["title"].search(stripped):
            continue
        hit = _from_suffix(c["title"], stripped)
        if hit:
            (agency, year), found_by = hit, "title"
            break
    # 2. The body names the report (《…2024年政府信息公开工作年度报告》) or the agency (结合2023年…).
    if agency is None:
        text = "\n".join(line for line in lines[:head_limit] if "信息公开" in line or "政务公开" in line)
        hit = _from_suffix(c["title"], text)
        for pattern in c["body"]:
            if hit:
                break
            for m in pattern.finditer(text):
                candidate = _clean_agency(m.group("agency"))
                if candidate:
                    hit = candidate, int(m.group("year"))
                    break
        hit = hit or _from_suffix(c["body_suffix"], text)
        if hit:
            (agency, year), found_by = hit, "body"
    if year is None:
        text = "\n".join(lines[: head_limit * 2])
        for pattern in c["year"]:
            m = pattern.search(text)
            if m:
                year = int(m.group("year"))
                break
    # Three searches of the whole text find most reports without a dated line or link, which then need
    # no search line by line.
    whole = "\n".join(lines)
    dated = ""
    if "日期" in whole or "时间" in whole or "http" in whole:
        dated = "\n".join(line for line in lines if "日期" in line or "时间" in line or "http" in line)
    date = url = None
    m = c["date"].search(dated)
    if m:
        date = f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
    m = c["url"].search(dated)
    if m:
        url = m.group("url").rstrip(".,;)")
    return Metadata(agency, year, found_by, date, url)
