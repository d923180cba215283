"""The published read-only copy of the marts that SQL users and BI tools read, and its exports."""

from typing import Literal

import dagster as dg

from dagster_project.defs.dbt import DUCKDB_POOL, dbt_models
from dagster_project.defs.resources import WarehouseResource
from dagster_project.progress import report
from dagster_project.warehouse.exports import XLSX_NAME, export
from dagster_project.warehouse.publisher import publish

PUBLISHED_SCHEMAS = ("raw", "main_marts")


@dg.asset(
    deps=[key for key in dbt_models.keys if key.path[0] == "marts"] + [["raw", "reports"]],
    group_name="published",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Atomically replace the published copy (``published.duckdb`` beside the working database)."""
    settings = warehouse.settings()
    report("publish", 0, 1)
    counts = publish(settings, PUBLISHED_SCHEMAS)
    report("publish", 1, 1)
    context.log.info(f"published {len(counts)} tables to {settings.published_path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published_path)),
            "storage_version": settings.publish_storage_version or "default",
            "tables": dg.MetadataValue.json(counts),
        }
    )


class ExportConfig(dg.Config):
    csv_encoding: Literal["utf-8-sig", "gb18030"] = "utf-8-sig"
    """utf-8-sig: UTF-8 with a BOM (Excel reads it as UTF-8); gb18030: for tools that expect the
    Chinese Windows code page."""


@dg.asset(
    deps=[published_warehouse],
    group_name="published",
    kinds={"parquet", "csv", "excel"},
)
def published_exports(
    context: dg.AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every mart of the published copy as Parquet (hive-partitioned by report_year, zstd, column
    descriptions in the metadata), CSV (UTF-8 with BOM, or GB18030) and one XLSX workbook with a README
    sheet, in ``exports/`` beside the published copy, replaced atomically (docs/exports.md)."""
    marts: list[str] = []

    def exporting(name: str) -> None:
        marts.append(name)
        report("export", len(marts) - 1, None, "marts written")

    summary = export(warehouse.settings(), config.csv_encoding, progress=exporting)
    context.log.info(f"exported {len(summary.rows)} marts to {summary.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "xlsx": dg.MetadataValue.path(str(summary.path / XLSX_NAME)),
            "csv_encoding": summary.csv_encoding,
            "rows": dg.MetadataValue.json(summary.rows),
            "files": len(summary.files),
        }
    )


defs = dg.Definitions(assets=[published_warehouse, published_exports])
