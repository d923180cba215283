"""Every way the text of one row can be read as its ``n`` cells.

A row's evidence is the list of value pieces between its label and the next one. How far the
piece boundaries can be trusted depends on the layout class, decided once per document:

- *delimited* cells (pipes, tabs) are cells; a row with fewer than ``n`` of them may still hold a
  fused run, so it gets both readings and the identities choose;
- *spaced* pieces (spaces or line breaks between them) are cells when there are ``n`` of them;
  with fewer, some boundaries were not printed ("1 0 0 0 0 01"): each piece holds one or more
  cells, and pieces are never joined;
- *fused* runs ("230000023") are split into cells under the row identity (``segment``);
- *collapsed* pieces (a crawler that dropped consecutive identical lines, so ``8⏎0⏎8`` stands for
  8,0,0,0,0,0,8) may each stand for several equal cells.

The result is a set of candidate readings. A single reading that needs no identity is *forced*
(the layout decides it); otherwise the table's identities choose among the candidates later.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from . import segment, values
from .template import PLACEHOLDERS
from .tokens import BLANK, VALUE, Token
from .values import parse_value

Reading = tuple  # n values, int | float | None (None: a blank or placeholder cell)

MAX_EXPANSIONS: Final = 5000
_UNITS: Final = "元个件项条"
_UNIT_SUFFIX: Final = re.compile(rf"^([+-]?\d[\d.]*)[{_UNITS}]$")
_SIGN_WORDS: Final = re.compile(r"([增减])(?=\d)")


def _sign(m: re.Match) -> str:
    return "-" if m.group(1) == "减" else "+"


_DIGITS: Final = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Layout:
    """Document-level facts about how rows are written."""

    collapsed: bool = False  # consecutive identical lines were dropped by the crawler


DEFAULT_LAYOUT: Final = Layout()


class RowReadings:
    """The candidate readings of a row.

    A plain class, not a frozen dataclass: compiled (native.py), its constructor is native code (a
    frozen dataclass sets each field through ``object.__setattr__``). It compares, hashes and prints
    by its fields as the dataclass did; not changed once made."""

    __slots__ = ("candidates", "complete", "forced", "kind", "note")

    def __init__(
        self,
        candidates: tuple[Reading, ...],  # empty: the text does not decide the row
        forced: bool,  # one reading, decided by the layout alone (no identity used)
        kind: str,  # delimited | spaced | fused | collapsed | mixed
        complete: bool = True,  # False when an enumeration hit its budget
        note: str | None = None,  # why the row is undetermined, or how it was read
    ) -> None:
        self.candidates = candidates
        self.forced = forced
        self.kind = kind
        self.complete = complete
        self.note = note

    def _fields(self) -> tuple[tuple[Reading, ...], bool, str, bool, str | None]:
        return (self.candidates, self.forced, self.kind, self.complete, self.note)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowReadings) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "RowReadings(candidates={!r}, forced={!r}, kind={!r}, complete={!r}, note={!r})".format(
            *self._fields()
        )


def _is_run(text: str, signed: bool, decimal: bool) -> bool:
    """Digits that may hold several cells: minus signs only in rows with signed cells (2019
    ``*_items_change``), decimal points only in rows with amounts."""
    if text.isascii() and text.isdigit():  # the common run: digits only (any flags allow it)
        return True
    return _RUN_PATTERNS[signed, decimal].fullmatch(text) is not None


def _run_pattern(signed: bool, decimal: bool) -> re.Pattern:
    """A digit first (or a sign where signs are allowed), then digits, signs and points as allowed,
    with at least one digit."""
    sign = "+\\-" if signed else ""
    point = "." if decimal else ""
    return re.compile(f"(?=[^0-9]*[0-9])[0-9{sign}][0-9{sign}{point}]*")


_RUN_PATTERNS: Final = {(s, d): _run_pattern(s, d) for s in (False, True) for d in (False, True)}


def _digit_count(run: str) -> int:
    """The digits of a run (which holds only ASCII digits, signs and points)."""
    return len(run) - run.count("-") - run.count("+") - run.count(".")


def _one_cell(text: str) -> bool:
    """A piece that can be one cell as written (no leading zero), whatever its length."""
    digits = text.lstrip("-+")
    return not (len(digits) > 1 and digits.startswith("0") and not digits.startswith("0."))


def _plain_cell(text: str) -> bool:
    """Digits that can be one cell as written (no leading zero), or a placeholder."""
    return (text.isascii() and text.isdigit() and _one_cell(text)) or text in PLACEHOLDERS


def _value(text: str, signed: bool, amount: bool):
    if text.isascii() and text.isdigit() and len(text) <= values.MAX_DIGITS:
        return int(text)  # what parse_value gives digits only, without its cache lookup
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
    # Rows repeat across reports ("0000000", "0 0 0 0 0 0 0"): the readings depend only on the
    # pieces' text, kind, delimitation and relative line, so they are computed once. Most rows are
    # regular (every piece delimited or none; all on one line or one a line; a blank's text empty, a
    # value's not), and their texts with two flags stand for all of that (``_COMPACT_ROWS``).
    plain = no_flags(n)
    signed_t = tuple(signed) if signed is not None else plain
    decimals_t = tuple(decimals) if decimals is not None else plain
    collapsed = layout is not None and layout.collapsed
    key: list = []
    delimited = loose = one_line = line_each = regular = True
    first = prev = count = 0
    for t in tokens:
        kind = t.kind
        if kind in (VALUE, BLANK):
            text, line = t.text, t.line
            if count == 0:
                first = line
            else:
                one_line = one_line and line == prev
                line_each = line_each and line == prev + 1
            prev = line
            count += 1
            if t.explicit:
                loose = False
            else:
                delimited = False
            regular = regular and (kind == BLANK) == (text == "")
            key.append(text)
    compact: tuple | None = None
    if regular and (delimited or loose) and (one_line or line_each):
        key.extend((delimited, one_line, n, check, signed_t, decimals_t, collapsed))
        compact = tuple(key)
        hit = _COMPACT_ROWS.get(compact)
        if hit is None:
            hit = _read_row(tuple(_pieces_key(tokens, first)), n, check, signed_t, decimals_t, collapsed)
            if len(_COMPACT_ROWS) < _ROW_CACHE:  # full: the rows seen first stay
                _COMPACT_ROWS[compact] = hit
        return hit
    return _read_row_by_pieces(tokens, n, check, signed_t, decimals_t, collapsed, first)


def _pieces_key(tokens: Sequence[Token], first: int) -> list:
    """Four fields per value or blank piece: kind, text, delimitation, line after ``first`` (the first
    piece's line)."""
    key: list = []
    for t in tokens:
        kind = t.kind
        if kind in (VALUE, BLANK):
            key.append(kind)
            key.append(t.text)
            key.append(t.explicit)
            key.append(t.line - first)
    return key


def _read_row_by_pieces(
    tokens: Sequence[Token], n: int, check, signed: tuple, decimals: tuple, collapsed: bool, first: int
) -> RowReadings:
    """``read_row`` of an irregular row, cached under its flat key (``_pieces_key`` and the row's
    other arguments)."""
    key = _pieces_key(tokens, first)
    # The row's other arguments end the key (four fields per piece before them).
    key.extend((n, check, signed, decimals, collapsed))
    full = tuple(key)
    hit = _ROWS.get(full)
    if hit is None:
        hit = _read_row(full[:-5], n, check, signed, decimals, collapsed)
        if len(_ROWS) < _ROW_CACHE:  # full: the rows seen first stay (the template's zeros come early)
            _ROWS[full] = hit
    return hit


_ROW_CACHE: Final = 16384
# Each distinct irregular row's readings under its flat key (``read_row``): a dict, not ``lru_cache``, whose
# recency list and argument tuple cost more than the lookup on a hit.
_ROWS: Final[dict[tuple, RowReadings]] = {}
# A regular row's readings under its compact key: the pieces' texts, whether they are delimited, whether
# they share one line (else one a line), then the row's other arguments (``read_row``).
_COMPACT_ROWS: Final[dict[tuple, RowReadings]] = {}


def no_flags(n: int) -> tuple[bool, ...]:
    """``n`` times False: a row without signed or decimal cells."""
    return _NO_FLAGS[n] if n < len(_NO_FLAGS) else (False,) * n


# ``no_flags`` of the row widths of the template and more (asked for about 36 times a report).
_NO_FLAGS: Final = tuple([(False,) * n for n in range(64)])


def _read_row(key: tuple, n: int, check, signed: tuple, decimals: tuple, collapsed: bool) -> RowReadings:
    pieces = [Token(key[i], key[i + 1], key[i + 3], 0, explicit=key[i + 2]) for i in range(0, len(key), 4)]
    if any(signed):
        # 本年增/减 cells are also written "减12" / "增3" / "+1".
        pieces = [t.with_text(_SIGN_WORDS.sub(_sign, t.text)) if t.kind == VALUE else t for t in pieces]
    explicit = all(t.explicit for t in pieces)
    k = len(pieces)
    if k == 0:
        return RowReadings(((None,) * n,), True, "delimited")
    # A unit written after a fused run belongs to its last cell ("政府集中采购00元" = 0 items, 0 元).
    pieces = [
        t.with_text(m.group(1))
        if t.kind == VALUE and t.text[-1:] in _UNITS and (m := _UNIT_SUFFIX.match(t.text))
        else t
        for t in pieces
    ]
    run_signed, run_decimal = any(signed), any(decimals)
    if explicit:
        direct = tuple(
            None if i >= k or t.kind == BLANK else _value(t.text, signed[i], decimals[i])
            for i, t in enumerate(pieces[:n])
        ) + (None,) * max(0, n - k)
        if k >= n or check is None:
            return RowReadings((direct,), True, "delimited")
    runs = [t.kind == VALUE and _is_run(t.text, run_signed, run_decimal) for t in pieces]
    if explicit:
        digits = sum(_digit_count(t.text) for t, r in zip(pieces, runs, strict=True) if r)
        if digits < n:
            return RowReadings((direct,), True, "delimited")
        # Fewer delimited cells than the row has, holding enough digits for all of them: a fused
        # run inside one cell is as likely as a short row. Both readings go to the identities.
        segments = [
            ("run", t.text) if r else ("atom", "" if t.kind == BLANK else t.text)
            for t, r in zip(pieces, runs, strict=True)
        ]
        fused = (
            _split_segments(segments, n, check, signed, decimals)
            if len(segments) > 1
            else _split_run(segments[0][1], n, check, signed, decimals)
        )
        cands = tuple(dict.fromkeys([*fused.candidates, direct]))
        return RowReadings(cands, len(cands) == 1, "delimited", fused.complete)

    if collapsed and k < n:
        return _expand_collapsed(pieces, n, check, signed, decimals)
    if k == n and all(t.kind == BLANK or _plain_cell(t.text) for t in pieces):
        # One piece per cell, each a number written as one cell or a placeholder: the reading the
        # segments below give, without enumerating (``_split_segments`` gives each piece one cell).
        reading = tuple(
            [
                None if t.kind == BLANK else _value(t.text, signed[i], decimals[i])
                for i, t in enumerate(pieces)
            ]
        )
        if check is None or not all(runs) or len({t.line for t in pieces}) != 1 or _check(check, reading):
            return RowReadings((reading,), True, "spaced")
    # Spaces and line breaks are cell boundaries, but not every boundary is printed: a piece may
    # hold several fused cells ("1 0 0 0 0 01", "2 0 000022"). Pieces are never joined.
    segments = [
        ("run", t.text) if r else ("atom", "" if t.kind == BLANK else t.text)
        for t, r in zip(pieces, runs, strict=True)
    ]
    if (
        k > n
        and not any(runs[n:])
        and all(t.kind == BLANK or not r for t, r in zip(pieces[n:], runs[n:], strict=True))
    ):
        segments = segments[:n]
    alternatives = _dash_alternatives(segments)
    if len(alternatives) == 1:
        return _read_segments(segments, pieces, runs, n, check, signed, decimals)
    # A "-" that touches digits is a minus sign or a placeholder cell written without a space
    # ("- -1001000"): every way of taking it joins the candidates.
    results = [_read_segments(alt, pieces, runs, n, check, signed, decimals) for alt in alternatives]
    cands = tuple(dict.fromkeys([c for r in results for c in r.candidates]))
    return RowReadings(cands, False, "mixed", all(r.complete for r in results))


def _dash_alternatives(segments: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The segment list with each "-" that touches digits read as a sign or as a placeholder,
    every combination ("--182081": placeholder then -18, or two placeholders, ...)."""
    options: list[list[list[tuple[str, str]]]] = []
    for kind, text in segments:
        dashes = [i for i, c in enumerate(text) if c == "-"]
        if not dashes or not any(c.isdigit() for c in text) or len(dashes) > 3:
            options.append([[(kind, text)]])
            continue
        readings = []
        for choice in itertools.product((False, True), repeat=len(dashes)):
            cut = {i for i, placeholder in zip(dashes, choice, strict=True) if placeholder}
            parts: list[tuple[str, str]] = []
            buf = ""
            for i, c in enumerate(text):
                if i in cut:
                    if buf:
                        parts.append(_segment_of(buf))
                        buf = ""
                    parts.append(("atom", "-"))
                else:
                    buf += c
            if buf:
                parts.append(_segment_of(buf))
            readings.append(parts)
        options.append(readings)
    return [[seg for choice in combo for seg in choice] for combo in itertools.product(*options)][:64]


def _segment_of(text: str) -> tuple[str, str]:
    return ("run", text) if _is_run(text, True, True) else ("atom", text)


def _read_segments(segments, pieces, runs, n, check, signed, decimals) -> RowReadings:
    if len(segments) == 1 and segments[0][0] == "run" and n > 1:
        return _split_run(segments[0][1], n, check, signed, decimals)
    primary = _split_segments(segments, n, check, signed, decimals)
    return _with_stray_spaces(primary, pieces, runs, n, check, signed, decimals)


def _with_stray_spaces(primary: RowReadings, pieces, runs, n, check, signed, decimals) -> RowReadings:
    """A space inside a number ("1 2" for 12) would make the space-as-boundary reading wrong. When
    that reading breaks the row identity (or there is none) and the pieces share one line, the
    readings of the joined digits that satisfy the identity join the candidates: the table's
    identities then choose, and if they cannot, the cells stay null."""
    if check is None or not all(runs) or len({t.line for t in pieces}) != 1:
        return primary
    breaks = not primary.candidates or (primary.forced and not _check(check, primary.candidates[0]))
    if not breaks:
        return primary
    joined = segment.candidates("".join(t.text for t in pieces), n, check, signed=signed, decimals=decimals)
    if not joined.splits:
        return primary
    cands = tuple(dict.fromkeys([*joined.splits, *primary.candidates]))
    return RowReadings(cands, False, "spaced", joined.complete, primary.note)


def _split_run(run: str, n: int, check, signed, decimals) -> RowReadings:
    if len(run.replace("-", "").replace("+", "")) == n:
        # One character per cell: the layout alone decides (a broken identity is the report's).
        unchecked = segment.candidates(run, n, None, signed=signed, decimals=decimals)
        return RowReadings(unchecked.splits, True, "fused")
    if check is None:
        unchecked = segment.candidates(run, n, None, signed=signed, decimals=decimals)
        return RowReadings(unchecked.splits, False, "fused", unchecked.complete)
    checked = segment.candidates(run, n, check, signed=signed, decimals=decimals)
    note = None if checked.splits else "no split of the run satisfies the row identity"
    return RowReadings(checked.splits, False, "fused", checked.complete, note)


def _split_segments(segments, n, check, signed, decimals) -> RowReadings:
    search = _SegmentSearch(segments, n, signed, decimals)
    search.rec(0, 0, [])
    out, complete = search.out, search.complete
    if len(segments) == n:
        # As many pieces as cells: each piece is a cell, whatever the identities say.
        return RowReadings(tuple(out[:1]), True, "spaced") if out else RowReadings((), False, "spaced")
    if (
        len(out) == 1
        and complete
        and all(kind == "atom" or len(text.replace("-", "").replace("+", "")) == 1 for kind, text in segments)
    ):
        return RowReadings(tuple(out), True, "mixed")
    kept = [r for r in out if check is None or _check(check, r)]
    note = None if kept else "no reading of the row satisfies its identity"
    return RowReadings(tuple(kept), False, "mixed", complete, note)


class _SegmentSearch:
    """The state of one ``_split_segments`` enumeration (an object, not a recursive closure: the
    closure and its environment refer to each other, a cycle left for the garbage collector)."""

    __slots__ = ("complete", "decimals", "n", "out", "segments", "signed")

    def __init__(self, segments: list, n: int, signed: Sequence[bool], decimals: Sequence[bool]) -> None:
        self.segments = segments
        self.n = n
        self.signed = signed
        self.decimals = decimals
        self.out: list[Reading] = []
        self.complete = True

    def rec(self, si: int, idx: int, acc: list) -> None:
        segments, n, signed, decimals = self.segments, self.n, self.signed, self.decimals
        if len(self.out) > MAX_EXPANSIONS:
            self.complete = False
            return
        if si == len(segments):
            if idx == n:
                self.out.append(tuple(acc))
            return
        kind, text = segments[si]
        left = len(segments) - si - 1
        base = len(acc)  # ``acc`` is extended for each choice and cut back after it
        if kind == "atom":
            # "--" may be one placeholder or two blank cells written without a space.
            stretch = len(text) if len(text) > 1 and len(set(text)) == 1 and text[0] in "-/—" else 1
            last = min(stretch, n - idx - left)
            if last < 1:
                return
            value = _value(text, signed[idx], decimals[idx]) if text else None
            for m in range(1, last + 1):
                acc.extend([value] * m)
                self.rec(si + 1, idx + m, acc)
                del acc[base:]
            return
        for m in range(1, n - idx - left + 1):
            if m == 1 and _one_cell(text):
                acc.append(_value(text, signed[idx], decimals[idx]))
                self.rec(si + 1, idx + 1, acc)
                del acc[base:]
                continue
            sub = segment.candidates(
                text, m, None, signed=signed[idx : idx + m], decimals=decimals[idx : idx + m]
            )
            self.complete = self.complete and sub.complete
            for split in sub.splits:
                acc.extend(split)
                self.rec(si + 1, idx + m, acc)
                del acc[base:]


def _check(check, reading: Reading) -> bool:
    """A reading that had to split or stretch pieces is kept only when its identity can be checked
    and holds: a blank cell makes the identity not assessable, and nothing else vouches for it."""
    return all(v is not None for v in reading) and check(reading)


def _expand_collapsed(pieces, n, check, signed, decimals) -> RowReadings:
    """Each piece stands for one or more equal consecutive cells."""
    values = [None if t.kind == BLANK else _value(t.text, False, any(decimals)) for t in pieces]
    k = len(values)
    total = math.comb(n - 1, k - 1) if 0 < k <= n else 0
    if total > MAX_EXPANSIONS:
        return RowReadings((), False, "collapsed", False, "too many readings")
    if total == 1:
        return RowReadings(tuple(_expansions(values, n, None)), True, "collapsed")
    if check is not None and None in values:
        kept: tuple = ()  # a blank cell in every reading: its identity is never assessable
    else:
        kept = tuple(r for r in _expansions(values, n, check) if check is None or _check(check, r))
    note = None if kept else "no expansion of the collapsed row satisfies its identity"
    return RowReadings(kept, False, "collapsed", True, note)


def _expansions(values: list, n: int, check) -> list[Reading]:
    """Every way to give each value one or more consecutive cells of ``n``, in the order of their
    cut positions. Under table 四's identity a block of five that is already complete and breaks S4
    ends the branch early (the final ``_check`` decides the rest)."""
    blocks = (5, 10, 15) if check is segment.table4_ok and n == 15 else ()
    search = _Expansion(values, n, blocks)
    search.rec(0)
    return search.out


class _Expansion:
    """The state of one ``_expansions`` enumeration (an object, not a recursive closure)."""

    __slots__ = ("blocks", "n", "out", "reading", "values")

    def __init__(self, values: list, n: int, blocks: tuple[int, ...]) -> None:
        self.values = values
        self.n = n
        self.blocks = blocks
        self.out: list[Reading] = []
        self.reading: list = []

    def rec(self, j: int) -> None:
        reading, values, n = self.reading, self.values, self.n
        pos = len(reading)
        k = len(values)
        if j == k:
            if pos == n:
                self.out.append(tuple(reading))
            return
        for m in range(1, n - pos - (k - j - 1) + 1):
            reading.extend([values[j]] * m)
            if all(sum(reading[e - 5 : e - 1]) == reading[e - 1] for e in self.blocks if pos < e <= pos + m):
                self.rec(j + 1)
            del reading[pos:]


def agreed(candidates: Sequence[Reading], n: int) -> list:
    """Per cell: the value every candidate agrees on, or the marker ``DISAGREE``."""
    if not candidates:
        return [DISAGREE] * n
    first = candidates[0]
    if len(candidates) == 1:
        return list(first[:n])
    return [first[i] if all(c[i] == first[i] for c in candidates) else DISAGREE for i in range(n)]


DISAGREE: Final = object()
