"""Bring the figures quoted in the docs up to date with benchmarks/figures.json.

    .venv/bin/python benchmarks/quote_figures.py

A quoted figure is written ``0.38<!-- figure map_size.cercles_page_mb -->`` (see benchmarks/README.md);
this rewrites each such value in README.md, docs/*.md and benchmarks/README.md from the file, and
lists what changed. Read the sentences around the figures afterwards: a figure that moved may change
what they should say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"([0-9][0-9,.\-]*)<!-- figure ([a-z_]+)\.([a-z0-9_]+) -->")


def written(figures: dict, script: str, name: str) -> str:
    """A figure as the docs write it: dates as they are, whole numbers with thousands separators."""
    value = figures[script]["date"] if name == "date" else figures[script]["figures"][name]
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def main() -> None:
    figures = json.loads((REPO / "benchmarks" / "figures.json").read_text(encoding="utf-8"))
    for path in sorted({*REPO.glob("docs/*.md"), REPO / "README.md", REPO / "benchmarks" / "README.md"}):
        text = path.read_text(encoding="utf-8")
        new = FIGURE.sub(lambda m: f"{written(figures, m.group(2), m.group(3))}<!-- figure {m.group(2)}.{m.group(3)} -->", text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed = [(a.group(2) + "." + a.group(3), a.group(1), b.group(1)) for a, b in zip(FIGURE.finditer(text), FIGURE.finditer(new)) if a.group(1) != b.group(1)]
            print(f"{path.relative_to(REPO)}: " + "; ".join(f"{key} {old} -> {now}" for key, old, now in changed))


if __name__ == "__main__":
    main()
