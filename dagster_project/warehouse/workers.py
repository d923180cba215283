"""Parse files in worker processes, each file under a time and a memory budget.

A runaway parse (a 200 KB PDF whose content stream inflates to 200 MB, a DOCX zip bomb, a huge
HTML page) is stopped, not waited for:

- memory: before each file a worker caps its own address space (``RLIMIT_AS``) at its current size
  plus the memory budget, so an allocation past the budget fails in that worker only;
- time: the parent kills a worker whose file outlives the time budget (``SIGKILL``: a parse stuck in
  C code is stopped too) and starts a new worker for the files still to do.

Either way the file comes back as ``Exceeded`` (what was exceeded, by how much) and the others go on.
Workers are forked from a ``forkserver`` that has imported the parser once, so they start in
milliseconds and do not inherit the refresh's threads, DuckDB connection or Dagster state.
This module imports no DuckDB: it is what the workers import.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from dagster_project.govreport.parse import parse_bytes
from dagster_project.govreport.record import ERROR, PARSED, Issue, ParseResult

from .cells import Flat, flatten
from .files import (
    CHANGED,
    UNREADABLE,
    NotRegularFile,
    open_under,
    printable,
    read_limited,
    readable_component,
)
from .gc_tuning import acyclic, begin_task, settle, tune_worker
from .settings import DEFAULT_PARSE_MEMORY_MB, DEFAULT_PARSE_SECONDS, Settings

OVER_BUDGET = "over_budget"
_PRELOAD = [
    __name__,
    "dagster_project.govreport.readers.html",
    "dagster_project.govreport.readers.pdf",
    "dagster_project.govreport.readers.docx",
    "pdfplumber",
    "docx",
    "charset_normalizer",
]
# What a parse reports when an allocation failed under RLIMIT_AS (the parser and its readers turn
# exceptions into statuses, so the MemoryError may arrive inside an issue's message).
_MEMORY_SIGNS = ("MemoryError", "Memory allocation failed", "std::bad_alloc", "Cannot allocate memory")


@dataclass(frozen=True)
class Budget:
    """Per-file limits; ``None`` means no limit."""

    seconds: float | None = DEFAULT_PARSE_SECONDS  # wall-clock time (GOVREPORT_PARSE_TIMEOUT)
    memory_mb: int | None = DEFAULT_PARSE_MEMORY_MB  # address space added (GOVREPORT_PARSE_MEMORY_MB)

    @classmethod
    def of(cls, settings: Settings) -> Budget:
        return cls(settings.parse_seconds, settings.parse_memory_mb)

    def describe(self) -> str:
        time_part = f"{self.seconds:g} s" if self.seconds else "no time limit"
        memory_part = f"{self.memory_mb} MB" if self.memory_mb else "no memory limit"
        return f"{time_part}, {memory_part}"


@dataclass(frozen=True)
class Exceeded:
    """A task stopped by its budget (or whose worker died)."""

    what: str  # "time" | "memory" | "crash"
    message: str


# --- the worker side -------------------------------------------------------------------------------


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _peak_address_space() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024
    return 0


_cap: int | None = None  # the address-space cap of the task running in this worker


def _cap_memory(memory_mb: int) -> None:
    """Allow this worker ``memory_mb`` more address space than it holds now (raised per task, so
    memory kept by earlier files does not eat into the next file's budget). Linux only: elsewhere
    (no /proc) the time budget alone applies."""
    global _cap
    if not os.path.exists("/proc/self/statm"):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = _address_space() + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    _cap = soft


def _reached_cap() -> bool:
    """Did this worker's address space come within a few MB of its cap (so an allocation that C code
    reports as some other error, e.g. libxml2's "unknown error", was most likely refused)?"""
    return _cap is not None and _peak_address_space() >= _cap - 32 * 1024 * 1024


def _worker_main(conn, memory_mb: int | None) -> None:
    """Run chunks of tasks: ``(fn, [(index, args), ...])``; one reply per task, as soon as it is done.

    Each reply carries the worker's ``time.monotonic()`` at sending: the next task of the chunk starts
    then, so the parent times every file on its own (CLOCK_MONOTONIC is system-wide).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    tune_worker()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, chunk = message
        for index, args in chunk:
            if memory_mb:
                _cap_memory(memory_mb)
            begin_task()
            try:
                kind, value = "ok", fn(*args)
            except MemoryError:
                kind, value = "memory", None
            except BaseException as exc:
                kind, value = "error", f"{type(exc).__name__}: {exc}"
            if memory_mb:  # sending the reply must not fail for the budget of the file just done
                _, hard = resource.getrlimit(resource.RLIMIT_AS)
                resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
            conn.send((kind, index, value, time.monotonic()))
            if kind == "memory":
                return  # a fresh worker for the rest: this one's heap is in an unknown state
            value = None
            # The file's garbage collected (unless ``acyclic`` vouched for a task that then returned),
            # what the parser keeps frozen.
            settle(task_ok=kind == "ok")


# --- the parent side -------------------------------------------------------------------------------


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


@dataclass
class _Worker:
    proc: Any
    conn: Any
    queue: deque = field(default_factory=deque)  # indices sent and not answered, in the order they run
    started: float = 0.0  # when queue[0] started (time.monotonic)
    done: int = 0  # tasks answered


CHUNK = 8  # tasks per message to a worker (fewer round trips; each task is still timed on its own)
MAX_TASKS = 1000  # a worker is replaced after this many tasks, so caches it grows stay bounded


@dataclass
class BudgetPool:
    """A small process pool that runs tasks in workers, each task under ``budget``.

    Tasks go to a worker in chunks (up to ``chunk`` per message, two chunks ahead, so a worker never
    waits for the parent), and the worker answers each task as soon as it is done, so every task is
    timed on its own. A task over budget yields ``Exceeded``; the tasks queued behind it in the same
    worker are given to another worker. A worker is replaced after ``max_tasks`` tasks.
    ``imap`` yields results in input order.
    """

    budget: Budget
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    chunk: int = CHUNK
    max_tasks: int | None = MAX_TASKS

    def __post_init__(self) -> None:
        self._ctx = _context()
        self._pool: list[_Worker] = []
        self.workers = max(1, self.workers)

    def __enter__(self) -> BudgetPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child, self.budget.memory_mb), daemon=True)
        proc.start()
        child.close()
        worker = _Worker(proc, parent)
        self._pool.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool, pending: deque | None = None) -> None:
        """Stop ``worker``; the tasks it still held (after the one being judged) go back to ``pending``."""
        if pending is not None:
            pending.extendleft(reversed(worker.queue))
        worker.queue.clear()
        if kill:
            worker.proc.kill()
        worker.proc.join(timeout=30)
        worker.conn.close()
        self._pool.remove(worker)

    def _worn(self, worker: _Worker) -> bool:
        return self.max_tasks is not None and worker.done + len(worker.queue) >= self.max_tasks

    def _dispatch(self, fn: Callable, pending: deque, items: list, size: int) -> None:
        while pending:
            for worn in [w for w in self._pool if not w.queue and self._worn(w)]:
                with contextlib.suppress(OSError):
                    worn.conn.send(None)  # recycled: it exits after its last task
                self._retire(worn, kill=False)
            ready = [w for w in self._pool if len(w.queue) < 2 * size and not self._worn(w)]
            if ready:
                worker = min(ready, key=lambda w: len(w.queue))
            elif len(self._pool) < self.workers:
                worker = self._start()
            else:
                return
            room = 2 * size - len(worker.queue)
            if self.max_tasks is not None:
                room = min(room, self.max_tasks - worker.done - len(worker.queue))
            take = [pending.popleft() for _ in range(min(size, room, len(pending)))]
            try:
                worker.conn.send((fn, [(i, items[i]) for i in take]))
            except (BrokenPipeError, EOFError, OSError):
                pending.extendleft(reversed(take))  # not started: another worker takes them
                self._retire(worker, kill=True, pending=pending)
                continue
            if not worker.queue:
                worker.started = time.monotonic()
            worker.queue.extend(take)

    def _died(self, worker: _Worker) -> Exceeded:
        code = worker.proc.exitcode
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit status {code}"
        if self.budget.memory_mb:
            return Exceeded(
                "memory",
                f"the parse worker died ({how}) under the {self.budget.memory_mb} MB memory budget "
                "(GOVREPORT_PARSE_MEMORY_MB)",
            )
        return Exceeded("crash", f"the parse worker died ({how})")

    def _receive(self, worker: _Worker, results: dict[int, Any], pending: deque) -> None:
        """Take every reply ``worker`` has sent; judge the task it was on if it died."""
        while worker.queue:
            try:
                if not worker.conn.poll():
                    if worker.proc.is_alive():
                        return
                    raise EOFError
                kind, index, value, sent = worker.conn.recv()
            except (EOFError, OSError):
                worker.proc.join(timeout=30)
                results[worker.queue.popleft()] = self._died(worker)
                self._retire(worker, kill=True, pending=pending)
                return
            assert index == worker.queue[0], "a worker answers its tasks in order"
            worker.queue.popleft()
            worker.done += 1
            worker.started = sent  # the next task of the chunk started when this reply was sent
            if kind == "ok":
                results[index] = value
            elif kind == "memory":
                results[index] = Exceeded("memory", self._memory_message())
                worker.proc.join(timeout=30)
                self._retire(worker, kill=False, pending=pending)
                return
            else:
                results[index] = Exceeded("crash", f"the parse worker failed: {value}")

    def _collect(self, results: dict[int, Any], pending: deque) -> None:
        busy = [w for w in self._pool if w.queue]
        if not busy:
            return
        timeout = None
        if self.budget.seconds:
            timeout = max(0.0, min(w.started for w in busy) + self.budget.seconds - time.monotonic())
        wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout)
        for worker in busy:  # every one, so a reply that came in just now is not judged as late
            self._receive(worker, results, pending)
        now = time.monotonic()
        for worker in [w for w in self._pool if w.queue]:
            if self.budget.seconds and now - worker.started >= self.budget.seconds:
                results[worker.queue.popleft()] = Exceeded(
                    "time",
                    f"parsing took longer than the {self.budget.seconds:g} s time budget "
                    "(GOVREPORT_PARSE_TIMEOUT); the worker was killed",
                )
                self._retire(worker, kill=True, pending=pending)

    def _memory_message(self) -> str:
        return (
            f"parsing needed more than the {self.budget.memory_mb} MB memory budget "
            "(GOVREPORT_PARSE_MEMORY_MB)"
        )

    def imap(self, fn: Callable, items: Iterable[tuple]) -> Iterator[Any]:
        """``fn(*item)`` for every item, in a worker, in input order (``Exceeded`` when over budget)."""
        if not isinstance(items, Sequence):  # a Sequence is read by index: no copy of every task
            items = list(items)
        # Small jobs are spread over every worker; large ones go in chunks of ``self.chunk``.
        size = max(1, min(self.chunk, len(items) // (4 * self.workers)))
        pending = deque(range(len(items)))
        results: dict[int, Any] = {}
        nxt = 0
        while nxt < len(items):
            self._dispatch(fn, pending, items, size)
            self._collect(results, pending)
            while nxt in results:
                yield results.pop(nxt)
                nxt += 1

    def close(self) -> None:
        for worker in list(self._pool):
            if not worker.queue:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        for worker in list(self._pool):
            worker.proc.join(timeout=5 if not worker.queue else 0)
            self._retire(worker, kill=worker.proc.is_alive())


# --- the tasks ---------------------------------------------------------------------------------------


def memory_exhausted(result: ParseResult) -> bool:
    """Did the parse fail because an allocation was refused? The parser turns exceptions into
    statuses, so the MemoryError may only show in an issue's message, or not at all."""
    if result.status == PARSED:
        return False
    signs = any(sign in issue.message for issue in result.issues for sign in _MEMORY_SIGNS)
    return signs or _reached_cap()


def _quarantined(name: str, reason: str, message: str) -> ParseResult:
    return ParseResult(name, reason, issues=[Issue(reason, ERROR, message)])


def read_and_parse(
    raw_dir: str, open_rel: bytes, shown: str, name: str, sha256: str, max_bytes: int, parse=parse_bytes
) -> ParseResult:
    """Read one discovered file again and parse it, unless it changed since discovery.

    ``shown`` is the readable path for messages. A file deleted, truncated, replaced (or swapped for
    a symlink or a FIFO) between discovery and parse is ``changed_during_refresh``: the next refresh
    reads it again.
    """
    where = f"parse: raw/{printable(shown)}"
    try:
        fd = open_under(raw_dir, open_rel)
    except FileNotFoundError:
        return _quarantined(name, CHANGED, f"{where} was removed after discovery; the next refresh drops it")
    except NotRegularFile as exc:
        return _quarantined(name, CHANGED, f"{where} was replaced after discovery ({exc})")
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a symlink
            return _quarantined(name, CHANGED, f"{where} was replaced by a symlink after discovery")
        return _quarantined(name, UNREADABLE, f"{where}: {type(exc).__name__}: {exc.strerror or exc}")
    try:
        data = read_limited(fd, max_bytes)
    except OSError as exc:
        return _quarantined(name, UNREADABLE, f"{where}: {type(exc).__name__}: {exc.strerror or exc}")
    finally:
        os.close(fd)
    now = hashlib.sha256(data).hexdigest()
    if now != sha256:
        return _quarantined(
            name,
            CHANGED,
            f"{where} changed after discovery (now {len(data)} bytes, sha256 {now[:12]}…, was "
            f"{sha256[:12]}…): truncated or replaced during the refresh; the next refresh reads it again",
        )
    return parse(data, name)


def parse_entry(
    raw_dir: str, open_rel: bytes, shown: str, name: str, sha256: str, max_bytes: int, parse=parse_bytes
) -> Flat:
    """Read, parse and flatten one file: the report's columns, issues and cells as plain values."""
    result = read_and_parse(raw_dir, open_rel, shown, name, sha256, max_bytes, parse)
    if memory_exhausted(result):
        raise MemoryError
    acyclic(result)  # flattening makes plain lists and tuples: no cycles either
    return flatten(result)


def parse_path(path: str, provenance: bool) -> tuple[dict, bool]:
    """``govreport parse`` in a worker: (the JSON record of one path, whether it could be read)."""
    p = Path(path)
    name = readable_component(os.fsencode(p.name))[0]  # JSON needs text: a GBK name reads as GB18030
    try:
        data = p.read_bytes()  # any path the user names, pipes included (the budget bounds it)
    except OSError as exc:
        message = f"{type(exc).__name__}: {exc.strerror or exc}"
        return {
            "file": name,
            "status": UNREADABLE,
            "issues": [{"code": UNREADABLE, "severity": ERROR, "message": message}],
        }, False
    result = parse_bytes(data, name)
    if memory_exhausted(result):
        raise MemoryError
    acyclic(result)  # the JSON record is plain dicts and lists: no cycles either
    return result.to_json(provenance=provenance), True


def over_budget(name: str, exceeded: Exceeded) -> ParseResult:
    """The quarantine record of a file stopped by its budget (or whose worker died)."""
    return _quarantined(name, OVER_BUDGET, f"parse: {exceeded.message}")
