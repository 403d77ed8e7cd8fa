"""The numeric axes of the HTML report's plots: round bounds and ticks, linear or in decades.

A tick's label is SVG markup already (a power of ten is written 10 with a
raised exponent), for svg_plots.py to place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A numeric axis: its bounds (in decades when `log`) and its ticks (value, label)."""

    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]
    log: bool = False

    def fraction(self, value: float) -> float:
        """Where `value` falls, 0 at `low` and 1 at `high`."""
        value = math.log10(value) if self.log else value
        return (value - self.low) / (self.high - self.low)


def short(value: float) -> str:
    """A number for a reader: 4 significant digits, exponents unpadded (2.073e-5)."""
    return f"{value:.4g}".replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")

def power_of_ten(exponent: int) -> str:
    return f'10<tspan dy="-5" font-size="9">{exponent}</tspan>'


def nice_step(span: float, count: int, steps=(1, 2, 2.5, 5, 10)) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) cutting `span` into about `count` parts."""
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in steps if raw <= m * power * (1 + 1e-9))


def linear_scale(low: float, high: float) -> Scale:
    """Round bounds around [low, high], about five ticks."""
    if high - low <= 1e-12 * max(abs(low), abs(high)):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, 5)
    start, end = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    # as many decimals as the step has, one more for 2.5 times a power of ten
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (f"{step:.1e}"[2] == "5")
    ticks = [start + i * step for i in range(round((end - start) / step) + 1)]
    if decimals > 6 or max(abs(start), abs(end)) >= 1e6:
        return Scale(start, end, tuple((t, short(t)) for t in ticks))
    return Scale(start, end, tuple((t, f"{t + 0.0:.{decimals}f}") for t in ticks))


def log_scale(low: float, high: float) -> Scale:
    """Whole decades around [low, high] (both > 0), at most eight labelled."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    last = max(last, first + 1)
    every = math.ceil((last - first + 1) / 8)
    return Scale(
        first, last, tuple((10.0**d, power_of_ten(d)) for d in range(first, last + 1, every)), log=True
    )


def value_scale(values: list[float]) -> Scale:
    """Log when every value is positive and they span more than two decades, else linear."""
    low, high = min(values), max(values)
    return log_scale(low, high) if low > 0 and high / low > 100 else linear_scale(low, high)


def iteration_scale(count: int) -> Scale:
    """Iterations 1 to `count`, about eight whole-number ticks."""
    if count < 2:
        return Scale(0, 2, ((1, "1"),))
    step = max(1, round(nice_step(count - 1, 8, (1, 2, 5, 10))))
    return Scale(1, count, tuple((i, str(i)) for i in sorted({1, *range(step, count + 1, step)})))
