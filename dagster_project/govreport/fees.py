"""The information-processing fee (信息处理费) as section 六 reports it, in 元."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from . import template

_BREAKS: Final = ("。", ";", "\n")  # what ends a sentence
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
    # Section 六 comes last: the sentence of the last marker is the authoritative one. (Markers hold
    # no sentence break, so the last occurrence lies in the last sentence that mentions the fee.)
    at = max(text.rfind(m) for m in markers)
    if at < 0:
        return FeeInfo(False, None, None, None)
    start = max(text.rfind(c, 0, at) for c in _BREAKS) + 1
    ends = [e for e in (text.find(c, at) for c in _BREAKS) if e >= 0]
    sentence = text[start : min(ends, default=len(text))].strip()
    if any(n in sentence for n in negatives):
        return FeeInfo(True, False, None, sentence)
    m = _AMOUNT.search(sentence)
    if m:
        amount = float(m.group(1)) * (10000 if m.group(2) == "万元" else 1)
        return FeeInfo(True, amount > 0, amount, sentence)
    if "收取" in sentence:
        return FeeInfo(True, True, None, sentence)
    return FeeInfo(True, None, None, sentence)
