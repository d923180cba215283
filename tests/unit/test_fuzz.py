"""The parser never raises (nor fails internally) on arbitrary bytes or mangled reports."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.record import PARSER_FAILURE

from .conftest import SEEDS

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]
STATUSES = {"parsed", "empty", "binary", "compressed", "undecodable", "not_a_report", "unknown_format",
            "no_text_layer"}  # fmt: skip


def _assert_ok(data: bytes) -> None:
    result = parse_bytes(data, "fuzz.txt")
    assert result.status != PARSER_FAILURE, result.issues
    assert result.status in STATUSES


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _assert_ok(data)


@st.composite
def mangled(draw) -> str:
    lines = draw(st.sampled_from(SEED_TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "digits"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "truncate":
            lines = lines[:i]
        else:
            lines[i] = lines[i] + draw(st.from_regex(r"[0-9|\- ]{1,30}", fullmatch=True))
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(mangled())
def test_mutated_seeds(text):
    _assert_ok(text.encode("utf-8"))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SEED_TEXTS), st.integers(0, 20000), st.sampled_from(["gbk", "utf-16", "latin-1"]))
def test_truncated_and_misencoded(text, cut, encoding):
    _assert_ok(text[:cut].encode(encoding, errors="ignore"))
