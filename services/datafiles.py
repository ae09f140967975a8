"""Tables kept as data: CSV files in services/data, with `#` comment lines above the header."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def read_table(name: str) -> list[dict[str, str]]:
    """The rows of `services/data/<name>` as dicts keyed by the header."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines))
