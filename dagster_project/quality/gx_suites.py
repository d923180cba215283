"""Great Expectations suites over the marts, validated in an ephemeral GX 1.x context.

Each suite is a JSON file in ``expectations/`` named after the mart it checks. Its ``meta.query``
selects the columns the expectations need from the working DuckDB (only those columns are pulled
into pandas). GX's SQL path on DuckDB is broken in 1.24, hence the pandas data source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
MAX_LISTED = 50  # failing report ids listed per expectation


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation_type: str
    column: str | None
    description: str | None
    success: bool
    element_count: int
    unexpected_count: int
    failing_report_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    expectations: list[ExpectationOutcome]

    @property
    def failing_report_ids(self) -> list[str]:
        return sorted({r for e in self.expectations for r in e.failing_report_ids})


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


@cache
def suite_spec(name: str) -> dict:
    return json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _suite(spec: dict):
    import great_expectations as gx

    return gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta"))


def validate(con: duckdb.DuckDBPyConnection, name: str) -> SuiteOutcome:
    """Validate suite ``name`` against the working database behind ``con``."""
    import great_expectations as gx

    spec = suite_spec(name)
    frame = con.execute(spec["meta"]["query"]).df()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset(name=name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = context.suites.add(_suite(spec))
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["report_id"],
            "partial_unexpected_count": MAX_LISTED,
        },
    )
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        ids = sorted(
            {str(i.get("report_id")) for i in (res.get("unexpected_index_list") or []) if isinstance(i, dict)}
        )
        outcomes.append(
            ExpectationOutcome(
                expectation_type=cfg.type,
                column=cfg.kwargs.get("column"),
                description=(cfg.meta or {}).get("description"),
                success=bool(r.success),
                element_count=int(res.get("element_count") or 0),
                unexpected_count=int(res.get("unexpected_count") or 0),
                failing_report_ids=ids[:MAX_LISTED],
            )
        )
    return SuiteOutcome(name, spec["meta"]["table"], bool(result.success), outcomes)
