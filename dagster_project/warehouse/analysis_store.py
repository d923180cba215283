"""The analysis schema: what each report's text says, the stable agency keys, and the similarity of a
report to the same agency's previous one (docs/reconciliation.md).

The raw layer keeps no report text, so the narrative reaches the extractor here: each parsed report's
file is read once more and decoded exactly as the parser decodes it, and only what the marts need is
kept (sections 一, 五 and 六, the claims with their spans, the names the report links to its own). A
report is keyed by the sha256 of its bytes, so it is read once per analysis version: a refresh reads
only new or changed files, and a changed pattern file re-reads every report. Frames are built with
Polars and written to DuckDB through Arrow.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from dagster_project.analysis.agency import (
    NameGraph,
    Resolution,
    affected_names,
    agency_table,
    divisions,
    name_facts,
    name_keys,
    rules_digest,
)
from dagster_project.analysis.narrative import SECTION_KEYS, NarrativeResult, analyse_document
from dagster_project.analysis.similarity import previous_reports, similarity_table
from dagster_project.analysis.text import version

from .gc_tuning import tune_worker
from .settings import Settings
from .writer import run_on, select_on

SCHEMA = "analysis"
PARALLEL_MIN = 64  # below this many files a process pool costs more than it saves
WRITE_BATCH = 2_000  # reports analysed per insert: memory stays flat in the number of reports

SECTIONS_SCHEMA = {
    "report_id": pl.String,
    "analysis_version": pl.String,
    "text_status": pl.String,  # ok | unreadable
    "doc_chars": pl.Int64,
    "page_url": pl.String,  # the URL a saved page gives for itself (原始链接: …), when it does
    "section_no": pl.Int32,
    "section_key": pl.String,
    "found_by": pl.String,  # heading | fallback | NULL (the report has no such section)
    "start_offset": pl.Int64,
    "end_offset": pl.Int64,
    "text": pl.String,  # sections 一, 五 and 六
}
CLAIMS_SCHEMA = {
    "report_id": pl.String,
    "analysis_version": pl.String,
    "claim_no": pl.Int32,
    "claim_key": pl.String,
    "claimed_value": pl.Float64,
    "unit": pl.String,
    "claim_form": pl.String,
    "qualifier": pl.String,
    "span_start": pl.Int64,
    "span_end": pl.Int64,
    "section_no": pl.Int32,
    "phrase": pl.String,
    "sentence": pl.String,
}
MENTIONS_SCHEMA = {
    "report_id": pl.String,
    "analysis_version": pl.String,
    "mention_kind": pl.String,
    "old_name": pl.String,
    "new_name": pl.String,
    "span_start": pl.Int64,
    "span_end": pl.Int64,
    "phrase": pl.String,
}
# What each agency name says on its own (agency.name_facts), kept across refreshes: resolving a name
# against the divisions is the costly part of the agency keys, and a name's facts change only with the
# analysis version or the division data (facts_version).
NAME_FACTS_SCHEMA = {
    "agency_name": pl.String,
    "facts_version": pl.String,
    "normalized_name": pl.String,
    "division_chain": pl.List(pl.String),
    "name_rest": pl.String,
    "region_match": pl.String,
    "region_candidates": pl.List(pl.String),
    "lookalike": pl.String,
    "base_key": pl.String,  # agency.name_keys
    "stem_key": pl.String,
}
AGENCY_INPUTS_SCHEMA = {
    "report_id": pl.String,
    "agency": pl.String,
    "report_year": pl.Int32,
    "mentions_digest": pl.String,  # md5 of the report's mentions (kind, old and new name) in text order
    "inputs_version": pl.String,
}
_DUCK_TYPES = {
    pl.String: "varchar",
    pl.Int32: "integer",
    pl.Int64: "bigint",
    pl.Float64: "double",
    pl.List(pl.String): "varchar[]",
    pl.List(pl.Int32): "integer[]",
}


def _ddl(table: str, schema: dict) -> str:
    cols = ",\n    ".join(f"{name} {_DUCK_TYPES[dtype]}" for name, dtype in schema.items())
    return f"create table if not exists {SCHEMA}.{table} (\n    {cols}\n)"


def _tables() -> dict[str, dict]:
    from dagster_project.analysis.agency import AGENCY_SCHEMA
    from dagster_project.analysis.similarity import SIMILARITY_SCHEMA

    return {
        "report_sections": SECTIONS_SCHEMA,
        "narrative_claims": CLAIMS_SCHEMA,
        "agency_mentions": MENTIONS_SCHEMA,
        "agency_names": AGENCY_SCHEMA,
        "agency_name_facts": NAME_FACTS_SCHEMA,
        "agency_name_inputs": AGENCY_INPUTS_SCHEMA,
        "section_similarity": {**SIMILARITY_SCHEMA, "analysis_version": pl.String},
    }


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.db_path))
    con.execute(f"create schema if not exists {SCHEMA}")
    existing = dict(
        con.execute(
            "select table_name, list(column_name order by column_index) from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? group by table_name",
            [SCHEMA],
        ).fetchall()
    )
    for table, schema in _tables().items():
        if table in existing and list(existing[table]) == list(schema):
            continue
        if table in existing:
            con.execute(f"drop table {SCHEMA}.{table}")  # derived data: rebuilt by the next refresh
        con.execute(_ddl(table, schema))
    return con


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    cols = ", ".join(frame.columns)
    # Not register/unregister: inside a transaction DuckDB keeps each batch until the commit (run_on).
    run_on(con, frame.to_arrow(), f"insert into {SCHEMA}.{table} ({cols}) select {cols} from arrow_rows")


def _delete_reports(con: duckdb.DuckDBPyConnection, table: str, report_ids: Iterable[str]) -> None:
    ids = pl.DataFrame({"report_id": sorted(set(report_ids))}, schema={"report_id": pl.String})
    if ids.height == 0:
        return
    run_on(
        con,
        ids.to_arrow(),
        f"delete from {SCHEMA}.{table} where report_id in (select report_id from arrow_rows)",
    )


# --- narratives --------------------------------------------------------------------------------------


@dataclass
class NarrativeSummary:
    reports: int = 0  # parsed reports
    analysed: int = 0  # read and analysed in this run
    reused: int = 0  # analysed before with the same analysis version
    unreadable: int = 0  # decoded to no text (stored, so not retried)
    skipped: int = 0  # file gone or changed since the load: analysed by the next refresh
    removed: int = 0  # reports no longer parsed, whose rows were dropped


def _analyse_file(args: tuple[bytes, str, str | None, int]) -> tuple[str, str, NarrativeResult | None]:
    """Worker entry point: (report_id, status, result). The bytes must still be the report's bytes."""
    path, report_id, agency, max_bytes = args
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError:
        return report_id, "missing", None
    if len(data) > max_bytes or hashlib.sha256(data).hexdigest() != report_id:
        return report_id, "changed", None
    return report_id, "ok", analyse_document(data, Path(os.fsdecode(path)).name, agency)


