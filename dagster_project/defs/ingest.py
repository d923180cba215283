"""The raw layer: parse raw/ and load raw.reports, raw.report_cells, raw.parse_issues, raw.template_rows."""

import json

import dagster as dg

from dagster_project.dbt_project import dbt_project
from dagster_project.defs.dbt import DUCKDB_POOL
from dagster_project.defs.frames import table_metadata
from dagster_project.defs.resources import WarehouseResource
from dagster_project.progress import LogEvery, report
from dagster_project.warehouse.files import printable
from dagster_project.warehouse.load import connect, load_raw
from dagster_project.warehouse.locking import refresh_lock

RAW_TABLES = ("reports", "report_cells", "parse_issues", "template_rows")


def _cell(text: str | None) -> str:
    """A Markdown table cell: a file name may hold newlines, control characters or pipes."""
    return printable(text or "").replace("|", "\\|")


def _source_descriptions() -> dict[str, str]:
    """The raw tables as dbt documents them (models/staging/_sources.yml): the UI says what dbt docs say."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return {s["name"]: s["description"] for s in manifest["sources"].values() if s["source_name"] == "raw"}


RAW_DOCS = _source_descriptions()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", t], group_name="raw", kinds={"duckdb", "python"}, description=RAW_DOCS[t])
        for t in RAW_TABLES
    ],
    pool=DUCKDB_POOL,
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Parse new and changed files in raw/ and load them; unchanged files are not parsed again."""
    settings = warehouse.settings()
    log_counts = LogEvery(context.log.info, "parse")

    def parsed(done: int, total: int) -> None:
        log_counts(done, total)  # the run's logs
        report("parse", done, total)  # the terminal of `govreport refresh`

    with refresh_lock(settings, wait=600):
        summary = load_raw(settings, progress=parsed)
    context.log.info(f"raw load: {summary}")
    con = connect(settings)
    try:
        # Schema and a few rows of each table, read back through Polars, for the asset's page in the UI.
        tables = {t: table_metadata(con, f"raw.{t}", order_by=None) for t in RAW_TABLES}
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES}
        quarantined = con.execute(
            "select file_name, quarantine_reason, quarantine_message from raw.reports "
            "where status = 'quarantined' order by file_name"
        ).fetchall()
    finally:
        con.close()
    report_meta = {
        "files": summary.files,
        "parsed": summary.parsed,
        "quarantined": summary.quarantined_total,
        "quarantined_by_reason": summary.quarantined,
        "parsed_this_run": summary.reparsed,
        "unchanged_skipped": summary.unchanged,
        "removed": summary.removed,
        "agency_year_duplicates": summary.agency_year_duplicates,
        "quarantine": dg.MetadataValue.md(
            "\n".join(
                ["| file | reason | message |", "|---|---|---|"]
                + [f"| {_cell(n)} | {r} | {_cell(m)} |" for n, r, m in quarantined]
            )
            if quarantined
            else "none"
        ),
    }
    for table in RAW_TABLES:
        meta = {**tables[table], "dagster/row_count": counts[table]}
        if table == "reports":
            meta.update(report_meta)
        yield dg.MaterializeResult(asset_key=["raw", table], metadata=meta)


defs = dg.Definitions(assets=[raw_tables])
