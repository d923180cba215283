"""The run history of `govreport refresh` / `make ui` (dagster_project/run_history.py): Dagster's own
SQLite storage with its connections kept open. What it writes is what the stock storage reads."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from dagster_project import run_history
from dagster_project.run_history import PooledSqliteEventLogStorage, ensure_dagster_yaml


@dg.asset
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset_check(asset=numbers)
def numbers_add_up(numbers: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=sum(numbers) == 6, metadata={"sum": sum(numbers)})


@dg.asset_check(asset=numbers)
def numbers_are_many(numbers: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(numbers) > 5)


def _instance(home):
    ensure_dagster_yaml(home)
    return dg.DagsterInstance.from_config(str(home))


def _events(storage, run_id: str) -> list[tuple]:
    return [
        (e.dagster_event.event_type_value if e.dagster_event else None, e.user_message)
        for e in storage.get_logs_for_run(run_id)
    ]


def test_dagster_yaml_selects_the_pooled_storage_and_keeps_a_users_file(tmp_path):
    home = tmp_path / "home"
    with _instance(home) as instance:
        assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
        assert instance.event_log_storage._base_dir == str((home / "history" / "runs").resolve())
    (home / "dagster.yaml").write_text("telemetry: {enabled: false}\n", encoding="utf-8")
    assert run_history.main([str(home)]) == 0
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == "telemetry: {enabled: false}\n"
    assert run_history.main([]) == 2


def test_runs_written_through_kept_connections_read_the_same_in_the_stock_storage(tmp_path):
    home = tmp_path / "home"
    with _instance(home) as instance:
        runs = [
            dg.materialize([numbers, numbers_add_up, numbers_are_many], instance=instance).run_id
            for _ in range(run_history.MAX_ENGINES + 3)
        ]
        pooled = instance.event_log_storage
        # One engine per database file, the least recently used beyond the bound disposed of.
        assert len(pooled._engines) == run_history.MAX_ENGINES
        written = {run_id: _events(pooled, run_id) for run_id in runs}
        latest = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        checks = {
            key.name: instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
            for key in (numbers_add_up.check_key, numbers_are_many.check_key)
        }
    stock = SqliteEventLogStorage(str(home / "history" / "runs"))
    for run_id in runs:
        assert _events(stock, run_id) == written[run_id]
        kinds = [kind for kind, _ in written[run_id]]
        assert kinds.count("ASSET_MATERIALIZATION") == 1
        assert kinds.count("ASSET_CHECK_EVALUATION_PLANNED") == kinds.count("ASSET_CHECK_EVALUATION") == 2
    assert latest is not None and latest.run_id == runs[-1]
    assert checks["numbers_add_up"].run_id == runs[-1]
    assert checks["numbers_add_up"].status.value == "SUCCEEDED"  # evaluated (passed or not)
    stored = stock.get_latest_asset_check_execution_by_key([numbers_are_many.check_key])
    assert stored[numbers_are_many.check_key].run_id == runs[-1]


def test_wipe_closes_the_connections_of_the_files_it_deletes(tmp_path):
    home = tmp_path / "home"
    with _instance(home) as instance:
        run_id = dg.materialize([numbers], instance=instance).run_id
        assert instance.event_log_storage.get_logs_for_run(run_id)
        instance.event_log_storage.wipe()
        assert set(instance.event_log_storage._engines) == {"index"}  # reopened to empty it
        assert not (home / "history" / "runs" / f"{run_id}.db").exists()
        assert instance.event_log_storage.get_logs_for_run(run_id) == []
        again = dg.materialize([numbers], instance=instance).run_id
        assert _events(instance.event_log_storage, again)


@pytest.mark.parametrize("table", ["asset_check_executions", "no_such_table"])
def test_a_table_is_remembered_only_once_found(tmp_path, table):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    found = storage.has_table(table)
    assert found is (table == "asset_check_executions")
    assert (table in storage._tables_found) is found
    storage.dispose()
