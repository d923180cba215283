"""Resources shared by the Dagster wiring: where the warehouse lives."""

from dataclasses import replace
from pathlib import Path

import dagster as dg

from dagster_project.warehouse.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Paths of the working DuckDB file and the raw folder (defaults from GOVREPORT_DB / GOVREPORT_RAW)."""

    db_path: str = ""
    raw_dir: str = ""

    def settings(self) -> Settings:
        base = Settings.from_env()
        return replace(
            base,
            db_path=Path(self.db_path).resolve() if self.db_path else base.db_path,
            raw_dir=Path(self.raw_dir).resolve() if self.raw_dir else base.raw_dir,
        )


defs = dg.Definitions(resources={"warehouse": WarehouseResource()})
