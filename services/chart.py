"""The digest's chart: each unit's percent of its members' target as bars, and a line at the
percent an even pace would have reached by now. Matplotlib's Agg backend: no display needed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

NAME_WIDTH = 22  # characters of a unit's name under its bar


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    percent: float | None  # None: no target, drawn as an empty slot
    behind: bool


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def chart_png(bars: Sequence[Bar], pace: float, title: str, pace_label: str) -> bytes:
    """PNG bytes: horizontal bars (one per unit, behind-pace ones in red), a pace line."""
    height = 1.2 + 0.32 * max(len(bars), 1)
    figure = Figure(figsize=(6.4, min(height, 24.0)), dpi=90)
    axes = figure.add_subplot()
    names = [_short(bar.name) for bar in bars]
    values = [bar.percent or 0.0 for bar in bars]
    colours = ["#d9534f" if bar.behind else "#2e7d32" for bar in bars]
    positions = range(len(bars))
    axes.barh(list(positions), values, color=colours, height=0.6)
    axes.set_yticks(list(positions), names, fontsize=8)
    axes.invert_yaxis()  # the first unit on top
    axes.axvline(pace, color="#1565c0", linestyle="--", linewidth=1.5, label=pace_label)
    axes.set_xlim(0, max([100.0, pace, *values]) * 1.08)
    axes.set_xlabel("%")
    axes.set_title(title, fontsize=10, loc="left")
    figure.legend(loc="upper right", fontsize=8, frameon=False)
    for position, bar in zip(positions, bars, strict=True):
        if bar.percent is not None:
            axes.text(bar.percent, position, f" {bar.percent:.1f}", va="center", fontsize=7)
    # Fixed margins, in inches: tight_layout would measure every label (slow, for 300 charts).
    inches = min(height, 24.0)
    figure.subplots_adjust(left=0.3, right=0.97, top=1 - 0.45 / inches, bottom=0.5 / inches)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
