"""The Great Expectations suite that states the identities S1–S4 over the cells themselves.

dbt computes the identities in SQL (int_identity_operands → int_identity_checks → fct_identity_checks).
This suite is the second, independent implementation: it reads only the reported numbers of the cell
marts, laid out wide, and says with ``ExpectMulticolumnSumToEqual`` which cells add up to which. A bug
in either implementation shows as a disagreement (tests/integration/test_identities.py).

The frame has one row per canonical report × identity line, the grain of fct_identity_checks:

- ``line = 'applicant_column'`` (S1, S2): a table 三 applicant column, one column per table 三 row;
- ``line = 'outcome_row'`` (S3): a table 三 row, one column per applicant type;
- ``line = 'proceeding'`` (S4): a table 四 proceeding, one column per result.

An identity is written as a sum equal to 0, the right side negated (``minus_*`` columns). A line with a
NULL operand is skipped (``ignore_row_if: any_value_is_missing``): a blank is not assessable, never 0.
The row lists come from the template (template.json), so the suite is generated:
``python -m dagster_project.quality.identity_suite`` rewrites ``expectations/fct_identity_checks.json``
and a test keeps the file and the template in step.
"""

from __future__ import annotations

import json
from pathlib import Path

from dagster_project.govreport import template

SUITE = "fct_identity_checks"
PATH = Path(__file__).resolve().parents[2] / "expectations" / f"{SUITE}.json"
LAYOUTS = (template.FORMAT_2021, template.FORMAT_2019)
FLOW_LEFT = ("new_received", "carried_over")  # S1: these two ...
FLOW_RIGHT = ("total_processed", "carried_forward")  # ... equal these two
NOT_RESULTS = ("received", "total", "carried_forward")  # table 三 groups that are not S2 result rows
T4_RESULTS = ("upheld", "corrected", "other", "pending")  # S4: these four equal the total


def result_rows(layout: str) -> list[str]:
    """The S2 result rows of a table 三 layout, in template order."""
    return [k for k in template.table3_rows(layout) if template.row_group(k) not in NOT_RESULTS]


def applicants() -> list[str]:
    return [c for c in template.table3_columns() if c != "total"]


def _all_rows() -> list[str]:
    seen: list[str] = []
    for layout in LAYOUTS:
        seen += [k for k in template.table3_rows(layout) if k not in seen]
    return seen


def _pivot(key_column: str, keys: list[str], value: str = "reported_count") -> str:
    return ",\n".join(f"        max({value}) filter (where {key_column} = '{k}') as {k}" for k in keys)


def frame_query() -> str:
    rows, people = _all_rows(), applicants()
    frame_columns = {"report_id", "table3_layout", "line", "line_key", "file_name", "total", "minus_total"}
    clash = set(rows) & ({*people, *T4_RESULTS} | frame_columns)
    assert not clash, f"template keys collide with frame columns: {clash}"
    # applications is read twice: not materialized, so DuckDB does not hold every cell of the mart in
    # memory at once (at 100,000 reports that ran out of the GX step's memory limit).
    return f"""with

applications as not materialized (
    select report_id, table3_layout, outcome_key, applicant_type, reported_count
    from main_marts.fct_applications_by_outcome
),

reviews as (
    select report_id, proceeding, result, reported_count
    from main_marts.fct_reviews_litigation
),

by_applicant_column as (
    select
        report_id,
        any_value(table3_layout) as table3_layout,
        'applicant_column' as line,
        applicant_type as line_key,
{_pivot("outcome_key", rows)}
    from applications
    group by report_id, applicant_type
),

by_outcome_row as (
    select
        report_id,
        any_value(table3_layout) as table3_layout,
        'outcome_row' as line,
        outcome_key as line_key,
{_pivot("applicant_type", [*people, "total"])}
    from applications
    group by report_id, outcome_key
),

by_proceeding as (
    select
        report_id,
        'proceeding' as line,
        proceeding as line_key,
{_pivot("result", [*T4_RESULTS, "total"])}
    from reviews
    group by report_id, proceeding
),

lines as (
    select * from by_applicant_column
    union all by name
    select * from by_outcome_row
    union all by name
    select * from by_proceeding
)

select
    lines.*,
    reports.file_name,
    -lines.total_processed as minus_total_processed,
    -lines.carried_forward as minus_carried_forward,
    -lines.total as minus_total
from lines
inner join main_marts.dim_report as reports on lines.report_id = reports.report_id
"""


def _is(column: str, value: str) -> dict:
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


def _all(*conditions: dict) -> dict:
    return conditions[0] if len(conditions) == 1 else {"type": "and", "conditions": list(conditions)}


def _sum_to_zero(columns: list[str], condition: dict, rule: str, description: str) -> dict:
    return {
        "type": "expect_multicolumn_sum_to_equal",
        "kwargs": {
            "column_list": columns,
            "sum_total": 0,
            "ignore_row_if": "any_value_is_missing",
            "row_condition": condition,
        },
        "meta": {"rule": rule, "description": description},
    }


def build_suite() -> dict:
    applicant_line = _is("line", "applicant_column")
    expectations = [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {
                "column": "table3_layout",
                "value_set": list(LAYOUTS),
                "row_condition": applicant_line,
            },
            "meta": {
                "rule": "layout",
                "description": "Every report has a table 三 layout S2 knows (else S2 would go unchecked)",
            },
        },
        _sum_to_zero(
            [*FLOW_LEFT, *(f"minus_{k}" for k in FLOW_RIGHT)],
            applicant_line,
            "S1",
            "S1 balance: new_received + carried_over = total_processed + carried_forward, "
            "per applicant column",
        ),
    ]
    for layout in LAYOUTS:
        results = result_rows(layout)
        in_layout = _all(applicant_line, _is("table3_layout", layout))
        expectations.append(
            _sum_to_zero(
                [*results, "minus_total_processed"],
                in_layout,
                "S2",
                f"S2 results: total_processed = the {len(results)} result rows, per applicant column "
                f"({layout} layout)",
            )
        )
        blank_results = [{"type": "nullity", "column": {"name": k}, "is_null": True} for k in results]
        expectations.append(
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {
                    "column": "total_processed",
                    "max_value": 0,
                    "row_condition": _all(applicant_line, _is("table3_layout", layout), *blank_results),
                },
                "meta": {
                    "rule": "S2",
                    "description": f"S2 results: a total_processed > 0 needs result rows; every one blank "
                    f"contradicts it ({layout} layout)",
                },
            }
        )
    expectations.append(
        _sum_to_zero(
            [*applicants(), "minus_total"],
            _is("line", "outcome_row"),
            "S3",
            "S3 applicants: the six applicant columns add up to 总计, per table 三 row",
        )
    )
    expectations.append(
        _sum_to_zero(
            [*T4_RESULTS, "minus_total"],
            _is("line", "proceeding"),
            "S4",
            "S4 table 四: upheld + corrected + other + pending = total, per proceeding",
        )
    )
    return {
        "name": SUITE,
        "meta": {
            "table": f"main_marts.{SUITE}",
            "query": frame_query(),
            "index_columns": ["report_id", "file_name", "line_key"],
            "grain": "one row per canonical report x identity line: a table 三 applicant column (S1, S2), "
            "a table 三 row (S3) or a table 四 proceeding (S4); read from the cell marts, not from "
            "fct_identity_checks",
            "generated_by": "python -m dagster_project.quality.identity_suite",
        },
        "expectations": expectations,
    }


def render() -> str:
    return json.dumps(build_suite(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {PATH}")
