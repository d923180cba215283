"""A snapshot of the asset graph: every asset key and every GX check, so a rename is a visible change."""

from __future__ import annotations

EXPECTED_ASSETS = {
    "raw/reports",
    "raw/report_cells",
    "raw/parse_issues",
    "raw/template_rows",
    "analysis/report_sections",
    "analysis/narrative_claims",
    "analysis/agency_mentions",
    "analysis/agency_names",
    "analysis/section_similarity",
    "marts/quality_thresholds",
    "marts/report_deadlines",
    "marts/narrative_claim_cells",
    "staging/stg_reports__reports",
    "staging/stg_reports__cells",
    "staging/stg_reports__issues",
    "staging/stg_reports__template_rows",
    "staging/stg_analysis__report_sections",
    "staging/stg_analysis__narrative_claims",
    "staging/stg_analysis__agency_names",
    "staging/stg_analysis__section_similarity",
    "intermediate/int_report_cells",
    "intermediate/int_labelled_cells",
    "intermediate/int_identity_operand_map",
    "intermediate/int_identity_operands",
    "intermediate/int_identity_checks",
    "intermediate/int_cell_trust",
    "intermediate/int_report_cell_counts",
    "intermediate/int_report_agency",
    "intermediate/int_report_versions",
    "intermediate/int_report_context_versions",
    "marts/fct_applications_by_outcome",
    "marts/fct_reviews_litigation",
    "marts/fct_fees",
    "marts/fct_active_disclosure",
    "marts/fct_identity_checks",
    "marts/dim_agency",
    "marts/dim_report",
    "marts/dim_agency_name",
    "marts/fct_cross_year_checks",
    "marts/fct_narrative_claims",
    "marts/fct_narrative_checks",
    "marts/fct_report_quality",
    "published_warehouse",
    "published_exports",
}


def test_asset_graph_snapshot():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == EXPECTED_ASSETS
    gx = {k.to_user_string() for k in graph.asset_check_keys if k.name.startswith("gx_")}
    marts = ["fct_applications_by_outcome", "fct_reviews_litigation", "fct_fees", "fct_active_disclosure",
             "fct_identity_checks", "dim_agency", "dim_report", "fct_cross_year_checks",
             "fct_narrative_checks", "fct_report_quality"]  # fmt: skip
    assert gx == {f"marts/{name}:gx_{name}" for name in marts}
    # dbt tests are asset checks too; the job refreshes everything, and the sensor watches raw/.
    assert any(k.name.startswith("unique_") for k in graph.asset_check_keys)
    assert defs.resolve_job_def("refresh_all") is not None
    assert defs.resolve_sensor_def("raw_files_sensor") is not None


def test_publish_does_not_wait_for_gx():
    """The published copy depends on the marts only: GX runs after it, so a new report reaches readers
    without waiting for the suites (their results flag reports, they change no number)."""
    from dagster_project.definitions import defs

    snaps = defs.resolve_job_def("refresh_all").get_job_snapshot().dep_structure_snapshot
    upstream = {
        s.node_name: {o.node_name for d in s.input_dep_snaps for o in d.upstream_output_snaps}
        for s in snaps.node_invocation_snaps
    }
    assert "published_warehouse" in upstream["gx_checks"]
    assert "gx_checks" not in upstream["published_warehouse"]


def test_dbt_resource_reports_the_dbt_it_runs():
    """The resource skips dagster-dbt's `dbt --version` subprocess: the version it reports instead must
    be the one the configured executable prints."""
    import re
    import subprocess

    from dagster_project.defs.dbt import defs as dbt_defs

    resource = dbt_defs.resources["dbt"]
    printed = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True).stdout
    core = re.search(r"Core:\s*\n\s*- installed:\s*(\d+\.\d+\.\d+)", printed) or re.search(
        r"(\d+\.\d+\.\d+)", printed
    )
    assert str(resource._cli_version) == core.group(1)
    assert resource._initialize_dbt_core_adapter([]) is None
