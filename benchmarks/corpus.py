"""Deterministic corpus generator: N realistic report files with known truth.

Reuses the parser's round-trip renderer (``govreport.render``) for every text layout, draws numbers
the way real reports look (mostly 0, a few large), and applies the real-world deviations of
FORMAT_SPEC §9 at fixed rates. The truth of each file is its canonical record; cells that a fused
digit run cannot determine are listed under ``unresolvable`` (the scorer's convention).
"""

from __future__ import annotations

import json
import os
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dagster_project.govreport import segment, template
from dagster_project.govreport.render import CRAWL_LAYOUTS, LAYOUTS, fused_rows, render_text

AGENCY_PARTS = (
    ["北京市", "上海市", "大同市", "瑞金市", "招远市", "忻州市", "淮安市", "赣州市", "平潭", "沭阳县", "宿迁市", "徐州市"],
    ["", "洪泽区", "经开区", "城关镇", "高新区", "新城区"],
    ["人民政府", "人民政府办公室", "民政局", "交通运输局", "生态环境局", "财政局", "教育局", "卫生健康委员会"],
)  # fmt: skip
# Label variants that real reports use; each keeps the truth unchanged (FORMAT_SPEC §9.6).
TYPOS = [("本年制发件数", "本年发件"), ("7.属于行政执法案卷", "7.属于行政执法案件"), ("商业企业", "商业 企业"),
         ("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")]  # fmt: skip
RATES = {"natural_person_only": 0.15, "blank_table2_cell": 0.05, "typo": 0.2, "identity_break": 0.03,
         "format_2019": 0.15, "hybrid_layout": 0.05}  # fmt: skip


def _count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.6:
        return 0
    if r < 0.9:
        return rng.randint(1, 9)
    if r < 0.99:
        return rng.randint(10, 300)
    return rng.randint(1000, 50000)


def make_record(rng: random.Random, i: int) -> dict:
    fmt = "2019" if rng.random() < RATES["format_2019"] else "2021"
    layout = fmt if fmt == "2019" or rng.random() >= RATES["hybrid_layout"] else "2019"
    year = rng.randint(2019, 2020) if fmt == "2019" else rng.randint(2021, 2025)
    # Distinct agencies (one report each), named with ten-stem characters so no digit touches the year.
    serial = "".join("甲乙丙丁戊己庚辛壬癸"[int(d)] for d in f"{i:06d}")
    city, district, dept = (rng.choice(p) for p in AGENCY_PARTS)
    agency = f"{city}{district}{serial}{dept}"
    t2 = {}
    for spec in template.table2_rows(fmt):
        for key in spec.keys:
            if key.endswith("items_change"):
                t2[key] = rng.randint(-20, 20)
            elif key.endswith("_yuan"):
                t2[key] = round(rng.random() * 50000, 2) if rng.random() < 0.3 else 0
            else:
                t2[key] = _count(rng) * (100 if key.endswith("decisions") and rng.random() < 0.2 else 1)
            if rng.random() < RATES["blank_table2_cell"]:
                t2[key] = None
    keys = template.table3_rows(layout)
    results = [k for k in keys if template.row_group(k) not in ("received", "total", "carried_forward")]
    cols = []
    for c in range(6):
        active = c == 0 or rng.random() < 0.2
        col = {k: (_count(rng) if active and rng.random() < 0.4 else 0) for k in results}
        total = sum(col.values())
        fwd = rng.randint(0, 5) if active else 0
        over = rng.randint(0, min(total + fwd, 5)) if active else 0
        col.update(
            total_processed=total, carried_forward=fwd, carried_over=over, new_received=total + fwd - over
        )
        cols.append(col)
    t3 = {k: [col[k] for col in cols] + [sum(col[k] for col in cols)] for k in keys}
    if rng.random() < RATES["natural_person_only"]:
        t3 = {k: [v[0]] + [None] * 6 for k, v in t3.items()}
    if rng.random() < RATES["identity_break"]:
        t3["total_processed"][0] = (t3["total_processed"][0] or 0) + 1  # a source error, kept as printed
    t4 = {}
    for block in ("review", "litigation_direct", "litigation_after_review"):
        parts = [rng.choice([0, 0, 0, 1, 2, 5]) for _ in range(4)]
        t4.update(
            {
                f"{block}_{r}": v
                for r, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True)
            }
        )
        t4[f"{block}_total"] = sum(parts)
    return {"file": f"r{i:07d}.txt", "agency": agency, "year": year, "format": fmt, "table2": t2, "table3": t3,
            "table4": t4}  # fmt: skip


