"""The batch writer: memory stays flat over a long transaction, and a failed write says why."""

import duckdb
import pyarrow as pa
import pytest

from dagster_project.warehouse.writer import insert, run_on


def _batch(i: int, rows: int = 50_000) -> pa.Table:
    return pa.table(
        {
            "report_id": pa.array([f"{i:064x}"] * rows),
            "value": pa.array([float(j) for j in range(rows)]),
        }
    )


def test_written_batches_are_released_before_the_commit(tmp_path):
    """Each batch's Arrow memory is freed once it is written, not held until the transaction ends
    (a registered view kept every batch alive until the commit: the load's memory grew with N)."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.t (report_id varchar, value decimal(20, 6))")
    con.execute("begin transaction")
    one = _batch(0).nbytes
    for i in range(20):
        insert(con, "t", _batch(i), ("report_id", "value"), {"value": "cast(value as decimal(20, 6))"})
        assert pa.total_allocated_bytes() < 3 * one, f"batch {i}: Arrow memory held after the write"
    con.execute("commit")
    assert con.execute("select count(*), count(distinct report_id) from raw.t").fetchone() == (1_000_000, 20)
    con.close()


def test_a_failed_statement_raises_its_own_error(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table t (a integer not null)")
    con.execute("begin transaction")
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        run_on(
            con,
            pa.table({"a": pa.array([1, None], type=pa.int32())}),
            "insert into t select a from arrow_rows",
        )
    con.execute("rollback")
    con.close()


def test_a_batch_writes_every_cell_of_each_report(tmp_path):
    """Key columns sent as a key-set index and sent in full both land as the parser's cell rows."""
    from datetime import datetime

    from dagster_project.govreport.parse import parse_bytes
    from dagster_project.warehouse.cells import cell_rows, flatten
    from dagster_project.warehouse.schema import ALL_DDL
    from dagster_project.warehouse.writer import CELL_COLUMNS, REPORT_COLUMNS, Batch

    from ..unit.conftest import SEEDS

    results = [parse_bytes(p.read_bytes(), p.name) for p in SEEDS[:2]]
    odd = results[1]
    odd.record = {**odd.record, "table4": {}}  # not a template key set: its keys travel in full
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    for ddl in ALL_DDL:
        con.execute(ddl)
    batch = Batch()
    expected = []
    for i, result in enumerate(results):
        flat = flatten(result)
        assert isinstance(flat.keys, int) == (i == 0)
        row = {**dict.fromkeys(REPORT_COLUMNS), **flat.fields, "report_id": f"r{i}", "file_name": result.file}
        row.update(file_paths=[result.file], size_bytes=1, parser_version="t", loaded_at=datetime(2026, 1, 1))
        batch.add(row, flat)
        expected += list(cell_rows(f"r{i}", result))
    batch.write(con)
    columns = ", ".join("cast(value as double)" if c == "value" else c for c in CELL_COLUMNS)
    got = con.execute(
        f"select {columns} from raw.report_cells order by report_id, table_name, row_key, col_key"
    ).fetchall()
    assert sorted(got, key=lambda r: r[:4]) == sorted(expected, key=lambda r: r[:4])
    assert len(got) == len(expected) > 300
    con.close()
