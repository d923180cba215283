"""Progress of long work: done / total, rate and time left, on a terminal and in the Dagster logs.

- ``Bar`` redraws one line on a terminal (``\\r``), at most a few times a second and only once the
  work has run for half a second (a quick run prints nothing). It stays silent when the stream is
  not a terminal (piped, redirected, a log file), when ``CI`` is set, or with ``GOVREPORT_PROGRESS=0``;
  ``GOVREPORT_PROGRESS=1`` forces it on.
- ``LogEvery`` turns the same counts into a log line every few seconds (the Dagster run's logs).
- ``report`` is how the refresh's steps tell ``govreport refresh`` where they are: the command installs
  a bar with ``terminal``; in the Dagster UI nothing is installed and only the logs show the counts.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

REDRAW_SECONDS = 0.2
FIRST_DRAW_SECONDS = 0.5
LOG_SECONDS = 5.0


def wanted(stream: TextIO) -> bool:
    """Draw progress on ``stream``? Only on a terminal, never in CI (``GOVREPORT_PROGRESS`` overrides)."""
    forced = os.environ.get("GOVREPORT_PROGRESS", "").strip().lower()
    if forced in ("0", "no", "never", "false"):
        return False
    if forced in ("1", "yes", "always", "true"):
        return True
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def describe(stage: str, done: int, total: int | None, elapsed: float, unit: str = "files") -> str:
    """``parse: 120/500 files, 40.1/s, 0:09 left`` (rate and time left once they mean something)."""
    if total == 1:  # a single step: its name says it all
        return f"{stage} ..." if done < total else f"{stage}: done"
    text = f"{stage}: {done}/{total} {unit}" if total else f"{stage}: {done} {unit}"
    if done and elapsed > 0:
        rate = done / elapsed
        text += f", {rate:.1f}/s"
        if total and done < total:
            text += f", {_clock((total - done) / rate)} left"
    return text


class Bar:
    """One self-overwriting line on a terminal; does nothing when ``enabled`` is false."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self._stage: str | None = None
        self._start = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, stage: str, done: int, total: int | None = None, unit: str = "files") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._start = stage, now
        finished = total is not None and done >= total
        if now - self._start < FIRST_DRAW_SECONDS and not (finished and self._width):
            return
        if now - self._last < REDRAW_SECONDS and not finished:
            return
        self._last = now
        self._draw(describe(stage, done, total, now - self._start, unit))

    def _draw(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Erase the line, so what is printed next starts clean."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


class LogEvery:
    """Counts as a log line at most every ``seconds`` (and always for the last one)."""

    def __init__(
        self, log: Callable[[str], None], stage: str, unit: str = "files", seconds: float = LOG_SECONDS
    ):
        self.log, self.stage, self.unit, self.seconds = log, stage, unit, seconds
        self._start = time.monotonic()
        self._last: float | None = None

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        last = total is not None and done >= total
        if last or self._last is None or now - self._last >= self.seconds:
            self._last = now
            self.log(describe(self.stage, done, total, now - self._start, self.unit))


_sinks: list[Callable[[str, int, int | None, str], None]] = []


def report(stage: str, done: int, total: int | None = None, unit: str = "files") -> None:
    """Tell whoever installed a sink (``govreport refresh`` on a terminal) how far ``stage`` is."""
    for sink in _sinks:
        sink(stage, done, total, unit)


@contextlib.contextmanager
def terminal(stream: TextIO | None = None) -> Iterator[Bar]:
    """Show the refresh's steps on ``stream`` (stderr) while the block runs, when it is a terminal."""
    bar = Bar(stream)
    _sinks.append(bar.update)
    try:
        yield bar
    finally:
        _sinks.remove(bar.update)
        bar.close()
