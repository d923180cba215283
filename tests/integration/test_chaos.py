"""Chaos: hypothesis builds random download folders (random bytes under random names, invalid UTF-8,
empty and special files, symlinks in and out, duplicates, nested folders, a few real reports) and the
refresh always accounts for every entry exactly once, with the real reports' numbers unchanged.

Each example runs the library refresh path (``load_raw``: discovery, the budgeted worker pool, DuckDB);
``test_faults.py`` runs a folder drawn from the same strategy through the real ``govreport refresh``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.settings import Settings

from .conftest import SEEDS

# Kinds of entry a folder can hold; "report" is the bytes of one of the real reports in raw/.
KINDS = ("bytes", "empty", "report", "duplicate", "fifo", "link_in", "link_out", "dangling", "folder")
CHINESE = ("报告", "年度报告", "政府信息公开", "附件", "新建文件夹", "统计表")


@dataclass
class Entry:
    name: bytes
    kind: str
    data: bytes = b""
    seed: int = 0  # which real report, for kind "report"
    children: list[Entry] = field(default_factory=list)  # kind "folder"


def _names() -> st.SearchStrategy[bytes]:
    raw = st.binary(min_size=1, max_size=24)  # mostly invalid UTF-8
    text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).map(str.encode)
    gbk = st.tuples(st.sampled_from(CHINESE), st.sampled_from([".txt", ".html", ".pdf", ""])).map(
        lambda t: (t[0] + t[1]).encode("gbk")
    )
    long = st.integers(200, 255).map(lambda n: b"L" * n)
    return (
        st.one_of(raw, text, gbk, long)
        .map(lambda n: n.replace(b"/", b"_").replace(b"\0", b"_")[:255])
        .filter(lambda n: n not in (b".", b".."))
    )


def _entries(depth: int) -> st.SearchStrategy[list[Entry]]:
    kinds = KINDS if depth < 2 else KINDS[:-1]

    def entry(name_kind):
        name, kind = name_kind
        if kind == "folder":
            return _entries(depth + 1).map(lambda children: Entry(name, kind, children=children))
        if kind == "bytes":
            return st.binary(min_size=1, max_size=3000).map(lambda data: Entry(name, kind, data))
        if kind == "report":
            return st.integers(0, len(SEEDS) - 1).map(lambda i: Entry(name, kind, seed=i))
        return st.just(Entry(name, kind))

    return st.lists(
        st.tuples(_names(), st.sampled_from(kinds)), max_size=7, unique_by=lambda t: t[0]
    ).flatmap(lambda items: st.tuples(*(entry(item) for item in items)).map(list))


def folders() -> st.SearchStrategy[list[Entry]]:
    """A folder tree with at least one real report in it."""
    return _entries(0).filter(lambda top: any(e.kind == "report" for e in top))


@dataclass
class Built:
    visible: set[bytes] = field(default_factory=set)  # every entry the refresh must list (not hidden)
    reasons: dict[bytes, str] = field(default_factory=dict)  # entries whose reason is known in advance
    reports: dict[bytes, int] = field(default_factory=dict)  # path of a real report -> seed index


def build(entries: list[Entry], raw: Path, outside: Path) -> Built:
    """Create ``entries`` under ``raw``; return what the refresh must find there."""
    built = Built()
    files: list[bytes] = []  # regular files made so far (targets for duplicates and links)

    def make(entries: list[Entry], rel: bytes, hidden: bool) -> None:
        for e in entries:
            path = rel + e.name
            full = os.path.join(os.fsencode(raw), path)
            is_hidden = hidden or e.name.startswith(b".")
            if e.kind == "folder":
                os.mkdir(full)
                make(e.children, path + b"/", is_hidden)
                continue
            reason = None
            if e.kind in ("bytes", "empty", "report", "duplicate"):
                if e.kind == "report":
                    data = SEEDS[e.seed].read_bytes()
                elif e.kind == "duplicate" and files:
                    data = Path(os.fsdecode(os.path.join(os.fsencode(raw), files[-1]))).read_bytes()
                else:
                    data = e.data
                Path(os.fsdecode(full)).write_bytes(data)
                if not data:
                    reason = "empty"
                if e.kind == "report" and not is_hidden:
                    built.reports[path] = e.seed
                files.append(path)
            elif e.kind == "fifo":
                os.mkfifo(full)
                reason = "not_a_regular_file"
            elif e.kind == "link_in":
                # A file made before, or raw/ itself (a folder); relative, so a copy of raw/ is the same.
                target = os.path.join(os.fsencode(raw), files[-1]) if files else os.fsencode(raw)
                os.symlink(os.path.relpath(target, os.path.dirname(full)), full)
                if not files:
                    reason = "not_a_regular_file"
            elif e.kind == "link_out":
                os.symlink(os.fsencode(outside), full)
                reason = "symlink_outside_raw"
            elif e.kind == "dangling":
                os.symlink(b"no such file " + e.name[:100], full)
                reason = "unreadable"
            if not is_hidden:
                built.visible.add(path)
                if reason:
                    built.reasons[path] = reason

    make(entries, b"", False)
    return built


def entries_on_disk(raw: Path) -> set[bytes]:
    """Every entry the refresh must list, found independently: files, FIFOs and symlinks (to folders
    too), relative to ``raw``; names starting with '.' (and what is inside them) are skipped."""
    root = os.fsencode(raw)
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(b".")]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            if not name.startswith(b"."):
                found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def seed_cells() -> dict[int, list]:
    """Each real report's cells, loaded on its own: what it must give in any folder."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        for seed in SEEDS:
            shutil.copy(seed, raw / seed.name)
        s = Settings(db_path=Path(tmp) / "warehouse.duckdb", raw_dir=raw)
        load_raw(s)
        cells = dict(query(s.db_path, _CELLS_SQL))
    return {i: cells[seed.name] for i, seed in enumerate(SEEDS)}