def _frames(report_id: str, result: NarrativeResult, v: str) -> tuple[list[dict], list[dict], list[dict]]:
    by_no = {s.number: s for s in result.sections}
    sections = [
        {
            "report_id": report_id,
            "analysis_version": v,
            "text_status": result.status,
            "doc_chars": result.chars,
            "page_url": result.page_url,
            "section_no": no,
            "section_key": key,
            "found_by": by_no[no].found_by if no in by_no else None,
            "start_offset": by_no[no].start if no in by_no else None,
            "end_offset": by_no[no].end if no in by_no else None,
            "text": by_no[no].text if no in by_no else None,
        }
        for no, key in SECTION_KEYS.items()
    ]
    claims = [
        {
            "report_id": report_id,
            "analysis_version": v,
            "claim_no": i,
            "claim_key": c.claim_key,
            "claimed_value": c.value,
            "unit": c.unit,
            "claim_form": c.form,
            "qualifier": c.qualifier,
            "span_start": c.start,
            "span_end": c.end,
            "section_no": c.section,
            "phrase": c.text,
            "sentence": c.sentence,
        }
        for i, c in enumerate(result.claims, start=1)
    ]
    mentions = [
        {
            "report_id": report_id,
            "analysis_version": v,
            "mention_kind": m.kind,
            "old_name": m.old_name,
            "new_name": m.new_name,
            "span_start": m.start,
            "span_end": m.end,
            "phrase": m.text,
        }
        for m in result.mentions
    ]
    return sections, claims, mentions


