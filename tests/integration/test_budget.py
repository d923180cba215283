"""Every file is parsed under a time and a memory budget: a bomb is stopped, quarantined as over_budget
with what it exceeded, and the other files load as if it were not there. The bombs are crafted here,
small on disk (a 204 KB PDF, a 330 KB DOCX, a 2 MB HTML page), and parsed by the real worker pool."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse.load import load_raw

from .conftest import SEEDS


def pdf_bomb(inflated_mb: int = 200) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of ``0 `` operands."""
    deflate = zlib.compressobj(9)
    chunk = b"0 " * (1 << 19)
    stream = b"".join(deflate.compress(chunk) for _ in range(inflated_mb)) + deflate.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bomb(paragraphs: int = 3_000_000) -> bytes:
    """A DOCX whose document.xml inflates to ~100 MB of paragraphs (a zip bomb for the XML parser)."""
    import docx

    document = docx.Document()
    document.add_paragraph("x")
    base = io.BytesIO()
    document.save(base)
    source = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item))
                continue
            head, rest = source.read(item).split(b"<w:body>")
            with target.open(item.filename, "w") as fh:
                fh.write(head + b"<w:body>")
                block = b"<w:p><w:r><w:t>0</w:t></w:r></w:p>" * 1000
                for _ in range(paragraphs // 1000):
                    fh.write(block)
                fh.write(b"<w:sectPr/></w:body>" + rest.split(b"</w:body>", 1)[1])
    return out.getvalue()


def html_bomb(rows: int = 400_000) -> bytes:
    """An 8 MB page of table rows: cheap in memory, slow to turn into a tree and walk (about 20 s
    here; 100,000 rows took 4.9 s, too close to the 5 s budget the test sets)."""
    return b"<html><body><table>" + b"<tr><td>1</td></tr>" * rows + b"</table></body></html>"


def reports(settings) -> dict[str, tuple]:
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        rows = con.execute(
            "select file_name, status, quarantine_reason, quarantine_message from raw.reports"
        ).fetchall()
        cells = con.execute(
            "select r.file_name, list(c.value order by c.table_name, c.row_key, c.col_key) "
            "from raw.report_cells c join raw.reports r using (report_id) group by 1"
        ).fetchall()
    finally:
        con.close()
    values = dict(cells)
    return {name: (status, reason, message, values.get(name)) for name, status, reason, message in rows}


@pytest.fixture(scope="module")
def seeds_alone(tmp_path_factory) -> dict[str, tuple]:
    """The seed reports loaded without any bomb beside them: what they must still give."""
    from dagster_project.warehouse.settings import Settings

    tmp = tmp_path_factory.mktemp("seeds_alone")
    raw = tmp / "raw"
    raw.mkdir()
    for seed in SEEDS:
        (raw / seed.name).write_bytes(seed.read_bytes())
    settings = Settings(db_path=tmp / "wh" / "warehouse.duckdb", raw_dir=raw)
    load_raw(settings)
    return reports(settings)


def _assert_seeds_unchanged(got: dict, seeds_alone: dict) -> None:
    for seed in SEEDS:
        assert got[seed.name] == seeds_alone[seed.name]
        assert got[seed.name][0] == "parsed"


def test_memory_bombs_are_stopped_at_the_memory_budget(settings, raw_dir, seeds_alone):
    # Named to be parsed first: both workers are lost to bombs, new ones parse the reports.
    (raw_dir / "a_bomb.pdf").write_bytes(pdf_bomb())
    (raw_dir / "a_bomb.docx").write_bytes(docx_bomb())
    budgeted = replace(settings, parse_memory_mb=256, parse_seconds=300)  # the time limit only guards

    summary = load_raw(budgeted)

    assert summary.quarantined == {"over_budget": 2}
    got = reports(budgeted)
    for bomb in ("a_bomb.pdf", "a_bomb.docx"):
        status, reason, message, _ = got[bomb]
        assert (status, reason) == ("quarantined", "over_budget")
        assert "256 MB memory budget (GOVREPORT_PARSE_MEMORY_MB)" in message
    _assert_seeds_unchanged(got, seeds_alone)


def test_slow_files_are_killed_at_the_time_budget(settings, raw_dir, seeds_alone):
    (raw_dir / "a_bomb.pdf").write_bytes(pdf_bomb())
    (raw_dir / "a_huge.html").write_bytes(html_bomb())
    budgeted = replace(settings, parse_seconds=5, parse_memory_mb=None)

    summary = load_raw(budgeted)

    assert summary.quarantined == {"over_budget": 2}
    got = reports(budgeted)
    for bomb in ("a_bomb.pdf", "a_huge.html"):
        status, reason, message, _ = got[bomb]
        assert (status, reason) == ("quarantined", "over_budget")
        assert "5 s time budget (GOVREPORT_PARSE_TIMEOUT); the worker was killed" in message
    _assert_seeds_unchanged(got, seeds_alone)
    # Over budget is retried by the next refresh (the budget or the machine's load may differ).
    assert load_raw(budgeted).reparsed == 2


def test_govreport_parse_honours_the_budget(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_bomb())
    govreport = Path(sys.executable).parent / "govreport"
    proc = subprocess.run(
        [str(govreport), "parse", "--no-provenance", str(bomb), str(SEEDS[0])],
        env=dict(os.environ, GOVREPORT_PARSE_MEMORY_MB="256", GOVREPORT_PARSE_TIMEOUT="300"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr  # both files were read: whatever they held, status 0
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["status"] == "over_budget"
    assert "256 MB memory budget" in first["issues"][0]["message"]
    assert second["status"] == "parsed" and second["file"] == SEEDS[0].name
