"""The ``intro`` of a field (``ui.fields[ptr].intro``): text shown above its question.

Plain text from the definition, escaped here: a blank line starts a new paragraph and a
single line break stays a line break. XLSForm ``note`` rows become intros.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def intro_paragraphs(text: object) -> list[Markup]:
    """The paragraphs of an intro, each escaped with ``<br>`` for its line breaks; none
    for a missing or blank intro."""
    if not isinstance(text, str):
        return []
    plain = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip() for part in _BLANK_LINE.split(plain) if part.strip()]
    return [
        Markup("<br>").join(Markup("{}").format(line.strip()) for line in part.split("\n"))
        for part in paragraphs
    ]
