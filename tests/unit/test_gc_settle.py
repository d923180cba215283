"""The parse workers freeze what survives each file (``gc_tuning.settle``). That is only safe if a
text parse leaves no cyclic garbage (it would be frozen with the rest and never freed) and if
``settle`` collects a file's cycles before it freezes.

Parsing text is checked on every text fixture, the sample corpus and random records rendered in
every text layout; each parse must leave nothing for the collector to find.
"""

from __future__ import annotations

import gc
import random
import weakref
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.record import BINARY, PARSED, Issue, ParseResult
from dagster_project.govreport.render import CRAWL_LAYOUTS, LAYOUTS, render_text
from dagster_project.warehouse import gc_tuning
from dagster_project.warehouse.cells import flatten

from .strategies import records

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*.txt")) + sorted((ROOT / "raw").glob("*.txt"))


def _cyclic_garbage_of(data: bytes, name: str) -> int:
    """How many unreachable objects the collector finds after one parse (the automatic collector
    off, so none is collected before it is counted)."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = parse_bytes(data, name)
        assert result.status  # the parse ran
        # What the workers make of it before ``settle`` (``workers.parse_entry`` and ``parse_path``).
        flat, record = flatten(result), result.to_json(provenance=True)
        assert flat.fields and record["file"] == name
        del result, flat, record
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_parsing_a_text_file_leaves_no_cyclic_garbage(path):
    assert _cyclic_garbage_of(path.read_bytes(), path.name) == 0


@given(record=records(), layout=st.sampled_from(LAYOUTS + CRAWL_LAYOUTS), seed=st.integers(0, 99))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parsing_any_text_layout_leaves_no_cyclic_garbage(record, layout, seed):
    # The crawl layouts read fused, spaced and collapsed rows: every search of the readings runs.
    text = render_text(record, layout, random.Random(seed))
    assert _cyclic_garbage_of(text.encode("utf-8"), f"{layout}.txt") == 0


class _Node:
    def __init__(self) -> None:
        self.other: object = None


def test_settle_collects_a_files_cycles_and_freezes_what_survives():
    gc.collect()
    frozen_before = gc.get_freeze_count()
    try:
        survivor = _Node()  # what the parser keeps (a cache entry)
        cycle = _Node()
        cycle.other = [cycle]  # a file's cyclic garbage
        gone = weakref.ref(cycle)
        del cycle
        assert gone() is not None  # unreachable, but only the collector can free it
        gc_tuning.settle()
        assert gone() is None
        assert gc.get_freeze_count() > frozen_before
        assert not any(o is survivor for g in range(3) for o in gc.get_objects(generation=g))
        # Frozen objects are still freed by reference counting.
        kept = weakref.ref(survivor)
        del survivor
        assert kept() is None
    finally:
        gc.unfreeze()


def _a_cycle() -> weakref.ref:
    node = _Node()
    node.other = [node]
    return weakref.ref(node)


@pytest.fixture
def quiet_gc():
    """Nothing young before the test; afterwards nothing it made stays frozen, and what it left is freed."""
    gc.collect()
    yield
    gc.unfreeze()
    gc.collect()


def _parsed(kind: str = "text", *issues: Issue) -> ParseResult:
    return ParseResult("a.txt", PARSED, record={}, issues=list(issues), source_kind=kind)


def test_settle_after_an_acyclic_task_only_freezes_and_the_next_one_collects_again(quiet_gc):
    gc_tuning.begin_task()
    gc_tuning.acyclic(_parsed())
    skipped = _a_cycle()
    gc_tuning.settle()
    assert skipped() is not None  # not collected: frozen with the rest, as vouched
    collected = _a_cycle()
    gc_tuning.settle()  # the vouch held for one task only
    assert collected() is None


@pytest.mark.parametrize(
    "result",
    [
        _parsed("html"),
        _parsed("pdf"),
        _parsed("docx"),
        _parsed("text", Issue("compiled_parser_error", "info", "the compiled parser raised")),
        ParseResult("a.bin", BINARY, issues=[Issue("binary", "error", "the file is binary")]),
    ],
    ids=["html", "pdf", "docx", "retried", "quarantined"],
)
def test_only_a_parsed_text_file_is_vouched_for(result, quiet_gc):
    gc_tuning.begin_task()
    gc_tuning.acyclic(_parsed())
    gc_tuning.acyclic(result)  # the last word decides
    cycle = _a_cycle()
    gc_tuning.settle()
    assert cycle() is None


def test_a_task_that_raised_after_the_vouch_is_collected(quiet_gc):
    gc_tuning.begin_task()
    gc_tuning.acyclic(_parsed())  # vouched, then the flattening raised
    cycle = _a_cycle()
    gc_tuning.settle(task_ok=False)
    assert cycle() is None


def test_a_vouch_outside_a_task_or_left_over_is_ignored(quiet_gc):
    gc_tuning.acyclic(_parsed())  # a parse in this process, no worker task open
    outside = _a_cycle()
    gc_tuning.settle()
    assert outside() is None
    gc_tuning.begin_task()
    gc_tuning.acyclic(_parsed())
    gc_tuning.settle()  # the vouch is used up
    gc_tuning.acyclic(_parsed())  # after the task: ignored
    left_over = _a_cycle()
    gc_tuning.settle()
    assert left_over() is None
