"""The single Dagster entry point: ``dagster dev -m dagster_project.definitions``."""

import dagster as dg

from dagster_project.defs import analysis, automation, dbt, ingest, publish, quality, resources

defs = dg.Definitions.merge(
    resources.defs, ingest.defs, analysis.defs, dbt.defs, quality.defs, publish.defs, automation.defs
)
