"""The published read-only copy of the marts that SQL users and BI tools read."""

import dagster as dg

from dagster_project.defs.dbt import DUCKDB_POOL, dbt_models
from dagster_project.defs.resources import WarehouseResource
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
    counts = publish(settings, PUBLISHED_SCHEMAS)
    context.log.info(f"published {len(counts)} tables to {settings.published_path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published_path)),
            "storage_version": settings.publish_storage_version or "default",
            "tables": dg.MetadataValue.json(counts),
        }
    )


defs = dg.Definitions(assets=[published_warehouse])
