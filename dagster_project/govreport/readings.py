"""Every way the text of one row can be read as its ``n`` cells.

A row's evidence is the list of value pieces between its label and the next one. How far the
piece boundaries can be trusted depends on the layout class, decided once per document:

- *delimited* cells (pipes, tabs) are cells; a row with fewer than ``n`` of them may still hold a
  fused run, so it gets both readings and the identities choose;
- *spaced* pieces are cells when the document's spacing is reliable (every spaced row splits into
  exactly ``n`` well-formed numbers); otherwise spaces are noise and the digits are read as one run;
- *fused* runs ("230000023") are split into cells under the row identity (``segment``);
- *collapsed* pieces (a crawler that dropped consecutive identical lines, so ``8⏎0⏎8`` stands for
  8,0,0,0,0,0,8) may each stand for several equal cells.

The result is a set of candidate readings. A single reading that needs no identity is *forced*
(the layout decides it); otherwise the table's identities choose among the candidates later.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import segment
from .tokens import BLANK, VALUE, Token
from .values import parse_value

Reading = tuple  # n values, int | float | None (None: a blank or placeholder cell)

MAX_EXPANSIONS = 5000
_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Layout:
    """Document-level facts about how rows are written."""

    spaces_reliable: bool = True  # space/line-separated pieces are cell boundaries
    collapsed: bool = False  # consecutive identical lines were dropped by the crawler


DEFAULT_LAYOUT = Layout()


@dataclass(frozen=True)
class RowReadings:
    candidates: tuple[Reading, ...]  # empty: the text does not decide the row
    forced: bool  # one reading, decided by the layout alone (no identity used)
    kind: str  # delimited | spaced | fused | collapsed | mixed
    complete: bool = True  # False when an enumeration hit its budget
    note: str | None = None  # why the row is undetermined, or how it was read


def _is_run(text: str, signed: bool, decimal: bool) -> bool:
    """Digits that may hold several cells: minus signs only in rows with signed cells (2019
    ``*_items_change``), decimal points only in rows with amounts."""
    allowed = "0123456789" + ("-" if signed else "") + ("." if decimal else "")
    return (
        any(c.isdigit() for c in text)
        and (text[0].isdigit() or text[0] == "-" and signed)
        and all(c in allowed for c in text)
    )


def _well_formed(text: str) -> bool:
    """A piece that is one number as reports write one: no leading zeros."""
    digits = text.lstrip("-")
    return bool(_DIGITS.fullmatch(text)) and not (
        len(digits) > 1 and digits.startswith("0") and not digits.startswith("0.")
    )


def _value(text: str, signed: bool, amount: bool):
    return parse_value(text, signed=signed, amount=amount).value


def read_row(
    tokens: Sequence[Token],
    n: int,
    check=None,
    *,
    signed: Sequence[bool] | None = None,
    decimals: Sequence[bool] | None = None,
    layout: Layout | None = None,
) -> RowReadings:
    """Candidate readings of a row (tokens already stripped of trailing padding)."""
    layout = layout or DEFAULT_LAYOUT
    signed = tuple(signed) if signed is not None else (False,) * n
    decimals = tuple(decimals) if decimals is not None else (False,) * n
    pieces = [t for t in tokens if t.kind in (VALUE, BLANK)]
    explicit = all(t.explicit for t in pieces)
    k = len(pieces)

    def one(i: int, tok: Token):
        return None if tok.kind == BLANK else _value(tok.text, signed[i], decimals[i])

    if k == 0:
        return RowReadings(((None,) * n,), True, "delimited")
    runs = [t.kind == VALUE and _is_run(t.text, any(signed), any(decimals)) for t in pieces]
    digits = sum(len(re.sub(r"\D", "", t.text)) for t, r in zip(pieces, runs, strict=True) if r)

    if explicit:
        direct = tuple(one(i, t) if i < k else None for i, t in enumerate(pieces[:n])) + (None,) * max(
            0, n - k
        )
        if k >= n or digits < n or check is None:
            return RowReadings((direct,), True, "delimited")
        # Fewer delimited cells than the row has, holding enough digits for all of them: a fused
        # run inside one cell is as likely as a short row. Both readings go to the identities.
        fused = _split_pieces(pieces, runs, n, check, signed, decimals)
        cands = tuple(dict.fromkeys([*fused.candidates, direct]))
        return RowReadings(cands, len(cands) == 1, "delimited", fused.complete)

    spaced = None
    if k == n and all(not r or _well_formed(t.text) for t, r in zip(pieces, runs, strict=True)):
        spaced = tuple(one(i, t) for i, t in enumerate(pieces))
    if spaced is not None and layout.spaces_reliable:
        return RowReadings((spaced,), True, "spaced")
    if layout.collapsed and k < n:
        return _expand_collapsed(pieces, n, check, signed, decimals)
    if k > n and layout.spaces_reliable and not any(runs[n:]):
        trimmed = tuple(one(i, t) for i, t in enumerate(pieces[:n]))
        return RowReadings((trimmed,), True, "spaced", note="extra pieces ignored")
    result = _split_pieces(pieces, runs, n, check, signed, decimals)
    if not result.candidates and spaced is not None:
        # No reading satisfies the identity: the spacing is all that is left, and it is not
        # trusted in this document. The row is undetermined.
        return RowReadings((), False, "spaced", note="no reading satisfies the row identity")
    return result


def _split_pieces(pieces, runs, n, check, signed, decimals) -> RowReadings:
    """Readings when spaces carry no information: adjacent digit pieces join into one run; every
    other piece (a number with text, a placeholder) is one cell."""
    segments: list[tuple[str, str]] = []  # ("run", digits) | ("atom", text)
    for tok, is_run in zip(pieces, runs, strict=True):
        if is_run and segments and segments[-1][0] == "run":
            segments[-1] = ("run", segments[-1][1] + tok.text)
        elif is_run:
            segments.append(("run", tok.text))
        else:
            segments.append(("atom", "" if tok.kind == BLANK else tok.text))
    if len(segments) == 1 and segments[0][0] == "run":
        run = segments[0][1]
        unchecked = segment.candidates(run, n, None, signed=signed, decimals=decimals)
        if len(run.replace("-", "")) == n:
            # One character per cell: the layout alone decides (a broken identity is the report's).
            return RowReadings(unchecked.splits, True, "fused")
        if check is None:
            return RowReadings(unchecked.splits, False, "fused", unchecked.complete)
        checked = segment.candidates(run, n, check, signed=signed, decimals=decimals)
        note = None if checked.splits else "no split of the run satisfies the row identity"
        return RowReadings(checked.splits, False, "fused", checked.complete, note)
    return _split_segments(segments, n, check, signed, decimals)


def _split_segments(segments, n, check, signed, decimals) -> RowReadings:
    out: list[Reading] = []
    complete = True

    def rec(si: int, idx: int, acc: list) -> None:
        nonlocal complete
        if len(out) > MAX_EXPANSIONS:
            complete = False
            return
        if si == len(segments):
            if idx == n:
                out.append(tuple(acc))
            return
        kind, text = segments[si]
        left = len(segments) - si - 1
        if kind == "atom":
            if idx < n:
                rec(si + 1, idx + 1, [*acc, _value(text, signed[idx], decimals[idx]) if text else None])
            return
        for m in range(1, n - idx - left + 1):
            sub = segment.candidates(
                text, m, None, signed=signed[idx : idx + m], decimals=decimals[idx : idx + m]
            )
            complete = complete and sub.complete
            for split in sub.splits:
                rec(si + 1, idx + m, [*acc, *split])

    rec(0, 0, [])
    if len(out) == 1 and complete:
        return RowReadings(tuple(out), True, "mixed")
    kept = [r for r in out if check is None or _check(check, r)]
    note = None if kept else "no reading of the row satisfies its identity"
    return RowReadings(tuple(kept), False, "mixed", complete, note)


def _check(check, reading: Reading) -> bool:
    """Identities skip readings with blank cells (not assessable, never read as 0)."""
    return any(v is None for v in reading) or check(reading)


def _expand_collapsed(pieces, n, check, signed, decimals) -> RowReadings:
    """Each piece stands for one or more equal consecutive cells."""
    values = [None if t.kind == BLANK else _value(t.text, False, any(decimals)) for t in pieces]
    k = len(values)
    out: list[Reading] = []
    for cuts in itertools.combinations(range(1, n), k - 1):
        bounds = (0, *cuts, n)
        reading: list = []
        for j in range(k):
            reading.extend([values[j]] * (bounds[j + 1] - bounds[j]))
        out.append(tuple(reading))
        if len(out) > MAX_EXPANSIONS:
            return RowReadings((), False, "collapsed", False, "too many readings")
    if len(out) == 1:
        return RowReadings(tuple(out), True, "collapsed")
    kept = tuple(r for r in out if check is None or _check(check, r))
    note = None if kept else "no expansion of the collapsed row satisfies its identity"
    return RowReadings(kept, False, "collapsed", True, note)


def agreed(candidates: Sequence[Reading], n: int) -> list:
    """Per cell: the value every candidate agrees on, or the marker ``DISAGREE``."""
    if not candidates:
        return [DISAGREE] * n
    first = candidates[0]
    return [first[i] if all(c[i] == first[i] for c in candidates) else DISAGREE for i in range(n)]


DISAGREE = object()
