"""XLSForm ``note`` rows: display-only text, kept as ``intro`` and descriptions.

A note becomes the ``intro`` (``ui.fields[ptr].intro``) of the next question in the same
group, several notes joined with a blank line; a group nested in a group counts as part
of it (both end up in one section). Notes left at the end of a top-level group become
its section's description; top-level notes followed by a group become that group's
section description; those before any question or at the end of the form become the
app's description. Notes left at the end of a repeat have nowhere to go and are refused
(dropped with ``lenient``), as are notes with a ``relevant`` condition and notes that
show answers (``${q}`` in the text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from miniapps.core.studio.xlsform_layout import Builder

INTRO_MAX = 2000  # the meta-schema's limit on ui.fields[ptr].intro
REFERENCE = re.compile(r"\$\{\s*[^}]*\}")
Say = Callable[[int, str, str], None]  # (row, base column, message)


@dataclass(frozen=True)
class Note:
    row: int
    text: str
    conditions: int  # how many group conditions applied where the note was written


@dataclass
class Notes:
    """Notes waiting for the next question, and the text for the app's description."""

    pending: list[Note] = field(default_factory=list)
    description: list[str] = field(default_factory=list)

    def add(self, note: Note) -> str | None:
        """Keep ``note`` for the next question; a problem when the notes waiting would
        be longer than an intro may be."""
        if len(self.joined([*self.pending, note])) > INTRO_MAX:
            return f"with the notes before it, longer than {INTRO_MAX:,} characters"
        self.pending.append(note)
        return None

    def take(self) -> tuple[list[Note], str]:
        """The notes waiting and their joined text; none wait afterwards."""
        taken, self.pending = self.pending, []
        return taken, self.joined(taken)

    @staticmethod
    def joined(notes: list[Note]) -> str:
        return "\n\n".join(note.text for note in notes)


def note_text(label: str, hint: str) -> str:
    """What a note shows: its label, then its hint as a paragraph of its own."""
    return "\n\n".join(part for part in (label.strip(), hint.strip()) if part)


def reference_in(text: str) -> str | None:
    """The first ``${q}`` a note's text shows, or None."""
    found = REFERENCE.search(text)
    return found.group(0) if found else None


class NoteRows:
    """Where the notes of one survey go, as its rows are read in order.

    ``refuse`` names a note that cannot be kept (dropped with ``lenient``); ``warn``
    names one kept with a difference worth knowing.
    """

    def __init__(self, builder: Builder, refuse: Say, warn: Say) -> None:
        self.builder, self.refuse, self.warn = builder, refuse, warn
        self.notes = Notes()

    def note(self, row: int, label: str, hint: str, relevant: str) -> None:
        """A note row: kept for the next question unless it cannot be shown."""
        text = note_text(label, hint)
        if relevant:
            self.refuse(row, "relevant", "a note with a condition is not supported (a note "
                        "is shown with the question after it)")  # fmt: skip
        elif found := reference_in(text):
            self.refuse(row, "label", f"a note that shows an answer ({found}) is not supported")
        elif text and (problem := self.notes.add(Note(row, text, self.builder.conditions()))):
            self.refuse(row, "label", problem)

    def intro(self, row: int, own_condition: bool) -> str:
        """The intro of the question (or repeat) in ``row``: the notes waiting for it."""
        taken, text = self.notes.take()
        for note in taken:
            if own_condition or self.builder.conditions() > note.conditions:
                self.warn(note.row, "type", f"this note is shown only when the question in "
                          f"row {row} is (it becomes that question's intro)")  # fmt: skip
        return text

    def group_opened(self, top_level: bool) -> None:
        """After a begin_group: top-level notes waiting describe the app (before any
        question) or the new group's section; a nested group's question will take them."""
        if not top_level or not self.notes.pending:
            return
        if not self.builder.record.properties:
            self.notes.description.append(self.notes.take()[1])
        else:
            self.builder.describe(self.notes.take()[1], filled=False)

    def closing(self, kind: str) -> None:
        """Before an end_group or end_repeat: notes left at the end of a top-level group
        describe its section; at the end of a repeat they are refused."""
        if not self.notes.pending:
            return
        if (
            kind == "end_repeat"
            and self.builder.frames
            and self.builder.frames[-1].kind == "repeat"
        ):
            taken, _ = self.notes.take()
            for note in taken:
                self.refuse(note.row, "type", "a note at the end of a repeat, with no question "
                            "after it, cannot be shown")  # fmt: skip
        elif kind == "end_group" and self.builder.describe(self.notes.joined(self.notes.pending),
                                                           filled=True):  # fmt: skip
            self.notes.take()

    def description(self) -> str:
        """The app's description: notes before any question and at the end of the form."""
        if self.notes.pending:
            self.notes.description.append(self.notes.take()[1])
        return "\n\n".join(self.notes.description)
