"""Dagster's run history (``DAGSTER_HOME``) in SQLite, with connections kept open between events.

Dagster's ``SqliteEventLogStorage`` creates an SQLAlchemy engine, opens a connection, commits and
disposes of both for every event it stores, and looks up the asset-check table's existence in a
fresh engine for every check event. A refresh stores about 700 events (a planned and a final event
for each of the 44 assets and 125 checks, step and log events): that bookkeeping was 4-5 s of every
refresh, whatever the number of reports (docs/benchmarks.md). ``PooledSqliteEventLogStorage`` is the
same storage (the same files, tables and locking) with one engine per database file kept for reuse
(the most recent few), WAL commits without an fsync each (``synchronous = NORMAL``: after a power
cut the last events of the run history may be missing, never corrupt; the warehouse does not use
it), and the table lookup remembered once it has succeeded.

``dagster_yaml`` is the instance configuration that selects it: ``govreport refresh``, ``make run`` and
``make ui`` write it to ``$DAGSTER_HOME/dagster.yaml`` when that file does not exist
(``python -m dagster_project.run_history DAGSTER_HOME``); an existing file is never changed.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

# This module's import path (``__name__`` is ``__main__`` when it runs as a script).
MODULE = "dagster_project.run_history"
# Engines kept open per process: the index, the current run and a few runs the UI is showing.
MAX_ENGINES = 8


def _pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` that reuses its engines and connections (see the module doc)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, made on first use; the least recently used beyond ``MAX_ENGINES`` are
        disposed of (their files stay as they are). Called with ``_db_lock`` held."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            event.listen(engine, "connect", _pragmas)
        self._engines[shard] = engine
        while len(self._engines) > MAX_ENGINES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Tables are only ever added (by migrations), so a table found once stays.
        if table_name in self._tables_found:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables_found.add(table_name)
        return found

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the run files are deleted: no connection may outlive them
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


def dagster_yaml(home: Path) -> str:
    """The instance configuration of ``home``: telemetry off and the pooled run-history storage in the
    folder Dagster's default uses (``history/runs``), so an existing history is read as before."""
    runs = (home / "history" / "runs").resolve()
    return (
        "# Written by `python -m dagster_project.run_history` (make run / make ui) when missing.\n"
        "telemetry: {enabled: false}\n"
        "event_log_storage:\n"
        f"  module: {MODULE}\n"
        f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {str(runs)!r}\n"
    )


def ensure_dagster_yaml(home: Path) -> Path:
    """Create ``home/dagster.yaml`` with ``dagster_yaml`` unless it exists (a user's file is kept)."""
    target = home / "dagster.yaml"
    if not target.exists():
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".dagster.yaml.{os.getpid()}"
        tmp.write_text(dagster_yaml(home), encoding="utf-8")
        os.replace(tmp, target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m dagster_project.run_history DAGSTER_HOME", file=sys.stderr)
        return 2
    ensure_dagster_yaml(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
