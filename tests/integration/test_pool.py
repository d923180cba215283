"""The worker pool sends tasks in chunks, yet times every task on its own: a slow task is stopped at
the time budget, the tasks queued behind it in the same worker run elsewhere, results come in input
order, and workers are replaced after a number of tasks. Real worker processes, real sleeps."""

from __future__ import annotations

import gc
import os
import time

from dagster_project.warehouse import gc_tuning
from dagster_project.warehouse.workers import Budget, BudgetPool, Exceeded


def test_a_slow_task_in_a_chunk_is_stopped_and_its_chunk_mates_run():
    delays = [0.0] * 24
    delays[5] = 60.0  # far past the budget: killed, not waited for
    with BudgetPool(Budget(seconds=2, memory_mb=None), workers=2, chunk=4) as pool:
        results = list(pool.imap(time.sleep, [(d,) for d in delays]))
    assert len(results) == 24
    slow = results[5]
    assert isinstance(slow, Exceeded) and slow.what == "time"
    assert "2 s time budget" in slow.message
    assert all(r is None for i, r in enumerate(results) if i != 5)


def test_results_come_in_input_order_from_recycled_workers():
    with BudgetPool(Budget(seconds=30, memory_mb=256), workers=2, chunk=3, max_tasks=4) as pool:
        pids = list(pool.imap(os.getpid, [() for _ in range(30)]))
    assert all(isinstance(p, int) for p in pids)
    # No worker ran more than four tasks: at least 30 / 4 distinct processes.
    assert len(set(pids)) >= 8
    assert os.getpid() not in pids


def test_workers_collect_garbage_in_large_steps_and_the_parent_keeps_its_settings():
    before = gc.get_threshold()
    with BudgetPool(Budget(seconds=30, memory_mb=None), workers=2) as pool:
        seen = set(pool.imap(gc.get_threshold, [() for _ in range(6)]))
    assert seen == {gc_tuning.WORKER_THRESHOLDS}
    assert gc.get_threshold() == before
    with gc_tuning.relaxed():
        assert gc.get_threshold() == gc_tuning.WORKER_THRESHOLDS
    assert gc.get_threshold() == before
