"""What an import found and did: :class:`ImportReport`, printed by the command line and
shown by the import pages, and :class:`CreatedRecords`, the records it wrote (by id)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import overload

from sqlalchemy.orm import Session

from miniapps.core.imports.base import PROBLEMS_KEPT
from miniapps.core.imports.wide import ImportResult, RowProblem
from miniapps.models import Record
from miniapps.services.imports.spool import RowSpool


class CreatedRecords(Sequence[Record]):
    """The records an import wrote, by id, loaded from the session when read (a million
    ids take 8 MB; a million records would not fit)."""

    def __init__(self, session: Session | None = None, ids: Iterable[int] = ()) -> None:
        self.session = session
        self.ids = array("q", ids)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self._load(i) for i in self.ids[index]]
        return self._load(self.ids[index])

    def _load(self, record_id: int) -> Record:
        assert self.session is not None
        return self.session.get_one(Record, record_id)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class ImportReport:
    """What an import found and did. ``created`` stays empty on a dry run or any problem;
    ``new_rows`` are the rows it would write (kept in a temporary file: ``len()`` and
    iteration)."""

    result: ImportResult
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)
    new_rows: RowSpool = field(default_factory=RowSpool)
    created: CreatedRecords = field(default_factory=CreatedRecords)
    dry_run: bool = True
    more_problems: int = 0  # found beyond the problems kept
    duplicate_count: int = 0  # every duplicate, kept in ``duplicates`` or not

    @property
    def ok(self) -> bool:
        """No problems (duplicates alone are not problems: they are skipped)."""
        return not self.problems

    @property
    def lines(self) -> list[str]:
        """``row N, column C: message`` for every problem, then every duplicate."""
        lines = [str(p) for p in self.problems]
        if self.more_problems:
            lines.append(f"and {self.more_problems:,} more problems")
        lines += [str(p) for p in self.duplicates]
        hidden = self.duplicate_count - len(self.duplicates)
        if hidden > 0:
            lines.append(f"and {hidden:,} more duplicates")
        return lines

    @property
    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        count = len(self.new_rows) if self.dry_run else len(self.created)
        noun = "record" if count == 1 else "records"
        return f"{verb} {count} {noun} ({self.duplicate_count} duplicates skipped)"

    def add_problems(self, problems: Iterable[RowProblem]) -> None:
        for problem in problems:
            if len(self.problems) < PROBLEMS_KEPT:
                self.problems.append(problem)
            else:
                self.more_problems += 1

    def add_duplicate(self, duplicate: RowProblem) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < PROBLEMS_KEPT:
            self.duplicates.append(duplicate)