_CELLS_SQL = (
    "select r.file_paths[1], list((c.table_name, c.row_key, c.col_key, c.value, c.value_status) "
    "order by c.table_name, c.row_key, c.col_key) "
    "from raw.report_cells c join raw.reports r using (report_id) group by r.file_paths[1]"
)


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def check_accounted(db: Path, built: Built, expected_cells: dict[int, list]) -> None:
    """Every visible entry on exactly one path of one row; known reasons; real reports unchanged."""
    rows = query(
        db,
        "select file_paths_bytes, status, quarantine_reason, "
        "list((c.table_name, c.row_key, c.col_key, c.value, c.value_status) "
        "order by c.table_name, c.row_key, c.col_key) filter (where c.report_id is not null) "
        "from raw.reports r left join raw.report_cells c using (report_id) "
        "group by r.report_id, file_paths_bytes, status, quarantine_reason",
    )
    listed = [bytes(p) for paths, *_ in rows for p in paths]
    assert len(listed) == len(set(listed)), "a path is listed twice"
    assert set(listed) == built.visible
    by_path = {bytes(p): row for row in rows for p in row[0]}
    for path, reason in built.reasons.items():
        assert by_path[path][2] == reason, (path, by_path[path])
    for path, seed in built.reports.items():
        _, status, reason, cells = by_path[path]
        assert (status, reason) == ("parsed", None)
        assert cells == expected_cells[seed]
    assert all(r[2] not in ("parser_failure", "over_budget") for r in rows)


EXPECTED: dict[int, list] = {}


@settings(
    max_examples=12,
    derandomize=True,  # the same examples on every run: CI never meets a new folder by chance
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(folders())
def test_any_folder_is_accounted_for_and_reports_keep_their_numbers(entries):
    if not EXPECTED:
        EXPECTED.update(seed_cells())
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        outside = Path(tmp) / "outside.txt"
        outside.write_bytes(SEEDS[0].read_bytes())
        built = build(entries, raw, outside)
        s = Settings(db_path=Path(tmp) / "wh" / "warehouse.duckdb", raw_dir=raw)
        summary = load_raw(s)
        assert summary.files == len(built.visible)
        check_accounted(s.db_path, built, EXPECTED)
        assert load_raw(s).reparsed == 0  # and a second refresh has nothing to do
