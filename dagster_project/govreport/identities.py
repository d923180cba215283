"""The strict reporting identities S1–S4 (FORMAT_SPEC §8) as parse warnings.

The marts recompute them (fct_identity_checks); here they only make a parse's issues complete.
A rule with any null operand is not assessable and says nothing. Values are never changed.
"""

from __future__ import annotations

from typing import Any, Final

from . import template
from .record import WARNING, Issue

_FLOW: Final = ("new_received", "carried_over", "total_processed", "carried_forward")
# Table 四's blocks: (block, the keys of its four results, the key of its total).
_S4_KEYS: Final = tuple(
    (block, tuple(f"{block}_{r}" for r in ("upheld", "corrected", "other", "pending")), f"{block}_total")
    for block in ("review", "litigation_direct", "litigation_after_review")
)


def check(record: dict) -> list[Issue]:
    issues: list[Issue] = []
    t3 = record.get("table3") or {}
    columns = template.table3_columns()
    results = [t3[k] for k in t3 if k not in _FLOW]
    absent = (None,) * len(columns)
    flow = [t3.get(k) or absent for k in _FLOW]
    new, carried, total_row, forward = flow
    for c, col in enumerate(columns):
        a, b, total, f = new[c], carried[c], total_row[c], forward[c]
        if a is not None and b is not None and total is not None and f is not None and a + b != total + f:
            issues.append(
                Issue("identity_s1_fail", WARNING, f"S1 {col}: {a}+{b} != {total}+{f}", None, f"t3.*[{c}]")
            )
        if total is None:
            continue
        # The result rows' sum, and whether each of them has this cell (``None not in parts``) or
        # none has (every result row blank), in one pass.
        parts_sum: Any = 0  # a cell's value: an int, never anything else, but not checked for it
        complete, blank = True, True
        for row in results:
            v = row[c]
            if v is None:
                complete = False
            else:
                parts_sum += v
                blank = False
        if complete and parts_sum != total:
            issues.append(
                Issue(
                    "identity_s2_fail",
                    WARNING,
                    f"S2 {col}: results sum {parts_sum} != total {total}",
                    None,
                    f"t3.total_processed[{c}]",
                )
            )
        elif total and results and blank:
            # A reported total with every result row blank: the breakdown contradicts the total.
            issues.append(
                Issue(
                    "identity_s2_fail",
                    WARNING,
                    f"S2 {col}: total {total} but every result row is blank",
                    None,
                    f"t3.total_processed[{c}]",
                )
            )
    for key, row in t3.items():
        if None not in row:
            applicants = row[0] + row[1] + row[2] + row[3] + row[4] + row[5]
            if applicants != row[6]:
                issues.append(
                    Issue(
                        "identity_s3_fail",
                        WARNING,
                        f"S3 {key}: applicant columns sum {applicants} != total {row[6]}",
                        None,
                        f"t3.{key}[6]",
                    )
                )
    t4 = record.get("table4") or {}
    for block, part_keys, total_key in _S4_KEYS:
        block_parts: list[Any] = [t4.get(k) for k in part_keys]
        block_total = t4.get(total_key)
        if block_total is not None and None not in block_parts and sum(block_parts) != block_total:
            issues.append(
                Issue(
                    "identity_s4_fail",
                    WARNING,
                    f"S4 {block}: {sum(block_parts)} != total {block_total}",
                    None,
                    f"t4.{block}_total",
                )
            )
    return issues
