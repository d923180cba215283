"""Great Expectations suites as Dagster asset checks on the marts (one check per suite).

A failing suite is a fact about the sources (a report that breaks an identity keeps its numbers),
so the checks have WARN severity and never fail the refresh; their metadata lists the reports.
"""

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.quality import gx_suites


def _check_for(suite: str) -> dg.AssetChecksDefinition:
    table = gx_suites.suite_spec(suite)["meta"]["table"].split(".")[-1]

    @dg.asset_check(
        asset=dg.AssetKey(["marts", table]),
        name=f"gx_{suite}",
        description=f"Great Expectations suite expectations/{suite}.json",
        blocking=False,
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        con = duckdb.connect(str(warehouse.settings().db_path), read_only=True)
        try:
            outcome = gx_suites.validate(con, suite)
        finally:
            con.close()
        failed = [e for e in outcome.expectations if not e.success]
        table_md = "\n".join(
            ["| expectation | column | unexpected | reports |", "|---|---|---|---|"]
            + [
                f"| {e.description or e.expectation_type} | {e.column} | {e.unexpected_count} | "
                f"{', '.join(r[:12] for r in e.failing_report_ids[:10])} |"
                for e in failed
            ]
        )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcome.expectations),
                "failed_expectations": len(failed),
                "failing_report_ids": dg.MetadataValue.json(outcome.failing_report_ids),
                "failures": dg.MetadataValue.md(table_md if failed else "none"),
            },
        )

    return _check


gx_checks = [_check_for(name) for name in gx_suites.suite_names()]

defs = dg.Definitions(asset_checks=gx_checks)
