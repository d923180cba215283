"""``Issue`` and ``CellSource`` are plain (compiled) classes that behave as the dataclass and the named
tuple they replaced: they compare, hash, print, unpack and pickle by their fields, in order."""

from __future__ import annotations

import pickle

from dagster_project.govreport.record import CELL_SOURCE_FIELDS, ISSUE_FIELDS, CellSource, Issue


def test_a_cell_source_behaves_as_the_named_tuple_did():
    src = CellSource("12", 3, 40, None, "read")
    fields = ("12", 3, 40, None, "read", None)
    assert (src.raw, src.line, src.offset, src.page, src.status, src.rule) == fields
    assert tuple(src) == fields
    assert CellSource(*src) == src and hash(CellSource(*src)) == hash(src)
    assert src != CellSource("12", 3, 41, None, "read") and src != ("12", 3, 40, None, "read", None)
    assert repr(src) == "CellSource(raw='12', line=3, offset=40, page=None, status='read', rule=None)"
    assert pickle.loads(pickle.dumps(src)) == src
    assert src._replace(page=2) == CellSource("12", 3, 40, 2, "read") and src.page is None
    assert src.to_json() == {"raw": "12", "line": 3, "offset": 40, "status": "read"}
    assert CellSource(raw=None).to_json() == {}
    assert CELL_SOURCE_FIELDS == ("raw", "line", "offset", "page", "status", "rule")
    assert len({src, CellSource(*src), CellSource(None)}) == 2


def test_an_issue_behaves_as_the_dataclass_did():
    issue = Issue("missing_row", "warning", "row x not found", None, "t3.x")
    assert issue == Issue("missing_row", "warning", "row x not found", cell="t3.x")
    assert issue != Issue("missing_row", "warning", "row x not found")
    assert hash(issue) == hash(Issue("missing_row", "warning", "row x not found", None, "t3.x"))
    assert repr(issue) == (
        "Issue(code='missing_row', severity='warning', message='row x not found', location=None, cell='t3.x')"
    )
    assert pickle.loads(pickle.dumps(issue)) == issue
    assert issue.to_json() == {"code": "missing_row", "severity": "warning", "message": "row x not found",
                               "cell": "t3.x"}  # fmt: skip
    assert ISSUE_FIELDS == ("code", "severity", "message", "location", "cell")