def unresolvable(record: dict) -> list[str]:
    """Cells of the flat layout's fused runs that have more than one reading (row-local)."""
    out: list[str] = []
    for key, values in fused_rows(record).items():
        run = "".join(str(v) for v in values)
        if key.startswith("t2:"):
            ks = key[3:].split(",")
            flags = [k.endswith("items_change") for k in ks]
            pts = [k.endswith("_yuan") for k in ks]
            readings = segment.candidates(run, len(ks), None, signed=flags, decimals=pts)
            ids = [f"t2.{k}" for k in ks]
        elif key.startswith("t3:"):
            readings = segment.candidates(run, 7, segment.row_sum_ok)
            ids = [f"t3.{key[3:]}[{i}]" for i in range(7)]
        else:
            readings = segment.candidates(run, 15, segment.table4_ok)
            ids = [f"t4.{k}" for k in template.table4_keys()]
        if readings.unique is None:
            out.extend(ids)
    return out


# Each report draws from its own generator (seeded by the corpus seed and its index), so the corpus
# of N reports is the first N reports of any larger one and chunks are written in parallel.
GENERATOR = "per-report seeds v2"
CHUNK = 2000


def _report(seed: int, i: int) -> tuple[str, str, dict]:
    """(file name, text, truth) of report ``i``."""
    rng = random.Random(f"{seed}:{i}")
    record = make_record(rng, i)
    layout = rng.choice(LAYOUTS + CRAWL_LAYOUTS)
    text = render_text(record, layout, rng)
    if rng.random() < RATES["typo"]:
        old, new = rng.choice(TYPOS)
        text = text.replace(old, new)
    if layout in ("flat", "traditional"):  # traditional may wrap the flat layout
        record["unresolvable"] = unresolvable(record)
    record["layout"] = layout
    return record["file"], text, record


def _write_chunk(files: Path, seed: int, start: int, stop: int) -> list[str]:
    """Write reports ``start`` to ``stop - 1``; return their truth lines."""
    lines = []
    for i in range(start, stop):
        name, text, record = _report(seed, i)
        (files / name).write_text(text, encoding="utf-8")
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return lines


def stamp_text(n: int, seed: int) -> str:
    return f"{GENERATOR}; seed {seed}; n {n}; layouts {','.join(LAYOUTS + CRAWL_LAYOUTS)}\n"


def generate(out_dir: Path, n: int, seed: int = 20261122, workers: int | None = None) -> Path:
    """Write ``n`` report files and ``truth.jsonl`` into ``out_dir``; reused when its stamp matches.

    The stamp (``corpus.stamp``: generator, seed, size, layouts) is written last, so an interrupted
    run is made again. Chunks of reports are rendered in worker processes (all cores by default).
    """
    stamp = out_dir / "corpus.stamp"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == stamp_text(n, seed):
        return out_dir
    stamp.unlink(missing_ok=True)
    files = out_dir / "raw"
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    bounds = [(start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]
    with (
        ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool,
        (out_dir / "truth.jsonl").open("w", encoding="utf-8") as truth,
    ):
        futures = [pool.submit(_write_chunk, files, seed, start, stop) for start, stop in bounds]
        for future in futures:  # in order: truth.jsonl lists the reports by index
            truth.writelines(future.result())
    stamp.write_text(stamp_text(n, seed), encoding="utf-8")
    return out_dir


if __name__ == "__main__":  # python -m benchmarks.corpus OUT_DIR N
    import sys

    print(generate(Path(sys.argv[1]), int(sys.argv[2])))
