"""Accuracy of the parser against hand-checked gold records, cell by cell.

The same rules as ``shared/tools/score.py``: every gold cell counts, nulls included; a cell the gold
lists under ``unresolvable`` also accepts null. On top of that, every cell is classified by the
status the parser gave it (``read``, ``inferred``, ``blank``, ``undetermined``, ``absent``), so the
benchmark can show how many numbers came straight off the page and how many the identities chose.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.govreport.parse import parse_file


def cells(record: dict) -> dict[str, object]:
    out: dict[str, object] = {"agency": record.get("agency"), "year": record.get("year")}
    out.update({f"t2.{k}": v for k, v in (record.get("table2") or {}).items()})
    for key, values in (record.get("table3") or {}).items():
        out.update({f"t3.{key}[{i}]": v for i, v in enumerate(values or [])})
    out.update({f"t4.{k}": v for k, v in (record.get("table4") or {}).items()})
    return out


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) < 1e-9
    return str(a).strip() == str(b).strip()


@dataclass
class FileScore:
    file: str
    cells: int = 0
    exact: int = 0
    wrong: list[tuple[str, object, object]] = field(default_factory=list)  # (cell, want, got)
    missed: list[tuple[str, object]] = field(default_factory=list)  # (cell, want)
    statuses: Counter = field(default_factory=Counter)  # status of the exact numeric cells

    @property
    def pct(self) -> float:
        return 100.0 * self.exact / self.cells if self.cells else 0.0


@dataclass
class CorpusScore:
    files: list[FileScore] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return sum(f.cells for f in self.files)

    @property
    def exact(self) -> int:
        return sum(f.exact for f in self.files)

    @property
    def wrong(self) -> int:
        return sum(len(f.wrong) for f in self.files)

    @property
    def missed(self) -> int:
        return sum(len(f.missed) for f in self.files)

    @property
    def pct(self) -> float:
        return 100.0 * self.exact / self.cells if self.cells else 0.0

    def statuses(self) -> Counter:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.statuses)
        return total


def score_file(gold: dict, raw_path: Path) -> FileScore:
    result = parse_file(raw_path)
    pred = result.record or {}
    status = {cid: src.status for cid, src in result.provenance.items()}
    want, got = cells(gold), cells(pred)
    loose = set(gold.get("unresolvable", []))
    score = FileScore(gold["file"])
    for key, value in want.items():
        score.cells += 1
        mine = got.get(key)
        if same(value, mine) or (key in loose and mine is None):
            score.exact += 1
            score.statuses[status.get(key) or "metadata"] += 1
        elif mine is not None:
            score.wrong.append((key, value, mine))
        else:
            score.missed.append((key, value))
    return score


def score_dir(gold_dir: Path, raw_dir: Path) -> CorpusScore:
    """Score every gold record in ``gold_dir`` against its raw file in ``raw_dir``."""
    out = CorpusScore()
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        out.files.append(score_file(gold, raw_dir / gold["file"]))
    return out
