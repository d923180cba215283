"""The information-processing fee (信息处理费) as section 六 reports it, in 元."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from . import template

_SENTENCE: Final = re.compile(r"[^。;\n]*")
_AMOUNT: Final = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|元)")


@dataclass(frozen=True)
class FeeInfo:
    fee_reported: bool
    fee_charged: bool | None
    fee_amount_yuan: float | None
    fee_text_raw: str | None

    def to_json(self) -> dict:
        return {
            "fee_reported": self.fee_reported,
            "fee_charged": self.fee_charged,
            "fee_amount_yuan": self.fee_amount_yuan,
            "fee_text_raw": self.fee_text_raw,
        }


def extract(text: str) -> FeeInfo:
    """Read the fee from ``text`` (section 六 when present, else the whole report)."""
    data = template.raw()
    markers = data["fee_markers"]
    negatives = data["fee_negative_markers"]
    if not any(m in text for m in markers):  # no sentence can hold one
        return FeeInfo(False, None, None, None)
    sentences = [s.strip() for s in _SENTENCE.findall(text) if any(m in s for m in markers)]
    if not sentences:
        return FeeInfo(False, None, None, None)
    sentence = sentences[-1]  # section 六 comes last; its sentence is the authoritative one
    if any(n in sentence for n in negatives):
        return FeeInfo(True, False, None, sentence)
    m = _AMOUNT.search(sentence)
    if m:
        amount = float(m.group(1)) * (10000 if m.group(2) == "万元" else 1)
        return FeeInfo(True, amount > 0, amount, sentence)
    if "收取" in sentence:
        return FeeInfo(True, True, None, sentence)
    return FeeInfo(True, None, None, sentence)
