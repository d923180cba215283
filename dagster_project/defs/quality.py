"""Great Expectations suites as Dagster asset checks on the marts (one check per suite).

A failing suite is a fact about the sources (a report that breaks an identity keeps its numbers),
so the checks have WARN severity and never fail the refresh; their metadata lists the reports and
links the suite's page in GX's Data Docs. All suites run in one step, so one Data Docs site (written
to ``data_docs/`` beside the published copy, switched atomically) shows every suite's validation.
"""

from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.progress import report
from dagster_project.quality import gx_suites
from dagster_project.warehouse.publisher import publish_directory
from dagster_project.warehouse.settings import Settings

SUITES = gx_suites.suite_names()


def data_docs_dir(settings: Settings) -> Path:
    """GX's Data Docs of the last refresh: ``data_docs/index.html`` beside the published copy."""
    return settings.published_path.parent / "data_docs"


def _asset(suite: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", gx_suites.suite_spec(suite)["meta"]["table"].split(".")[-1]])


def _failures_table(outcome: gx_suites.SuiteOutcome) -> str:
    failed = [e for e in outcome.expectations if not e.success]
    if not failed:
        return "none"
    return "\n".join(
        ["| expectation | column | unexpected | reports |", "|---|---|---|---|"]
        + [
            f"| {e.description or e.expectation_type} | {e.column} | {e.unexpected_count} | "
            f"{', '.join(r[:12] for r in e.failing_report_ids[:10])} |"
            for e in failed
        ]
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name=f"gx_{suite}",
            asset=_asset(suite),
            description=f"Great Expectations suite expectations/{suite}.json",
            blocking=False,
            # The published copy never depends on these checks (a failing suite flags reports, it
            # changes no number), so they run after the publish: a new report reaches readers
            # without waiting for GX.
            additional_deps=[["published_warehouse"]],
        )
        for suite in SUITES
    ],
    can_subset=True,
)
def gx_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Validate every suite (a few seconds) so the Data Docs always show the whole warehouse; report
    the checks this run selected (all of them in a refresh, fewer when the UI materializes a subset)."""
    selected = {key.name for key in context.selected_asset_check_keys}
    settings = warehouse.settings()
    con = duckdb.connect(str(settings.db_path), read_only=True)
    # Each suite's frame is streamed to a Parquet file ahead of its validation and handed to pandas in
    # chunks (gx_suites._Staging, gx_suites._frames); DuckDB spills past this limit instead of caching
    # up to 80% of RAM, and need not keep rows in order (the chunks' order only changes the order
    # failing rows are listed in).
    con.execute(f"set memory_limit = '{gx_suites.DUCKDB_MEMORY}'")
    con.execute("set preserve_insertion_order = false")

    def progress(name: str, done: int, total: int) -> None:
        context.log.info(f"GX suites: {done}/{total} validated ({name})")
        report("quality checks", done, total, "suites")

    try:
        outcomes = publish_directory(
            data_docs_dir(settings),
            lambda folder: gx_suites.validate_all(con, SUITES, folder, progress=progress),
        )
    finally:
        con.close()
    docs = data_docs_dir(settings)
    context.log.info(f"GX Data Docs: {docs / 'index.html'}")
    for suite, outcome in outcomes.items():
        if f"gx_{suite}" not in selected:
            continue
        page = docs / outcome.docs_page if outcome.docs_page else docs / "index.html"
        yield dg.AssetCheckResult(
            check_name=f"gx_{suite}",
            asset_key=_asset(suite),
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcome.expectations),
                "failed_expectations": sum(not e.success for e in outcome.expectations),
                "failing_report_ids": dg.MetadataValue.json(outcome.failing_report_ids),
                "failures": dg.MetadataValue.md(_failures_table(outcome)),
                "data_docs": dg.MetadataValue.url(page.as_uri()),
                "data_docs_index": dg.MetadataValue.path(str(docs / "index.html")),
            },
        )


defs = dg.Definitions(asset_checks=[gx_checks])
