"""Progress on long work: counts, rate and time left on a terminal; silent in CI and when piped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dagster_project import progress
from dagster_project.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "raw").glob("0*_*.txt"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_describe_gives_counts_rate_and_time_left():
    assert progress.describe("parse", 120, 500, 3.0) == "parse: 120/500 files, 40.0/s, 0:10 left"
    assert progress.describe("parse", 500, 500, 10.0) == "parse: 500/500 files, 50.0/s"
    assert progress.describe("parse", 0, 500, 0.1) == "parse: 0/500 files"
    assert progress.describe("parse", 10, 100_000, 1.0).endswith("2:46:39 left")
    assert progress.describe("publish", 0, 1, 1.0) == "publish ..."


@pytest.mark.parametrize(
    ("env", "tty", "shown"),
    [({}, True, True), ({}, False, False), ({"CI": "true"}, True, False), ({"TERM": "dumb"}, True, False),
     ({"GOVREPORT_PROGRESS": "0"}, True, False), ({"GOVREPORT_PROGRESS": "1", "CI": "1"}, False, True)],
)  # fmt: skip
def test_shown_only_on_a_terminal_outside_ci(monkeypatch, env, tty, shown):
    for name in ("CI", "TERM", "GOVREPORT_PROGRESS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert progress.wanted(Terminal() if tty else io.StringIO()) is shown


def test_the_bar_redraws_one_line_and_erases_it(monkeypatch):
    monkeypatch.setattr(progress, "FIRST_DRAW_SECONDS", 0.0)
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    out = Terminal()
    bar = progress.Bar(out, enabled=True)
    for done in range(1, 4):
        bar.update("parse", done, 3)
    bar.close()
    text = out.getvalue()
    assert "\n" not in text and text.count("\r") >= 4
    assert "parse: 3/3 files" in text and text.endswith("\r")


def test_a_quick_run_draws_nothing():
    out = Terminal()
    bar = progress.Bar(out, enabled=True)
    bar.update("parse", 1, 1000)  # under half a second in: not worth a line yet
    bar.close()
    assert out.getvalue() == ""


def test_log_lines_are_throttled_but_the_last_count_is_logged():
    lines: list[str] = []
    every = progress.LogEvery(lines.append, "parse", seconds=3600)
    for done in range(0, 101):
        every(done, 100)
    assert lines[0] == "parse: 0/100 files" and lines[-1].startswith("parse: 100/100 files")
    assert len(lines) == 2


def test_govreport_parse_shows_progress_on_stderr_and_records_on_stdout(monkeypatch, capsys):
    monkeypatch.setattr(progress, "FIRST_DRAW_SECONDS", 0.0)
    assert main(["parse", "--no-provenance", "--progress", *map(str, SEEDS)]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == len(SEEDS)
    assert f"parse: {len(SEEDS)}/{len(SEEDS)} files" in err and "{" not in err
    # Without --progress, stderr that is not a terminal (here a capture, in CI a log) stays empty.
    assert main(["parse", "--no-provenance", str(SEEDS[0])]) == 0
    assert capsys.readouterr().err == ""
