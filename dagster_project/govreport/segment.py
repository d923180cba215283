"""Split fused digit runs ("801000081" = 80,1,0,0,0,0,81) into cells, constrained by the identities.

A run is split into parts that look like numbers as reports write them: no leading zeros except
"0" itself, at most ``MAX_DIGITS`` digits, a sign (``-`` or ``+``) only where the cell may be negative
(2019 ``*_items_change``), a decimal point only in amount cells. The search is bounded; when it
cannot finish, or more than one split satisfies every identity, the caller leaves the cells null
and flags the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

_PART: Final = re.compile(r"[-+]?(?:0|[1-9]\d*)(?:\.\d+)?")
MAX_DIGITS: Final = 9  # no count in a report reaches a billion
MAX_READINGS: Final = 64  # more valid readings than this is "ambiguous" whatever they are
MAX_STEPS: Final = 50_000  # search budget per run

Split = tuple[int | float, ...]
Check = Callable[[Split], bool]


class Readings:
    """The splits of a run.

    A plain class, not a frozen dataclass: compiled (native.py), its constructor is native code (a
    frozen dataclass sets each field through ``object.__setattr__``). It compares, hashes and prints
    by its fields as the dataclass did; not changed once made."""

    __slots__ = ("complete", "splits")

    def __init__(self, splits: tuple[Split, ...], complete: bool) -> None:
        self.splits = splits
        self.complete = complete  # False when the search budget ran out (the splits are then a sample)

    def _fields(self) -> tuple[tuple[Split, ...], bool]:
        return (self.splits, self.complete)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Readings) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Readings(splits={!r}, complete={!r})".format(*self._fields())

    @property
    def unique(self) -> Split | None:
        return self.splits[0] if self.complete and len(self.splits) == 1 else None


def row_sum_ok(values: Split) -> bool:
    """Table 三 row identity S3: the six applicant columns add up to the total."""
    return sum(values[:6]) == values[6]


def table4_ok(values: Split) -> bool:
    """Table 四 identity S4 for each block of five."""
    return all(sum(values[b : b + 4]) == values[b + 4] for b in (0, 5, 10))


# Cells whose value the identity fixes once the cells before them are read: the search writes the
# expected number and checks that the run continues with exactly those digits (a strong pruning).
_DERIVED: dict[Check, dict[int, Callable[[list], int | float]]] = {
    row_sum_ok: {6: lambda acc: sum(acc[0:6])},
    table4_ok: {4: lambda acc: sum(acc[0:4]), 9: lambda acc: sum(acc[5:9]), 14: lambda acc: sum(acc[10:14])},
}


def candidates(
    run: str,
    n: int,
    check: Check | None = None,
    signed: Sequence[bool] | None = None,
    decimals: Sequence[bool] | None = None,
) -> Readings:
    """Readings of ``run`` as ``n`` cells. A run of exactly ``n`` characters has one reading whatever
    the identities say (a report that breaks them keeps its numbers); longer runs keep only the
    readings that satisfy ``check``."""
    flags = tuple(signed) if signed is not None else (False,) * n
    points = tuple(decimals) if decimals is not None else (False,) * n
    one_char_each = len(run.replace("-", "").replace("+", "")) == n
    return _search(run, n, None if one_char_each else check, flags, points)


def _fmt(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


@lru_cache(maxsize=4096)
def _search(
    run: str, n: int, check: Check | None, signed: tuple[bool, ...], decimals: tuple[bool, ...]
) -> Readings:
    if (
        check is row_sum_ok
        and n == 7
        and run.isdigit()
        and run.isascii()
        and not any(signed)
        and not any(decimals)
    ):
        return _search_row_sum(run)
    return _search_any(run, n, check, signed, decimals)


def _search_any(
    run: str, n: int, check: Check | None, signed: tuple[bool, ...], decimals: tuple[bool, ...]
) -> Readings:
    """Depth-first over the cut positions; cells the identity derives are written, not guessed."""
    search = _AnySearch(run, n, check, signed, decimals)
    search.rec(0, 0, [])
    return Readings(tuple(search.out), search.complete)


class _AnySearch:
    """The state of one ``_search_any`` (an object, not a closure: a recursive closure and its
    environment refer to each other, a cycle left for the garbage collector on every search)."""

    __slots__ = ("check", "complete", "decimals", "derived", "digits", "n", "out", "run", "signed", "steps")

    def __init__(
        self, run: str, n: int, check: Check | None, signed: tuple[bool, ...], decimals: tuple[bool, ...]
    ) -> None:
        self.run = run
        self.n = n
        self.check = check
        self.signed = signed
        self.decimals = decimals
        self.out: list[Split] = []
        self.derived = _DERIVED.get(check, {}) if check is not None else {}
        self.steps = 0
        self.complete = True
        # ASCII digits only (no sign, no point): every piece is a whole number, read digit by digit.
        self.digits = run.isascii() and run.isdigit()

    def rec(self, pos: int, idx: int, acc: list[int | float]) -> None:
        if not self.complete:
            return
        self.steps += 1
        if self.steps > MAX_STEPS or len(self.out) > MAX_READINGS:
            self.complete = False
            return
        run, n, check = self.run, self.n, self.check
        if idx == n:
            if pos == len(run) and (check is None or check(tuple(acc))):
                self.out.append(tuple(acc))
            return
        remaining = n - idx - 1
        if len(run) - pos < remaining + 1 or len(run) - pos > (remaining + 1) * (MAX_DIGITS + 2):
            return
        if idx in self.derived:
            value = self.derived[idx](acc)
            piece = _fmt(value)
            if run.startswith(piece, pos):
                acc.append(value)
                self.rec(pos + len(piece), idx + 1, acc)
                acc.pop()
            return
        last = min(len(run) - remaining, pos + MAX_DIGITS + 2)
        if self.digits:
            # What the loop below does for a piece of digits: "0" is a cell, "01" and longer end it,
            # any other piece is its int (``_PART`` matches it; no sign or point to refuse).
            value = 0
            for end in range(pos + 1, last + 1):
                if end > pos + 1 and run[pos] == "0":
                    break
                value = value * 10 + (ord(run[end - 1]) - 48)
                acc.append(value)
                self.rec(end, idx + 1, acc)
                acc.pop()
            return
        for end in range(pos + 1, last + 1):
            piece = run[pos:end]
            digits = piece.lstrip("-+")
            if piece[0] in "-+" and not self.signed[idx]:
                break
            if digits.startswith("0") and len(digits) > 1 and not digits.startswith("0."):
                break  # "01" and longer never become valid
            if (
                not _PART.fullmatch(piece)
                or piece in ("-0", "+0")
                or ("." in piece and not self.decimals[idx])
            ):
                continue
            acc.append(float(piece) if "." in piece else int(piece))
            self.rec(end, idx + 1, acc)
            acc.pop()


def _search_row_sum(run: str) -> Readings:
    """``_search`` for a table 三 row of unsigned whole numbers under S3 (six cells, then their sum).

    The same readings in the same order (by cut positions), found by choosing the total first: it is
    a suffix of the run, and the six cells before it must add up to it, so a partial sum past the
    total ends the branch (cells are non-negative and a longer piece is a larger number)."""
    size = len(run)
    search = _RowSumSearch(run)
    for start in range(6, size):
        if run[start] == "0" and start < size - 1:
            continue  # the total would have a leading zero
        total = int(run[start:])
        search.cuts.clear()
        search.rec(0, 0, 0, start, total)
        if not search.complete:
            break
    found = search.found
    found.sort(key=_cut_positions)
    if len(found) > MAX_READINGS:
        return Readings(tuple(split for _, split in found[: MAX_READINGS + 1]), False)
    return Readings(tuple(split for _, split in found), search.complete)


def _cut_positions(found: tuple[tuple[int, ...], Split]) -> tuple[int, ...]:
    return found[0]


class _RowSumSearch:
    """The state of one ``_search_row_sum`` (an object, not a recursive closure: see ``_AnySearch``)."""

    __slots__ = ("acc", "complete", "cuts", "found", "run", "steps")

    def __init__(self, run: str) -> None:
        self.run = run
        self.found: list[tuple[tuple[int, ...], Split]] = []
        self.cuts: list[int] = []
        self.acc: list[int] = []
        self.steps = 0
        self.complete = True

    def rec(self, pos: int, idx: int, partial: int, stop: int, total: int) -> None:
        """Place cell ``idx`` from ``pos``. Every call counts one step of the budget; the calls for
        the last cell (``idx`` 5) are made inline, counted the same way."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.complete = False
            return
        cuts, acc, run = self.cuts, self.acc, self.run
        if idx == 6:
            if pos == stop and partial == total:
                self.found.append(((*cuts,), (*acc, total)))
            return
        left = 5 - idx  # cells still to place after this one, before the total
        if stop - pos - left > left * (MAX_DIGITS + 1) + MAX_DIGITS + 1:
            return  # too many digits left for the cells left
        zero = run[pos] == "0"
        value = 0
        for end in range(pos + 1, min(stop - left, pos + MAX_DIGITS + 1) + 1):
            value = value * 10 + (ord(run[end - 1]) - 48)  # int(run[pos:end]): the run is ASCII digits
            if partial + value > total:
                break
            # Each cell still to place is at most what is left of the total: digits to spare end it.
            if stop - end > left * _digits(total - partial - value):
                if zero:
                    break
                continue
            if left == 0:
                # ``self.rec(end, 6, ...)`` inline: end is ``stop`` here (digits to spare end it).
                self.steps += 1
                if self.steps > MAX_STEPS:
                    self.complete = False
                    return
                if partial + value == total:
                    self.found.append(((*cuts, end), (*acc, value, total)))
                if zero:
                    break
                continue
            cuts.append(end)
            acc.append(value)
            self.rec(end, idx + 1, partial + value, stop, total)
            acc.pop()
            cuts.pop()
            if zero:
                break  # "0" is a cell; "01" and longer never are
            if not self.complete:
                return


def _digits(value: int) -> int:
    """``len(str(value))`` of a non-negative int, without the string."""
    n = 1
    while value >= 10:
        value //= 10
        n += 1
    return n
