"""The strict reporting identities S1–S4 (FORMAT_SPEC §8) as parse warnings.

The marts recompute them (fct_identity_checks); here they only make a parse's issues complete.
A rule with any null operand is not assessable and says nothing. Values are never changed.
"""

from __future__ import annotations

from typing import Final

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
    for c, col in enumerate(columns):
        ops = [row[c] for row in flow]
        if None not in ops and ops[0] + ops[1] != ops[2] + ops[3]:  # type: ignore[operator]
            issues.append(
                Issue(
                    "identity_s1_fail",
                    WARNING,
                    f"S1 {col}: {ops[0]}+{ops[1]} != {ops[2]}+{ops[3]}",
                    None,
                    f"t3.*[{c}]",
                )
            )
        parts = [row[c] for row in results]
        total = ops[2]
        if total is not None and None not in parts and sum(parts) != total:
            issues.append(
                Issue(
                    "identity_s2_fail",
                    WARNING,
                    f"S2 {col}: results sum {sum(parts)} != total {total}",
                    None,
                    f"t3.total_processed[{c}]",
                )
            )
        elif total and parts and all(p is None for p in parts):
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
        if None not in row and sum(row[:6]) != row[6]:
            issues.append(
                Issue(
                    "identity_s3_fail",
                    WARNING,
                    f"S3 {key}: applicant columns sum {sum(row[:6])} != total {row[6]}",
                    None,
                    f"t3.{key}[6]",
                )
            )
    t4 = record.get("table4") or {}
    for block, part_keys, total_key in _S4_KEYS:
        parts = [t4.get(k) for k in part_keys]
        total = t4.get(total_key)
        if total is not None and None not in parts and sum(parts) != total:
            issues.append(
                Issue(
                    "identity_s4_fail",
                    WARNING,
                    f"S4 {block}: {sum(parts)} != total {total}",
                    None,
                    f"t4.{block}_total",
                )
            )
    return issues
