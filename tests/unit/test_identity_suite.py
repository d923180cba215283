"""The identity suite is generated from the template: the checked-in JSON is what the template says."""

from __future__ import annotations

from dagster_project.govreport import template
from dagster_project.quality import identity_suite


def test_the_checked_in_suite_is_generated_from_the_template():
    assert identity_suite.PATH.read_text(encoding="utf-8") == identity_suite.render(), (
        "run: python -m dagster_project.quality.identity_suite"
    )


def test_s2_sums_every_result_row_of_each_layout():
    suite = identity_suite.build_suite()
    s2 = [e for e in suite["expectations"] if e["meta"]["rule"] == "S2" and "column_list" in e["kwargs"]]
    assert len(s2) == 2
    for layout, expectation in zip(identity_suite.LAYOUTS, s2, strict=True):
        rows = template.table3_rows(layout)
        results = rows[rows.index("partially_granted") - 1 : rows.index("total_processed")]
        assert expectation["kwargs"]["column_list"] == [*results, "minus_total_processed"]
        assert expectation["kwargs"]["ignore_row_if"] == "any_value_is_missing"  # a blank is never 0
