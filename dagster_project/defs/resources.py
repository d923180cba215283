"""Resources shared by the Dagster wiring: where the warehouse lives."""

from pathlib import Path

import dagster as dg

from dagster_project.warehouse.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Paths of the working DuckDB file and the raw folder (defaults from GOVREPORT_DB / GOVREPORT_RAW)."""

    db_path: str = ""
    raw_dir: str = ""

    def settings(self) -> Settings:
        base = Settings.from_env()
        return Settings(
            db_path=Path(self.db_path).resolve() if self.db_path else base.db_path,
            raw_dir=Path(self.raw_dir).resolve() if self.raw_dir else base.raw_dir,
            max_bytes=base.max_bytes,
            publish_storage_version=base.publish_storage_version,
        )


defs = dg.Definitions(resources={"warehouse": WarehouseResource()})
