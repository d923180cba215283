"""Cell values: numbers, blanks, placeholders and numbers with text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from .template import PLACEHOLDERS

_NUMBER: Final = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(.*)$", re.S)
_THOUSANDS: Final = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
MAX_DIGITS: Final = 18  # with decimals; also keeps int() away from huge digit strings
_UNIT_ONLY: Final = re.compile(r"^(?:件|个|项|条|次|宗|人次|家|元|万元)$")


@dataclass(frozen=True)
class CellValue:
    value: int | float | None
    raw: str | None
    problem: str | None = None  # issue code when the cell needs a human look
    note: str | None = None


@lru_cache(maxsize=16384)
def parse_value(raw: str | None, *, signed: bool = False, amount: bool = False) -> CellValue:
    """Parse one cell. Blank and placeholders are None (never 0)."""
    if raw is None:
        return CellValue(None, None)
    text = raw.strip().replace(" ", "")
    if not text:
        return CellValue(None, raw)
    if text in PLACEHOLDERS:
        return CellValue(None, raw)
    text = _THOUSANDS.sub("", text)
    m = _NUMBER.match(text)
    if not m:
        return CellValue(None, raw, "unparsable_cell", f"cell text {raw!r} is not a number")
    sign, digits, rest = m.groups()
    if len(digits) > MAX_DIGITS:
        return CellValue(
            None, raw, "unparsable_cell", f"a {len(digits)}-digit number is not a plausible cell"
        )
    value: int | float = float(digits) if ("." in digits) else int(digits)
    if sign == "-":
        value = -value
    problem = note = None
    if rest:
        if _UNIT_ONLY.match(rest):
            if rest in ("元", "万元") and not amount:
                problem, note = "unit_in_cell", f"unit {rest!r} written in a count cell"
            elif amount and rest in ("元", "万元"):
                problem, note = "unit_in_cell", f"amount written with unit {rest!r}"
        else:
            problem, note = "text_in_number_cell", f"took the leading number of {raw!r}"
    if sign == "-" and not signed and value != 0:
        problem, note = "negative_count", f"negative value {raw!r} in a count cell"
    if isinstance(value, float) and not amount:
        problem, note = "non_integer_count", f"decimal value {raw!r} in a count cell"
    return CellValue(value, raw, problem, note)
