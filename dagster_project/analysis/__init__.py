"""Reconciliation and report-quality analytics: the report's narrative against its tables, the same
agency across years, and the auditors' checks (docs/reconciliation.md).

Pure library code like the parser: no Dagster, dbt or DuckDB import. ``data/patterns.json`` holds every
Chinese pattern the package uses.
"""