def refresh_narratives(settings: Settings) -> NarrativeSummary:
    """Bring analysis.report_sections, narrative_claims and agency_mentions in line with raw.reports."""
    summary = NarrativeSummary()
    v = version()
    con = connect(settings)
    try:
        con.execute("begin transaction")
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'raw' and table_name = 'reports'"
            ).fetchall()
        }
        # The path exactly as the file system holds it (a name need not be UTF-8), when the raw layer
        # keeps it.
        path = (
            "coalesce(file_paths_bytes[1], encode(file_paths[1]))"
            if "file_paths_bytes" in columns
            else ("encode(file_paths[1])")
        )
        parsed = con.execute(
            f"select report_id, {path} as path, agency from raw.reports where status = 'parsed' "
            "order by report_id"
        ).fetchall()
        summary.reports = len(parsed)
        done = {
            rid
            for (rid,) in con.execute(
                f"select distinct report_id from {SCHEMA}.report_sections where analysis_version = ?", [v]
            ).fetchall()
        }
        wanted = {rid for rid, _, _ in parsed}
        stale = {
            rid
            for (rid,) in con.execute(f"select distinct report_id from {SCHEMA}.report_sections").fetchall()
        } - (done & wanted)
        summary.removed = len(stale - wanted)
        raw_dir = os.fsencode(settings.raw_dir)
        todo = [
            (os.path.join(raw_dir, bytes(path)), rid, agency, settings.max_bytes)
            for rid, path, agency in parsed
            if rid not in done
        ]
        summary.reused = summary.reports - len(todo)
        # Rows of a report to analyse are of another analysis version, or of none: all of them are in
        # ``stale``, so they go first and the new rows are written in batches (memory stays bounded).
        for table in ("report_sections", "narrative_claims", "agency_mentions"):
            _delete_reports(con, table, stale)
        rows: tuple[list[dict], list[dict], list[dict]] = ([], [], [])

        def flush() -> None:
            for table, acc, schema in zip(
                ("report_sections", "narrative_claims", "agency_mentions"),
                rows,
                (SECTIONS_SCHEMA, CLAIMS_SCHEMA, MENTIONS_SCHEMA),
                strict=True,
            ):
                _insert(con, table, pl.DataFrame(acc, schema=schema))
                acc.clear()

        for report_id, _status, result in _run(todo):
            if result is None:
                summary.skipped += 1
                continue
            summary.analysed += 1
            summary.unreadable += result.status != "ok"
            for acc, new in zip(rows, _frames(report_id, result, v), strict=True):
                acc.extend(new)
            if summary.analysed % WRITE_BATCH == 0:
                flush()
        flush()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
    return summary


def _run(todo: list[tuple]) -> Iterable[tuple[str, str, NarrativeResult | None]]:
    if len(todo) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1:
        # forkserver: the workers do not inherit the refresh's threads or its DuckDB connection.
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(mp_context=ctx, initializer=tune_worker) as pool:
            yield from pool.map(_analyse_file, todo, chunksize=16)
        return
    for args in todo:
        yield _analyse_file(args)


# --- agency keys -------------------------------------------------------------------------------------


def _facts_version() -> str:
    return f"{version()}|{divisions().source}"


def _names_frame(names: Iterable[str]) -> pa.Table:
    return pa.table({"agency_name": pa.array(list(names), pa.string())})


