"""Report metadata: the agency as the report names itself, the statistics year, publication date, URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import template


@dataclass(frozen=True)
class Metadata:
    agency: str | None
    year: int | None
    agency_found_by: str | None  # "title" | "body"
    publish_date: str | None
    source_url: str | None


@lru_cache(maxsize=1)
def _compiled() -> dict:
    meta = template.raw()["metadata"]
    return {
        "title": re.compile(meta["title_pattern"]),
        "body": [re.compile(p) for p in meta["body_patterns"]],
        "year": [re.compile(p) for p in meta["year_patterns"]],
        "date": re.compile(meta["publish_date_pattern"]),
        "url": re.compile(meta["source_url_pattern"]),
        "prefixes": tuple(meta["agency_prefixes_to_strip"]),
        "chrome": tuple(template.raw()["page_chrome"]),
    }


_BREADCRUMB = re.compile(r".*[>»›]")


def _clean_agency(text: str) -> str | None:
    c = _compiled()
    text = _BREADCRUMB.sub("", text)
    text = re.sub(r"[\s《》<>\"“”'|_]", "", text)
    changed = True
    while changed:
        changed = False
        for p in c["prefixes"]:
            if text.startswith(p):
                text, changed = text[len(p) :], True
    if text.endswith("政府") and not text.endswith("人民政府"):
        text = text[: -len("政府")]
    return text if 2 <= len(text) <= 40 else None


def _is_chrome(line: str) -> bool:
    return any(marker in line for marker in _compiled()["chrome"])


def extract(lines: list[str], head_limit: int = 40) -> Metadata:
    c = _compiled()
    agency = year = found_by = None
    # 1. A title line near the top (skipping page chrome such as breadcrumbs and visit counters).
    for line in lines[:head_limit]:
        if "报告" not in line and "年报" not in line:
            continue  # cheap filter before the title pattern
        if _is_chrome(line) and not c["title"].search(line):
            continue
        m = c["title"].search(line.strip())
        if m and len(line.strip()) <= 80:
            agency = _clean_agency(m.group("agency"))
            if agency:
                year, found_by = int(m.group("year")), "title"
                break
    # 2. The body names the report (《…2024年政府信息公开工作年度报告》) or the agency (结合2023年…).
    if agency is None:
        text = "\n".join(line for line in lines[:head_limit] if "信息公开" in line or "政务公开" in line)
        for pattern in [c["title"], *c["body"]]:
            for m in pattern.finditer(text):
                candidate = _clean_agency(m.group("agency"))
                if candidate:
                    agency, year, found_by = candidate, int(m.group("year")), "body"
                    break
            if agency:
                break
    if year is None:
        text = "\n".join(lines[: head_limit * 2])
        for pattern in c["year"]:
            m = pattern.search(text)
            if m:
                year = int(m.group("year"))
                break
    whole = "\n".join(line for line in lines if "日期" in line or "时间" in line or "http" in line)
    date = None
    m = c["date"].search(whole)
    if m:
        date = f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
    url = None
    m = c["url"].search(whole)
    if m:
        url = m.group("url").rstrip(".,;)")
    return Metadata(agency, year, found_by, date, url)
