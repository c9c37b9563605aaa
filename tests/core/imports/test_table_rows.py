"""Reading a CSV row by row: a file cut off inside a quoted cell is refused at its last row,
while quoted cells over several lines, at the end or not, are read whole."""

from __future__ import annotations

import io

import pytest
from miniapps.core.imports.cells import CellProblem, iter_table


def rows(text: str) -> list[tuple[int, list[str]]]:
    return list(iter_table(io.BytesIO(text.encode()), "readings.csv"))


@pytest.mark.parametrize(
    ("text", "last"),
    [
        ('a,b\n1,"two\nlines"', (2, ["1", "two\nlines"])),
        ('a,b\n1,"two\nlines"\n', (2, ["1", "two\nlines"])),
        ('a,b\n1,"x"\n2,y', (3, ["2", "y"])),
        ('a,b\n1,"x,y"', (2, ["1", "x,y"])),
    ],
)
def test_complete_files_are_read_whole(text: str, last: tuple[int, list[str]]) -> None:
    assert rows(text)[-1] == last


@pytest.mark.parametrize(
    ("text", "row"),
    [('a,b\n1,"cut', 2), ('a,b\n1,x\n2,"cut\noff', 3), ('a,b\n1,"cut, off\n', 2)],
)
def test_a_file_cut_off_inside_a_quoted_cell_is_refused_at_its_last_row(
    text: str, row: int
) -> None:
    with pytest.raises(CellProblem, match=rf"^row {row}: the file ends inside a quoted cell"):
        rows(text)
