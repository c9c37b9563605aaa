"""The difference between the central text of a document and a practice's own text, as
blocks a page can show in a two-column table (central | practice) that reads in order
without colour: each block says whether its lines are the same, changed, added or removed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

KINDS = ("same", "changed", "added", "removed")


@dataclass(frozen=True)
class DiffBlock:
    """Consecutive lines of the central text and their counterpart in the local text."""

    kind: str  # one of KINDS
    central: tuple[str, ...]
    local: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    blocks: tuple[DiffBlock, ...]

    @property
    def changed(self) -> bool:
        return any(block.kind != "same" for block in self.blocks)

    @property
    def counts(self) -> dict[str, int]:
        """How many blocks of each kind but ``same``: "2 changed, 1 added"."""
        found = {kind: 0 for kind in KINDS if kind != "same"}
        for block in self.blocks:
            if block.kind != "same":
                found[block.kind] += 1
        return found


def text_lines(text: str | None) -> list[str]:
    """The lines of ``text`` to compare: trailing spaces and blank lines at the ends do
    not count as differences."""
    lines = [line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def difference(central: str | None, local: str | None) -> Difference:
    """The blocks that turn ``central`` into ``local``, line by line (difflib)."""
    old, new = text_lines(central), text_lines(local)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    kinds = {"equal": "same", "replace": "changed", "insert": "added", "delete": "removed"}
    blocks = [
        DiffBlock(kinds[tag], tuple(old[i1:i2]), tuple(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return Difference(tuple(blocks))
