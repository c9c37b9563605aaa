"""Small output helpers shared by the commands: failing with lines, aligned tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NoReturn

import click


def fail(lines: Iterable[str] = (), summary: str | None = None) -> NoReturn:
    """Print each problem on its own line (stdout, like a linter), a summary on stderr; exit 1."""
    for line in lines:
        click.echo(line)
    if summary:
        click.echo(f"error: {summary}", err=True)
    raise SystemExit(1)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Rows as left-aligned columns separated by two spaces (no trailing blanks)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
