"""Result types of the parser: the canonical record, its issues and per-cell provenance.

The canonical record is the shape of ``shared/GOLD_FORMAT.md``; ``ParseResult.to_json`` is the
JSON Lines contract of ``govreport parse``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

# Statuses a parse can end in. Everything except PARSED is a quarantine reason.
PARSED: Final = "parsed"
EMPTY: Final = "empty"
BINARY: Final = "binary"
UNDECODABLE: Final = "undecodable"
NOT_A_REPORT: Final = "not_a_report"
UNKNOWN_FORMAT: Final = "unknown_format"
NO_TEXT_LAYER: Final = "no_text_layer"
COMPRESSED: Final = "compressed"
PARSER_FAILURE: Final = "parser_failure"

ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"


class Issue:
    """One anomaly found while parsing; never silently dropped. Not changed once made.

    A plain class, not a frozen dataclass: compiled (native.py), its constructor is native code,
    where a dataclass keeps the generated Python ``__init__``. It compares, hashes and prints by its
    fields as the dataclass did."""

    __slots__ = ("cell", "code", "location", "message", "severity")

    def __init__(
        self,
        code: str,
        severity: str,
        message: str,
        location: str | None = None,  # e.g. "line 123" or "page 2"
        cell: str | None = None,  # cell id, e.g. "t3.granted[6]"
    ) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.location = location
        self.cell = cell

    def _fields(self) -> tuple[str, str, str, str | None, str | None]:
        return (self.code, self.severity, self.message, self.location, self.cell)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Issue) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Issue(code={!r}, severity={!r}, message={!r}, location={!r}, cell={!r})".format(
            *self._fields()
        )

    def __reduce__(self) -> tuple:
        return (Issue, self._fields())

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in zip(ISSUE_FIELDS, self._fields(), strict=True) if v is not None}


ISSUE_FIELDS: Final = ("code", "severity", "message", "location", "cell")


# How a cell's value was decided (``CellSource.status``); the marts expose it as ``value_status``.
READ: Final = "read"  # an unambiguous, delimited cell: the number is what the report prints
INFERRED: Final = "inferred"  # one reading of an ambiguous stretch, the only one the identities allow
BLANK: Final = "blank"  # NULL: the report left the cell empty or wrote a placeholder
UNDETERMINED: Final = "undetermined"  # NULL: the text does not decide the value (see the cell's issue)
ABSENT: Final = "absent"  # NULL: the report does not have the cell at all (missing row or table)
CELL_STATUSES: Final = (READ, INFERRED, BLANK, UNDETERMINED, ABSENT)


class CellSource:
    """Where a cell's value came from in the input, and how it was decided. Not changed once made;
    ``_replace`` makes a changed copy.

    A plain class, not a named tuple or a frozen dataclass: compiled (native.py), it is made in one
    native allocation and its fields are read without a descriptor call (every report makes ~200;
    a named tuple is made by tuple.__new__ from a tuple of its fields, a frozen dataclass's
    ``__init__`` calls ``object.__setattr__`` per field). It compares, hashes, prints, unpacks and
    pickles as the named tuple did (by its fields, in this order)."""

    __slots__ = ("line", "offset", "page", "raw", "rule", "status")

    def __init__(
        self,
        raw: str | None,  # the cell text as read (after decoding), None when the cell is absent
        line: int | None = None,  # 1-based line of the normalized text
        offset: int | None = None,  # character offset of the cell in the normalized text
        page: int | None = None,  # PDF page (1-based)
        status: str | None = None,  # one of CELL_STATUSES (the parser always sets it)
        rule: str | None = None,  # for inferred/undetermined: which identities decided (e.g. "S3+S1+S2")
    ) -> None:
        self.raw = raw
        self.line = line
        self.offset = offset
        self.page = page
        self.status = status
        self.rule = rule

    def _fields(self) -> tuple[str | None, int | None, int | None, int | None, str | None, str | None]:
        return (self.raw, self.line, self.offset, self.page, self.status, self.rule)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._fields())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellSource) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "CellSource(raw={!r}, line={!r}, offset={!r}, page={!r}, status={!r}, rule={!r})".format(
            *self._fields()
        )

    def __reduce__(self) -> tuple:
        return (CellSource, self._fields())

    def _replace(self, **changes: Any) -> CellSource:
        fields: dict[str, Any] = dict(zip(CELL_SOURCE_FIELDS, self._fields(), strict=True))
        fields.update(changes)
        return CellSource(**fields)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in zip(CELL_SOURCE_FIELDS, self._fields(), strict=True) if v is not None}


CELL_SOURCE_FIELDS: Final = ("raw", "line", "offset", "page", "status", "rule")


@dataclass
class ParseResult:
    file: str
    status: str
    record: dict[str, Any] | None = None
    issues: list[Issue] = field(default_factory=list)
    provenance: dict[str, CellSource] = field(default_factory=dict)
    encoding: str | None = None
    source_kind: str = "text"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == PARSED

    def to_json(self, provenance: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "status": self.status}
        if self.record:
            out.update({k: v for k, v in self.record.items() if k != "file"})
        out["encoding"] = self.encoding
        out["source_kind"] = self.source_kind
        out.update(self.meta)
        out["issues"] = [i.to_json() for i in self.issues]
        if provenance:
            out["provenance"] = {k: v.to_json() for k, v in self.provenance.items()}
        return out
