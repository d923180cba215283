"""Garbage-collector settings for the processes that parse and load reports.

The parser allocates many small tracked objects per file (cell sources, tokens, issues), and almost all
of them die by reference counting; CPython's default thresholds (700, 10, 10) still run a collection
every 700 net allocations, and every tenth second-generation pass walks every object the process holds,
the imported modules included. A py-spy profile of a 10,000-report load put 13% of the parse workers'
samples in the collector (most under ``align._parse_cells``); the same 3,640 files parsed in one
process took 8.1-8.3 s with the defaults and 7.0-7.4 s with ``tune_worker`` (docs/operations.md).

Cyclic garbage is still collected, only in larger steps, and at the end of each file (``settle``):
a worker is replaced after ``MAX_TASKS`` files anyway (workers.py), so what it keeps stays bounded.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from dagster_project.govreport.parse import COMPILED_PARSER_ERROR
from dagster_project.govreport.record import PARSED, ParseResult

# First generation: a collection per 10,000 net allocations (not 700); the second and third follow
# after 50 and 50 of the one before.
WORKER_THRESHOLDS = (10_000, 50, 50)


def tune_worker() -> None:
    """For a process that only parses: what the imports made is never collected (``gc.freeze``: it lives
    as long as the process) and collections run in larger steps. Call once, after the imports."""
    gc.freeze()
    gc.set_threshold(*WORKER_THRESHOLDS)


def settle(task_ok: bool = True) -> None:
    """After each file in a parse worker: collect what the file left in the young generations, then
    freeze what survived (``gc.freeze``), so the collector never walks it again.

    What survives a file is what the parser keeps: its caches' new entries (about 180 tracked objects
    per report), which without this were walked by every young collection they met and by the
    middle one after. A file's cyclic garbage is collected here first, so nothing unreachable is
    frozen: frozen objects are still freed by reference counting when a cache drops them. An object
    only reaches the oldest generation during a file when a middle collection ran in it (a large
    PDF): that generation is collected too, then.

    After a task that ``acyclic`` vouched for, the collection is skipped and what survived is only
    frozen: walking the survivors found nothing to free and cost 10 us a file (1.6% of a parse). A
    task that raised after the vouch (``task_ok`` False) is collected all the same: its traceback
    refers to its frames."""
    global _acyclic, _task_open
    vouched = _acyclic and task_ok
    _acyclic = _task_open = False
    if not vouched:
        gc.collect(2 if gc.get_objects(generation=2) else 1)
    gc.freeze()


_acyclic = False
_task_open = False


def begin_task() -> None:
    """In a parse worker, before each task: a vouch (``acyclic``) counts only in the task it was made
    in, up to the ``settle`` after it; made anywhere else (a test, a load in one process), it is ignored."""
    global _acyclic, _task_open
    _acyclic, _task_open = False, True


def acyclic(result: ParseResult) -> None:
    """Say that the task just done made no cyclic garbage, when its ``ParseResult`` shows a plain text
    file parsed by the compiled or interpreted parser without an exception on the way: such a parse
    frees everything it made by reference counting (tests/unit/test_gc_settle.py checks every text
    fixture and random records in every text layout). Markup and PDF readers build trees with parent
    links, and an exception's traceback refers to its frames: those files are still collected."""
    global _acyclic
    _acyclic = _task_open and (
        result.status == PARSED
        and result.source_kind == "text"
        and not any(i.code == COMPILED_PARSER_ERROR for i in result.issues)
    )


@contextlib.contextmanager
def relaxed() -> Iterator[None]:
    """The worker thresholds for the duration of a block, then the process's own settings again: for
    steps of the refresh process that make an object or more per report (the load's parent receives
    every parsed file's rows; the agency names of 100,000 reports took 7.4 s with the default
    thresholds and 4.3 s with these, measured in a process that had imported Dagster, dbt and GX)."""
    before = gc.get_threshold()
    gc.set_threshold(*WORKER_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