def _ensure_facts(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Compute and keep the facts of ``names`` that have none of this version."""
    facts_version = _facts_version()
    missing = [
        name
        for (name,) in select_on(
            con,
            _names_frame(names),
            "select agency_name from arrow_rows anti join (select agency_name "
            f"from {SCHEMA}.agency_name_facts where facts_version = '{_quote(facts_version)}') "
            "using (agency_name) order by agency_name",
        )
    ]
    rows = []
    for name in missing:
        norm, res = name_facts(name)
        base, stem = name_keys(norm, res)
        rows.append((name, facts_version, norm, list(res.chain), res.rest, res.match, list(res.candidates),
                     res.lookalike, base, stem))  # fmt: skip
    run_on(
        con,
        _names_frame(missing),
        f"delete from {SCHEMA}.agency_name_facts where agency_name in (select agency_name from arrow_rows)",
    )
    _insert(con, "agency_name_facts", pl.DataFrame(rows, schema=NAME_FACTS_SCHEMA, orient="row"))


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _load_facts(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, tuple[str, Resolution]]:
    """The kept facts of ``names`` (``_ensure_facts`` first)."""
    kept = select_on(
        con,
        _names_frame(names),
        "select agency_name, normalized_name, division_chain, name_rest, region_match, region_candidates, "
        f"lookalike from {SCHEMA}.agency_name_facts f semi join arrow_rows using (agency_name) "
        f"where f.facts_version = '{_quote(_facts_version())}'",
    )
    return {
        name: (norm, Resolution(tuple(chain), rest, match, tuple(candidates), lookalike))
        for name, norm, chain, rest, match, candidates, lookalike in kept
    }


def _prune_facts(con: duckdb.DuckDBPyConnection, keep: Iterable[str]) -> None:
    """Drop the facts of other versions and of names neither a report nor a mention carries any more."""
    run_on(
        con,
        _names_frame(keep),
        f"delete from {SCHEMA}.agency_name_facts where facts_version <> '{_quote(_facts_version())}' "
        "or agency_name not in (select agency_name from arrow_rows)",
    )


# The inputs of the agency table, one row per report: what the last refresh of the table was built from,
# kept so the next refresh rebuilds only the names a change reaches (agency.affected_names).
_INPUTS_SQL = f"""
    select r.report_id, r.agency, r.report_year, m.mentions_digest
    from raw.reports r
    left join (
        select report_id, md5(to_json(list([mention_kind, old_name, new_name]
            order by span_start, mention_kind, old_name, new_name))) as mentions_digest
        from {SCHEMA}.agency_mentions
        group by report_id
    ) m on m.report_id = r.report_id
    where r.status = 'parsed' and r.agency is not null
"""


def _strip(name: str) -> str:
    return "".join(name.split())


def _inputs_version() -> str:
    return f"{_facts_version()}|{rules_digest()}"


def _changed_names(con: duckdb.DuckDBPyConnection) -> tuple[set[str], list[str]] | None:
    """The names (without whitespace) of the reports whose inputs changed since the table was last
    built, and those reports; None when the table must be built whole (never built, or built by
    other rules or facts)."""
    kept, other, names = con.execute(
        f"select count(*), count(*) filter (where inputs_version <> ?), "
        f"(select count(*) from {SCHEMA}.agency_names) from {SCHEMA}.agency_name_inputs",
        [_inputs_version()],
    ).fetchall()[0]
    if other or not kept or not names:
        return None
    rows = con.execute(
        f"""
        with now as ({_INPUTS_SQL}),
        before as (select report_id, agency, report_year, mentions_digest from {SCHEMA}.agency_name_inputs)
        select report_id, agency from (select * from now except select * from before)
        union all
        select report_id, agency from (select * from before except select * from now)
        """
    ).fetchall()
    return {_strip(agency) for _, agency in rows}, sorted({rid for rid, _ in rows})


class _StoredNames(NameGraph):
    """``agency.NameGraph`` answered by the warehouse: the facts kept of every name (their keys) and the
    previous agency table (its groups), restricted to ``names``."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, names: set[str], reports: pl.DataFrame, mentions: pl.DataFrame
    ):
        self.con, self.names = con, names
        self.version = _quote(_facts_version())
        self._mentions: dict[str, list[tuple[str, str]]] = {}
        pairs = mentions.join(reports.select("report_id", "agency"), on="report_id").select(
            "agency", "old_name", "new_name"
        )
        mentioned = set(pairs["old_name"].drop_nulls()) | set(pairs["new_name"].drop_nulls())
        facts = {name: (norm, base) for name, (norm, base, _) in self._keys(mentioned).items()}
        for agency, old_name, new_name in pairs.iter_rows():
            for other in (old_name, new_name):
                if other:
                    self._mentions.setdefault(_strip(agency), []).append(facts[other])

    def _keys(self, names: set[str]) -> dict[str, tuple[str, str, str]]:
        rows = select_on(
            self.con,
            _names_frame(names),
            f"select agency_name, normalized_name, base_key, stem_key from {SCHEMA}.agency_name_facts "
            f"where facts_version = '{self.version}' and agency_name in (select agency_name from arrow_rows)",
        )
        return {name: (norm, base, stem) for name, norm, base, stem in rows}

    def keys(self, names: set[str]) -> dict[str, tuple[str, str, str]]:
        return self._keys(names & self.names)

    def matching(self, bases: set[str], stems: set[str], norms: set[str]) -> set[str]:
        wanted = pa.table(
            {
                "kind": pa.array(["base"] * len(bases) + ["stem"] * len(stems) + ["norm"] * len(norms)),
                "key": pa.array([*bases, *stems, *norms], type=pa.string()),
            }
        )
        rows = select_on(
            self.con,
            wanted,
            f"select agency_name from {SCHEMA}.agency_name_facts where facts_version = '{self.version}' and ("
            "base_key in (select key from arrow_rows where kind = 'base') "
            "or stem_key in (select key from arrow_rows where kind = 'stem') "
            "or normalized_name in (select key from arrow_rows where kind = 'norm'))",
        )
        return {name for (name,) in rows} & self.names

    def group_mates(self, names: set[str]) -> set[str]:
        rows = select_on(
            self.con,
            _names_frame(names),
            f"select distinct agency_name from {SCHEMA}.agency_names where agency_key in "
            f"(select agency_key from {SCHEMA}.agency_names where agency_name in (select * from arrow_rows))",
        )
        return {name for (name,) in rows}

    def mentions(self) -> dict[str, list[tuple[str, str]]]:
        return self._mentions


