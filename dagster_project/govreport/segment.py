"""Split fused digit runs ("801000081" = 80,1,0,0,0,0,81) into cells, constrained by the identities.

A run is split into parts that look like numbers as reports write them: no leading zeros except
"0" itself, a minus sign only where the cell may be negative (2019 ``*_items_change``). When more
than one split satisfies every identity the caller leaves the cells null and flags the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

_PART = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
MAX_CANDIDATES = 5000

Split = tuple[int | float, ...]


def splits(run: str, n: int, signed: Sequence[bool] | None = None, decimals: bool = False) -> Iterator[Split]:
    """Every way to read ``run`` as ``n`` numbers (bounded by MAX_CANDIDATES)."""
    flags = tuple(signed) if signed is not None else (False,) * n
    yield from _splits_cached(run, n, flags, decimals)


@lru_cache(maxsize=4096)
def _splits_cached(run: str, n: int, signed: tuple[bool, ...], decimals: bool) -> tuple[Split, ...]:
    out: list[Split] = []

    def rec(pos: int, idx: int, acc: list[int | float]) -> None:
        if len(out) >= MAX_CANDIDATES:
            return
        if idx == n:
            if pos == len(run):
                out.append(tuple(acc))
            return
        remaining_cells = n - idx - 1
        # Each remaining cell needs at least one character.
        for end in range(pos + 1, len(run) - remaining_cells + 1):
            piece = run[pos:end]
            digits = piece.lstrip("-")
            if piece.startswith("-") and not signed[idx]:
                break
            if digits.startswith("0") and len(digits) > 1 and not digits.startswith("0."):
                break  # "01" and longer never become valid
            if not _PART.fullmatch(piece) or piece == "-0" or ("." in piece and not decimals):
                continue
            number: int | float = float(piece) if "." in piece else int(piece)
            acc.append(number)
            rec(end, idx + 1, acc)
            acc.pop()

    rec(0, 0, [])
    return tuple(out)


def row_sum_ok(values: Split) -> bool:
    """Table 三 row identity S3: the six applicant columns add up to the total."""
    return sum(values[:6]) == values[6]


def table4_ok(values: Split) -> bool:
    """Table 四 identity S4 for each block of five."""
    return all(sum(values[b : b + 4]) == values[b + 4] for b in (0, 5, 10))


def candidates(
    run: str,
    n: int,
    check: Callable[[Split], bool] | None = None,
    signed: Sequence[bool] | None = None,
    decimals: bool = False,
) -> list[Split]:
    """Splits of ``run`` into ``n`` cells. A run of exactly ``n`` characters has one reading
    whatever the identities say; longer runs keep only the splits that satisfy ``check``."""
    every = list(splits(run, n, signed, decimals))
    if len(run.replace("-", "")) == n or check is None:
        return every
    return [s for s in every if check(s)]
