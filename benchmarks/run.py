"""``make bench``: parse throughput, full and incremental refresh, accuracy; rewrites docs/benchmarks.md.

Usage: python -m benchmarks.run [--sizes 1000,10000] [--full]   (--full adds N=100,000)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb
import psutil

from benchmarks.accuracy import score_dir
from benchmarks.corpus import generate, make_record
from dagster_project.dbt_project import DBT_DIR, dbt_env, dbt_executable
from dagster_project.govreport.parse import PARSER_VERSION, parse_bytes
from dagster_project.govreport.render import render_text
from dagster_project.quality import gx_suites
from dagster_project.warehouse.load import load_raw
from dagster_project.warehouse.publisher import publish
from dagster_project.warehouse.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
TARGETS = {
    "parse_rps": 1000,
    "full_refresh_s_100k": 300,
    "peak_gb_100k": 4,
    "incremental_s": 20,
    "floor_ratio": 10,
}
_NUMBER = re.compile(rb"\d+")


class PeakMemory:
    """Peak RSS of this process and its children, sampled every 100 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                procs = [me, *me.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    n: int
    mb: float = 0.0
    floor_s: float = 0.0
    parse_s: float = 0.0
    cells: int = 0
    cells_exact: int = 0
    loose_null: int = 0
    undetermined: int = 0  # NULL where the truth has a value the renderer's oracle did not mark
    by_status: dict = field(default_factory=dict)  # status of the exact cells
    reports_flagged: int = 0
    wrong_examples: list = field(default_factory=list)
    stages: dict = field(default_factory=dict)
    peaks: dict = field(default_factory=dict)
    incremental: dict = field(default_factory=dict)


def _floor(path: str) -> int:
    return len(_NUMBER.findall(Path(path).read_bytes()))


def _parse(path: str) -> dict:
    p = Path(path)
    r = parse_bytes(p.read_bytes(), p.name)
    status = {cid: src.status for cid, src in r.provenance.items()}
    return {"file": p.name, "record": r.record, "codes": sorted({i.code for i in r.issues}), "status": status}


def _pool_map(fn, paths: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        out = list(pool.map(fn, paths, chunksize=64))
    return time.perf_counter() - start, out


def _cells(rec: dict) -> dict:
    out = {"agency": rec.get("agency"), "year": rec.get("year")}
    out.update({f"t2.{k}": v for k, v in (rec.get("table2") or {}).items()})
    out.update({f"t3.{k}[{i}]": v for k, row in (rec.get("table3") or {}).items() for i, v in enumerate(row)})
    out.update({f"t4.{k}": v for k, v in (rec.get("table4") or {}).items()})
    return out


def accuracy(result: Result, parsed: list[dict], truth_path: Path) -> None:
    truth = {json.loads(line)["file"]: json.loads(line) for line in truth_path.open(encoding="utf-8")}
    flag_codes = {"ambiguous_segmentation", "unsplittable_digit_run", "identity_s1_fail", "identity_s2_fail",
                  "identity_s3_fail", "identity_s4_fail"}  # fmt: skip
    for p in parsed:
        want = truth[p["file"]]
        got = _cells(p["record"] or {})
        loose = set(want.get("unresolvable", []))
        result.reports_flagged += bool(flag_codes & set(p["codes"]))
        for k, v in _cells(want).items():
            result.cells += 1
            g = got.get(k)
            if g == v or (isinstance(g, float | int) and isinstance(v, float | int) and abs(g - v) < 1e-9):
                result.cells_exact += 1
                status = p["status"].get(k, "metadata")
                result.by_status[status] = result.by_status.get(status, 0) + 1
            elif k in loose and g is None:
                result.loose_null += 1
            elif g is None:
                # A crawl layout the oracle cannot judge (collapsed lines, spaced runs): the parser left
                # the cell NULL and flagged it rather than guess.
                result.undetermined += 1
            elif len(result.wrong_examples) < 5:
                result.wrong_examples.append((p["file"], want.get("layout"), k, v, g))


def _timed(result: Result, stage: str, fn):
    with PeakMemory() as mem:
        start = time.perf_counter()
        value = fn()
        result.stages[stage] = time.perf_counter() - start
    result.peaks[stage] = mem.peak
    return value


def _dbt_build(settings: Settings) -> None:
    env = dbt_env() | {"GOVREPORT_DB": str(settings.db_path)}
    subprocess.run([dbt_executable(), "build", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
                   check=True, env=env, cwd=DBT_DIR)  # fmt: skip


def _validate(settings: Settings) -> None:
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        for name in gx_suites.suite_names():
            gx_suites.validate(con, name)
    finally:
        con.close()


def refresh_stages(result: Result, settings: Settings, prefix: str = "") -> None:
    _timed(result, prefix + "parse+load", lambda: load_raw(settings))
    _timed(result, prefix + "dbt build", lambda: _dbt_build(settings))
    _timed(result, prefix + "GX validation", lambda: _validate(settings))
    _timed(result, prefix + "publish", lambda: publish(settings, ("raw", "main_marts")))


def bench(n: int) -> Result:
    result = Result(n)
    corpus = generate(OUT / f"corpus_{n}", n)
    paths = sorted(str(p) for p in (corpus / "raw").glob("*.txt"))
    result.mb = sum(Path(p).stat().st_size for p in paths) / 1e6
    result.floor_s, _ = _pool_map(_floor, paths)
    result.parse_s, parsed = _pool_map(_parse, paths)
    accuracy(result, parsed, corpus / "truth.jsonl")
    del parsed
    work = OUT / f"warehouse_{n}"
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(db_path=work / "warehouse.duckdb", raw_dir=corpus / "raw")
    refresh_stages(result, settings)
    # Incremental: one new report added to the N-report warehouse.
    import random

    extra = corpus / "raw" / "zz_new_report.txt"
    extra.write_text(render_text(make_record(random.Random(n), n), "pipe_rows"), encoding="utf-8")
    try:
        inc = Result(n)
        refresh_stages(inc, settings)
        result.incremental["stages"] = inc.stages
        env = dict(os.environ, GOVREPORT_DB=str(settings.db_path), GOVREPORT_RAW=str(settings.raw_dir),
                   DAGSTER_HOME=str(work / "dagster_home"))  # fmt: skip
        extra.write_text(extra.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed again
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "govreport"), "refresh"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        result.incremental["govreport_refresh_s"] = time.perf_counter() - start
    finally:
        extra.unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return result


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    versions = {p: metadata.version(p) for p in ("duckdb", "dagster", "dbt-core", "dbt-duckdb", "great-expectations",
                                                  "polars", "pyarrow", "opencc")}  # fmt: skip
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "versions": versions}  # fmt: skip


def _verdict(rps: float) -> str:
    target = TARGETS["parse_rps"]
    return "met" if rps >= target else f"missed by {target / rps:.1f}×"


def _gb(b: int) -> str:
    return f"{b / 2**30:.2f} GB"


def render_doc(results: list[Result], info: dict) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand — see the notes at the end.",
        "",
        f"- date: {date}",
        f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, Python {info['python']}",
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f", parser {PARSER_VERSION}",
        "- corpus: `benchmarks/corpus.py` (seed 20261122): both formats, all six text layouts, FORMAT_SPEC §9 "
        "deviations at fixed rates",
        "",
        "## Parse throughput (all cores)",
        "",
        "| N | MB | parse s | reports/s | MB/s | floor s (read + one regex scan) | parse / floor | target ≥ 1,000 reports/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rps = r.n / r.parse_s
        lines.append(f"| {r.n:,} | {r.mb:.1f} | {r.parse_s:.1f} | {rps:,.0f} | {r.mb / r.parse_s:.2f} | "
                     f"{r.floor_s:.2f} | {r.parse_s / r.floor_s:.0f}× | "
                     f"{_verdict(rps)} |")  # fmt: skip
    lines += [
        "",
        "## Full refresh (wall time and peak memory by stage)",
        "",
        "Parsing and loading overlap (worker processes parse while the main process writes batches); the",
        "parse column is the parse-only run above, load is the remainder.",
        "",
        "| N | parse+load | of which parse | of which load | dbt build | GX validation | publish | total | peak memory |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.stages
        total = sum(s.values())
        load = max(s["parse+load"] - r.parse_s, 0.0)
        lines.append(f"| {r.n:,} | {s['parse+load']:.1f} s | {r.parse_s:.1f} s | {load:.1f} s | {s['dbt build']:.1f} s | "
                     f"{s['GX validation']:.1f} s | {s['publish']:.1f} s | {total:.1f} s | {_gb(max(r.peaks.values()))} |")  # fmt: skip
    lines += ["", "## Incremental refresh (one new report into the N-report warehouse)", "",
              "| N | parse+load | dbt build | GX validation | publish | `govreport refresh` end to end (Dagster) | target ≤ 20 s |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        s = r.incremental["stages"]
        e2e = r.incremental["govreport_refresh_s"]
        lines.append(
            f"| {r.n:,} | {s['parse+load']:.1f} s | {s['dbt build']:.1f} s | {s['GX validation']:.1f} s | "
            f"{s['publish']:.1f} s | {e2e:.1f} s | {'met' if e2e <= 20 else f'missed by {e2e / 20:.1f}×'} |"
        )
    return "\n".join(lines + accuracy_lines(results)) + "\n"


def accuracy_lines(results: list[Result]) -> list[str]:
    lines = ["", "## Accuracy on the generated corpus", "",
              "Exact cells by status: `read` (the layout decides), `inferred` (the identities chose the only "
              "consistent reading), `blank`. Undetermined: NULL and flagged where the text does not decide.", "",
              "| N | cells | exact | read | inferred | blank | undetermined (NULL, flagged) | wrong | reports flagged |",
              "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        wrong = r.cells - r.cells_exact - r.loose_null - r.undetermined
        st = r.by_status
        lines.append(f"| {r.n:,} | {r.cells:,} | {100 * r.cells_exact / r.cells:.3f}% | {st.get('read', 0):,} | "
                     f"{st.get('inferred', 0):,} | {st.get('blank', 0):,} | {r.loose_null + r.undetermined:,} | "
                     f"{wrong:,} | {r.reports_flagged:,} |")  # fmt: skip
    lines += real_accuracy_lines()
    examples = [e for r in results for e in r.wrong_examples]
    if examples:
        lines += ["", "Wrong cells (first examples): " + "; ".join(str(e) for e in examples[:5])]
    return lines


def accuracy_only(sizes: list[int]) -> int:
    """Recompute only the accuracy sections of docs/benchmarks.md (parse the generated corpus and the
    real reports; no refresh), leaving the timing tables of the last full run in place."""
    results = []
    for n in sizes:
        result = Result(n)
        corpus = generate(OUT / f"corpus_{n}", n)
        paths = sorted(str(p) for p in (corpus / "raw").glob("*.txt"))
        _, parsed = _pool_map(_parse, paths)
        accuracy(result, parsed, corpus / "truth.jsonl")
        results.append(result)
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split("\n## Accuracy on the generated corpus", 1)
    notes = rest.split("<!-- notes -->", 1)[1]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [*accuracy_lines(results), "", f"(accuracy sections recomputed {date} with `--accuracy-only`)"]
    body = "\n".join(section).strip("\n")
    DOC.write_text(head.rstrip("\n") + "\n\n" + body + "\n\n<!-- notes -->" + notes, encoding="utf-8")
    print("\n".join(section))
    return 0


def real_accuracy_lines() -> list[str]:
    """Accuracy on the real reports kept in ``tests/fixtures/real`` (and the seeds), against gold."""
    root = Path(__file__).resolve().parents[1]
    real = root / "tests" / "fixtures" / "real"
    corpora = [("seeds", root / "tests" / "fixtures" / "gold", root / "raw"), ("real PDFs", real, real)]
    corpora += [(p.name, p / "gold", p) for p in sorted(real.iterdir()) if (p / "gold").is_dir()]
    lines = ["", "## Accuracy on real reports (hand-checked gold)", "",
             "The crawled portals of `tests/fixtures/real/` (copies of `../shared/real/`): flat fused digits, "
             "spaced runs, one cell per line with split labels, collapsed lines, source errors. A NULL counts "
             "as exact only where the gold marks the cell unresolvable.", "",
             "| corpus | files | cells | exact | read | inferred | blank | undetermined (NULL, flagged) | wrong | files exact |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, gold, raw in corpora:
        score = score_dir(gold, raw)
        st = score.statuses()
        exact_files = sum(1 for f in score.files if f.exact == f.cells)
        lines.append(f"| {name} | {len(score.files)} | {score.cells:,} | {score.pct:.2f}% | {st.get('read', 0):,} | "
                     f"{st.get('inferred', 0):,} | {st.get('blank', 0):,} | "
                     f"{st.get('undetermined', 0) + score.missed:,} | {score.wrong} | {exact_files}/{len(score.files)} |")  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--full", action="store_true", help="add N=100,000")
    ap.add_argument("--accuracy-only", action="store_true", help="recompute only the accuracy sections")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.full:
        sizes.append(100_000)
    if args.accuracy_only:
        return accuracy_only(sizes)
    results = []
    for n in sizes:
        print(f"benchmark N={n:,} …", flush=True)
        results.append(bench(n))
    doc = render_doc(results, machine())
    notes = DOC.read_text(encoding="utf-8").split("<!-- notes -->", 1)[1] if DOC.exists() and "<!-- notes -->" in DOC.read_text(encoding="utf-8") else "\n"  # fmt: skip
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(doc + "\n<!-- notes -->" + notes, encoding="utf-8")
    print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