def refresh_agency_names(settings: Settings) -> int:
    """Bring analysis.agency_names in line with every parsed report's agency and the renames reports
    state: the rows of the names a change reaches are rebuilt (agency.affected_names), or the whole
    table when it was built by other rules or facts. Returns the table's rows."""
    con = connect(settings)
    try:
        return update_agency_names(con)
    finally:
        con.close()


def agency_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What ``agency.agency_table`` is built from: the parsed reports with an agency, in report_id
    order, and the names their texts mention, in text order."""
    reports = con.sql(
        "select report_id, agency, report_year from raw.reports "
        "where status = 'parsed' and agency is not null order by report_id"
    ).pl()
    mentions = con.sql(
        f"select report_id, mention_kind as kind, old_name, new_name from {SCHEMA}.agency_mentions "
        "order by report_id, span_start, mention_kind, old_name, new_name"
    ).pl()
    return reports, mentions


def update_agency_names(con: duckdb.DuckDBPyConnection) -> int:
    """``refresh_agency_names`` on an open connection, in one transaction."""
    try:
        con.execute("begin transaction")
        reports, mentions = agency_inputs(con)
        spellings = reports["agency"].unique().to_list()
        raw_names = {_strip(agency) for agency in spellings}
        mentioned = set(mentions["old_name"].drop_nulls()) | set(mentions["new_name"].drop_nulls())
        changed = _changed_names(con)
        if changed is None:
            _ensure_facts(con, raw_names | mentioned)
            table = agency_table(reports, mentions, _load_facts(con, raw_names))
            con.execute(f"delete from {SCHEMA}.agency_names")
            _insert(con, "agency_names", table)
            _prune_facts(con, raw_names | mentioned)
            con.execute(f"delete from {SCHEMA}.agency_name_inputs")
            con.execute(
                f"insert into {SCHEMA}.agency_name_inputs select *, ? from ({_INPUTS_SQL})",
                [_inputs_version()],
            )
        elif changed[0]:
            names, report_ids = changed
            # The facts of the names gone stay until the graph is searched: their keys reach their
            # neighbours (and every name has its facts, whatever happened to them since the last build).
            _ensure_facts(con, raw_names | mentioned | names)
            affected = affected_names(names, _StoredNames(con, raw_names | names, reports, mentions))
            subset = reports.filter(pl.col("agency").is_in([a for a in spellings if _strip(a) in affected]))
            table = agency_table(
                subset,
                mentions.filter(pl.col("report_id").is_in(subset["report_id"].implode())),
                _load_facts(con, affected & raw_names),
            )
            run_on(
                con,
                _names_frame(affected),
                f"delete from {SCHEMA}.agency_names where agency_name in (select * from arrow_rows)",
            )
            _insert(con, "agency_names", table)
            ids = pl.DataFrame({"report_id": report_ids}, schema={"report_id": pl.String}).to_arrow()
            run_on(
                con,
                ids,
                f"delete from {SCHEMA}.agency_name_inputs where report_id in (select * from arrow_rows)",
            )
            run_on(
                con,
                ids,
                f"insert into {SCHEMA}.agency_name_inputs select *, '{_quote(_inputs_version())}' "
                f"from ({_INPUTS_SQL}) where report_id in (select report_id from arrow_rows)",
            )
            # The facts of names gone; those of names only an earlier mention carried stay until the
            # next whole build (they are few, and a name only counts when a report carries it).
            run_on(
                con,
                _names_frame(names - raw_names - mentioned),
                f"delete from {SCHEMA}.agency_name_facts where agency_name in (select * from arrow_rows)",
            )
        rows = con.execute(f"select count(*) from {SCHEMA}.agency_names").fetchall()[0][0]
        con.execute("commit")
        return rows
    except BaseException:
        con.execute("rollback")
        raise


# --- similarity --------------------------------------------------------------------------------------


def refresh_similarity(settings: Settings) -> dict[str, int]:
    """Similarity of sections 一 and 五 to the same agency's previous report, for every canonical report
    that has one; pairs computed before (same analysis version) are kept, not recomputed."""
    v = version()
    con = connect(settings)
    try:
        reports = con.sql(
            f"""
            select r.report_id, a.agency_key, r.report_year
            from raw.reports r
            join {SCHEMA}.agency_names a on a.agency = r.agency
            where r.status = 'parsed' and r.is_canonical
            """
        ).pl()
        pairs = previous_reports(reports)
        existing = con.sql(
            f"select distinct report_id, prev_report_id from {SCHEMA}.section_similarity "
            "where analysis_version = ?",
            params=[v],
        ).pl()
        todo = pairs.join(existing, on=["report_id", "prev_report_id"], how="anti")
        ids = pl.concat([todo["report_id"], todo["prev_report_id"]]).unique().to_frame("report_id")
        con.register("wanted_ids", ids.to_arrow())
        try:
            sections = con.sql(
                f"select report_id, section_no, text from {SCHEMA}.report_sections "
                "where section_no in (1, 5) and report_id in (select report_id from wanted_ids)"
            ).pl()
        finally:
            con.unregister("wanted_ids")
        new = similarity_table(todo, sections).with_columns(pl.lit(v).alias("analysis_version"))
        con.execute("begin transaction")
        con.register("kept_pairs", pairs.to_arrow())
        try:
            con.execute(
                f"delete from {SCHEMA}.section_similarity s where analysis_version != ? or not exists "
                "(select 1 from kept_pairs k where k.report_id = s.report_id "
                "and k.prev_report_id = s.prev_report_id)",
                [v],
            )
        finally:
            con.unregister("kept_pairs")
        _insert(con, "section_similarity", new)
        con.execute("commit")
        return {"pairs": pairs.height, "computed": todo.height, "reused": pairs.height - todo.height}
    finally:
        con.close()
