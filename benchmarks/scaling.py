"""Fit measured (N, value) points and extrapolate to N = 1,000,000 for docs/scaling.md.

Two fits, both by least squares: a line ``value = a + b·N`` (fixed start-up cost plus a cost per
report) and a power law ``value = c·N^k`` (a straight line in log-log; ``k`` near 1 means linear,
above 1 means the cost per report grows with N). The extrapolation quoted is the larger of the two,
so a super-linear stage is not hidden by the linear fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    a: float  # linear: intercept
    b: float  # linear: slope per report
    c: float  # power law: factor
    k: float  # power law: exponent

    def linear(self, n: float) -> float:
        return self.a + self.b * n

    def power(self, n: float) -> float:
        return self.c * n**self.k

    def predict(self, n: float) -> float:
        return max(self.linear(n), self.power(n))


def fit(points: list[tuple[float, float]]) -> Fit:
    """Least-squares line and log-log line through ``points`` (at least two distinct N)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    b, a = _line(xs, ys)
    positive = [(x, y) for x, y in points if x > 0 and y > 0]
    if len(positive) >= 2:
        k, log_c = _line([math.log(x) for x, _ in positive], [math.log(y) for _, y in positive])
        c = math.exp(log_c)
    else:
        k, c = 1.0, (b if b > 0 else 0.0)
    return Fit(a, b, c, k)


def _line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return slope, my - slope * mx


def ascii_plot(series: dict[str, list[tuple[float, float, bool]]], unit: str, width: int = 56) -> list[str]:
    """Horizontal bars on a log scale: one line per (N, value, measured?) of each series."""
    values = [v for pts in series.values() for _, v, _ in pts if v > 0]
    if not values:
        return []
    lo, hi = math.log10(min(values)) - 0.3, math.log10(max(values))
    lines = [f"(log scale, {unit}; # measured, + extrapolated)"]
    for name, pts in series.items():
        lines.append(name)
        for n, v, measured in pts:
            length = max(1, round((math.log10(max(v, 1e-9)) - lo) / (hi - lo) * width)) if hi > lo else width
            bar = ("#" if measured else "+") * length
            lines.append(f"  N={n:>9,.0f} |{bar} {v:,.1f}")
    return lines
