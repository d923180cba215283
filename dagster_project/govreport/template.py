"""The official report template, loaded from ``data/template.json`` (the one home of the Chinese labels)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Final

# This module's package (``__package__`` is not yet set while a compiled module is imported).
_PACKAGE: Final = __name__.rpartition(".")[0]
FORMAT_2021: Final = "2021"
FORMAT_2019: Final = "2019"

# Characters kept when labels are compared: CJK ideographs, ASCII letters and digits. Everything
# else (punctuation of either width, quotes, spaces, numbering dots) is layout noise for matching.
_KEEP_RUN: Final = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def match_form(text: str) -> str:
    return "".join(_KEEP_RUN.findall(text))  # runs, not characters: one list item per run


def match_form_with_runs(text: str) -> tuple[str, list[int], list[int]]:
    """Match form of ``text`` and where each of its runs starts, in the form and in ``text``: the
    form's character ``i`` of run ``r`` is ``text[text_starts[r] + i - form_starts[r]]``
    (a number per run, not per character)."""
    chars: list[str] = []
    form_starts: list[int] = []
    text_starts: list[int] = []
    at = 0
    for m in _KEEP_RUN.finditer(text):
        run = m.group()
        chars.append(run)
        form_starts.append(at)
        text_starts.append(m.start())
        at += len(run)
    return "".join(chars), form_starts, text_starts


@lru_cache(maxsize=1)
def digest() -> str:
    """Short digest of the template data (part of the parser version)."""
    import hashlib

    data = resources.files(_PACKAGE).joinpath("data/template.json").read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


@lru_cache(maxsize=1)
def raw() -> dict:
    with resources.files(_PACKAGE).joinpath("data/template.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class Table2Row:
    label: str
    aliases: tuple[str, ...]
    keys: tuple[str, ...]
    signed: frozenset[str]
    amount: bool


@cache
def table3_rows(layout: str) -> list[str]:
    return [r["key"] for r in raw()["table3_rows"] if layout in r["formats"]]


@cache
def table3_columns() -> list[str]:
    return [c["key"] for c in raw()["table3_columns"]]


@cache
def table2_rows(fmt: str) -> list[Table2Row]:
    return [
        Table2Row(
            label=r["label"],
            aliases=tuple(r.get("aliases", [])),
            keys=tuple(c[0] for c in r["cells"]),
            signed=frozenset(r.get("signed", [])),
            amount=bool(r.get("amount")),
        )
        for r in raw()["table2"][fmt]
    ]


@cache
def table2_keys(fmt: str) -> list[str]:
    return [k for row in table2_rows(fmt) for k in row.keys]


@cache
def table4_keys() -> list[str]:
    t4 = raw()["table4"]
    return [f"{b['key']}_{r['key']}" for b in t4["blocks"] for r in t4["results"]]


@cache
def table3_groups() -> dict[str, dict]:
    return {g["group"]: g for g in raw()["table3_groups"]}


@cache
def row_group(key: str) -> str:
    return next(r["group"] for r in raw()["table3_rows"] if r["key"] == key)


# The texts that stand for an empty cell ("-", "/", "无", ...). A constant, not a cached call: the
# parser asks for it several times a report.
PLACEHOLDERS: Final = frozenset(raw()["placeholders"])


def placeholders() -> frozenset[str]:
    return PLACEHOLDERS


@cache
def format_marker_forms(fmt: str) -> tuple[str, ...]:
    """Match forms of the column labels only one of the two formats prints."""
    return tuple(match_form(m) for m in raw()["format_markers"][fmt])
