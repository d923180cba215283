"""What a report's text says: its six sections, the numbers its narrative states (claims, with their
character spans), and the names it links to its own (renames, signatures).

Rule-based and pure: the patterns are data (``data/patterns.json``). A claim is evidence to compare with
the tables (``fct_narrative_checks``), never a value that replaces one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagster_project.govreport.sections import find_sections

from .text import Compact, compact, compiled, patterns, to_number

# Section number -> the key the parser's region finder uses (sections 二–六); section 一 is ours.
SECTION_KEYS = {1: "overview", 2: "table2", 3: "table3", 4: "table4", 5: "problems", 6: "other"}
NARRATIVE_SECTIONS = (1, 5, 6)  # sections whose text is kept (similarity, passages)
MAX_SECTION_CHARS = 20_000  # longer sections are cut (a crawl that swallowed a whole page)


@dataclass(frozen=True)
class Section:
    number: int  # 1..6
    key: str
    found_by: str | None  # "heading" | "fallback" | None when the report has no such section
    start: int | None  # offsets in the normalized document
    end: int | None
    text: str | None  # sections 一, 五 and 六 only


@dataclass(frozen=True)
class Claim:
    claim_key: str
    value: float | None
    unit: str | None
    form: str  # "stated" (a number) | "negation" (e.g. 未收到申请 = 0)
    qualifier: str  # total | natural_person | legal_person | channel
    start: int  # span of the matched phrase in the normalized document
    end: int
    text: str  # the matched phrase (compact form)
    sentence: str  # the sentence around it (compact form)
    section: int  # 0 = before section 一, else 1..6


@dataclass(frozen=True)
class NameMention:
    kind: str  # "renamed" (X更名为Y) | "former_name" ((原X)) | "signed_as" (the closing signature)
    old_name: str | None
    new_name: str | None
    start: int
    end: int
    text: str


def find_report_sections(doc: str) -> list[Section]:
    """Sections 一 to 六 (one row each, found or not). Section 一 runs from its heading to section 二."""
    regions = find_sections(doc)
    starts = [r.start for r in regions.values()]
    first_table = min(starts) if starts else len(doc)
    overview = compiled(patterns()["sections"]["overview"]).search(doc, 0, first_table)
    out = []
    for number, key in SECTION_KEYS.items():
        if number == 1:
            if overview is None:
                out.append(Section(1, key, None, None, None, None))
                continue
            start, end, found_by = overview.start(), first_table, "heading"
        else:
            region = regions.get(key)
            if region is None:
                out.append(Section(number, key, None, None, None, None))
                continue
            start, end, found_by = region.start, region.end, region.found_by
        text = doc[start : min(end, start + MAX_SECTION_CHARS)] if number in NARRATIVE_SECTIONS else None
        out.append(Section(number, key, found_by, start, end, text))
    return out


def _section_of(sections: list[Section], offset: int) -> int:
    for s in sections:
        if s.start is not None and s.end is not None and s.start <= offset < s.end:
            return s.number
    return 0


_SENTENCE_END = re.compile(r"[。;!?]")


def _sentence(c: Compact, start: int, end: int) -> str:
    lo = max((m.end() for m in _SENTENCE_END.finditer(c.text, max(0, start - 200), start)), default=None)
    lo = lo if lo is not None else max(0, start - 60)
    hi_match = _SENTENCE_END.search(c.text, end, end + 200)
    hi = hi_match.end() if hi_match else min(len(c.text), end + 60)
    return c.text[lo:hi]


def _qualifier(words: str) -> str:
    for name, rule in patterns()["qualifiers"].items():
        if name.startswith("_"):
            continue
        if any(w in words for w in rule["any"]) and not any(w in words for w in rule["none"]):
            return name
    return "total"


def extract_claims(doc: str, sections: list[Section] | None = None) -> list[Claim]:
    """Every number the narrative states about applications, reviews, lawsuits, disclosures and fees."""
    sections = sections if sections is not None else find_report_sections(doc)
    c = compact(doc)
    claimed: list[tuple[int, int]] = []  # compact spans of numbers (or negation phrases) already read
    claims: list[Claim] = []

    def taken(a: int, b: int) -> bool:
        return any(a < y and x < b for x, y in claimed)

    for rule in patterns()["claims"]:
        keys = rule["key"] if isinstance(rule["key"], list) else [rule["key"]]
        exclude = re.compile(rule["exclude"]) if rule.get("exclude") else None
        negation = bool(rule.get("negation"))
        for pattern in rule["patterns"]:
            for m in compiled(pattern).finditer(c.text):
                words = "".join(g for name in ("gap", "gap2") if (g := m.groupdict().get(name)))
                if exclude is not None and exclude.search(words):
                    continue
                if negation:
                    a, b = m.span()
                    value, unit = 0.0, None
                else:
                    a, b = m.span("n")
                    value, unit = to_number(m.group("n")), m.groupdict().get("unit")
                    if value is None:
                        continue
                    if unit == "万元":
                        value *= 10000
                        unit = "元"
                if taken(a, b):
                    continue
                emitted = [
                    k
                    for k in keys
                    if not rule.get("requires") or rule["requires"][k] in (words or m.group(0))
                ]
                if not emitted:
                    continue
                claimed.append((a, b))
                start, end = c.span(*m.span())
                for key in emitted:
                    claims.append(
                        Claim(
                            claim_key=key,
                            value=value,
                            unit=unit,
                            form="negation" if negation else "stated",
                            qualifier=_qualifier(words) if key == "applications_received" else "total",
                            start=start,
                            end=end,
                            text=m.group(0),
                            sentence=_sentence(c, *m.span()),
                            section=_section_of(sections, start),
                        )
                    )
    claims.sort(key=lambda x: (x.start, x.claim_key))
    return claims


def name_mentions(doc: str, agency: str | None) -> list[NameMention]:
    """Names the report links to its own: stated renames, former names in brackets, and the closing
    signature when it names another agency than ``agency`` (the name the parser read)."""
    c = compact(doc)
    rules = patterns()["renames"]
    out: list[NameMention] = []
    for pattern, literal in zip(rules["stated"], rules["stated_literals"], strict=True):
        if literal not in c.text:  # no match is possible: skip a scan that tries every position
            continue
        for m in compiled(pattern).finditer(c.text):
            groups = m.groupdict()
            start, end = c.span(*m.span())
            kind = "renamed" if groups.get("new") else "former_name"
            out.append(
                NameMention(kind, groups.get("old"), groups.get("new") or agency, start, end, m.group(0))
            )
    # The signature is the last "<name><date>" of the document; crawled pages add chrome after it.
    tail_from = max(0, len(c.text) - 600)
    # Every signature ends with a date: without one in the tail there is nothing to scan for.
    dated = compiled(rules["signature_date"]).search(c.text, tail_from)
    signatures = list(compiled(rules["signature"]).finditer(c.text, tail_from)) if dated else []
    if signatures and agency:
        m = signatures[-1]
        name = _trim_signature(m.group("name"), agency)
        if name and name != agency:
            start, end = c.span(*m.span("name"))
            out.append(NameMention("signed_as", name, agency, start, end, m.group(0)))
    return out


def _trim_signature(name: str, agency: str) -> str | None:
    """The signing agency, without the end of the sentence before it (``特此报告。`` is already cut)."""
    for prefix in ("此函", "特此报告", "附件下载", "附件"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    # A signature shares its region prefix with the title agency; keep from that prefix on.
    for k in range(min(len(agency), 8), 1, -1):
        at = name.find(agency[:k])
        if at >= 0:
            return name[at:]
    return name if len(name) <= 20 else None


@dataclass(frozen=True)
class NarrativeResult:
    status: str  # "ok" | "unreadable"
    chars: int
    sections: list[Section]
    claims: list[Claim]
    mentions: list[NameMention]
    page_url: str | None = None  # the address a saved page states for itself (原始链接: …)


def page_url(doc: str) -> str | None:
    """The URL a saved page's header gives for the page itself, when it has one."""
    m = compiled(patterns()["page_url"]).search(doc, 0, 3000)
    return m.group("url") if m else None


def analyse_document(data: bytes, name: str, agency: str | None) -> NarrativeResult:
    """Sections, claims and name mentions of one report's bytes (read as the parser reads them)."""
    from .text import document_text

    doc = document_text(data, name)
    if doc is None:
        return NarrativeResult("unreadable", 0, [], [], [])
    sections = find_report_sections(doc)
    claims = extract_claims(doc, sections)
    return NarrativeResult("ok", len(doc), sections, claims, name_mentions(doc, agency), page_url(doc))
