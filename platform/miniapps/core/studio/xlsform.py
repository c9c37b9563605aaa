"""An XLSForm (sheets ``survey``, ``choices``, ``settings``) as an app definition.

Pure: takes the sheets read by :mod:`miniapps.core.studio.xlsform_read` and returns the
definition or every problem at once, each named ``survey row 12, column relevant: ...``
(the header is row 1). What the engine cannot express is refused; with ``lenient`` it is
dropped (or renamed) and reported as a warning. Structural faults (unknown list, unmatched
begin/end, duplicate or missing names) are always refused. Notes become the ``intro`` of
the next question (:mod:`miniapps.core.studio.xlsform_notes`); metadata and settings only
about sending the form are ignored with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.name_checks import IMPORT_NAMES
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.studio.xlsform_columns import (
    COSMETIC,
    HANDLED,
    MEDIA,
    METADATA,
    NAME,
    REFUSED,
    TRANSLATED,
    clean_name,
    split_header,
    type_words,
)  # fmt: skip
from miniapps.core.studio.xlsform_conditions import Question, constraint, show_if
from miniapps.core.studio.xlsform_expr import Unsupported, parse
from miniapps.core.studio.xlsform_layout import Builder
from miniapps.core.studio.xlsform_notes import NoteRows
from miniapps.core.studio.xlsform_read import Sheet, WorkbookUnreadable, read_workbook
from miniapps.core.studio.xlsform_settings import RULE, read_settings

SIMPLE: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "x-kind": "string"},
    "integer": {"type": "integer", "x-kind": "integer"},
    "decimal": {"type": "number", "x-kind": "number"},
    "date": {"type": "string", "format": "date", "x-kind": "date"},
    "datetime": {"type": "string", "format": "date-time", "x-kind": "datetime"},
    "file": {"type": "string", "x-kind": "file"},
}
YES, NO = {"yes", "true", "true()", "1"}, {"", "no", "false", "false()", "0"}
REF = re.compile(r"\$\{\s*([^}\s]+)\s*\}")


@dataclass
class Conversion:
    """The definition (None when anything was refused), the refusals and the warnings."""

    definition: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def convert_workbook(data: bytes, *, lenient: bool = False, fallback_id: str = "") -> Conversion:
    """Read the workbook ``data`` and convert it; one that cannot be read is a problem."""
    try:
        sheets = read_workbook(data)
    except WorkbookUnreadable as exc:
        return Conversion(problems=[f"workbook: {exc}"])
    return convert(sheets, lenient=lenient, fallback_id=fallback_id)


def convert(
    sheets: Mapping[str, Sheet], *, lenient: bool = False, fallback_id: str = ""
) -> Conversion:
    """The definition of the XLSForm ``sheets``; ``fallback_id`` when settings give no id."""
    run = _Run(sheets, lenient)
    run.settings(fallback_id)
    run.choices()
    run.survey()
    return run.finish()


class _Run:
    def __init__(self, sheets: Mapping[str, Sheet], lenient: bool) -> None:
        self.sheets, self.lenient = sheets, lenient
        self.out = Conversion()
        self.lists: dict[str, list[dict[str, str]]] = {}
        self.meta: dict[str, Any] = {}
        self.builder = Builder()
        self.cols: dict[str, str] = {}
        self.renames: dict[str, str] = {}
        self.notes = NoteRows(self.builder, self.refuse, self.warn)

    def report(
        self, sheet: str, row: int, column: str, message: str, drop: bool, instead: str = "dropped"
    ) -> None:
        line = f"{sheet} row {row}, column {column}: {message}"
        if drop and self.lenient:
            self.out.warnings.append(f"{line} ({instead})")
        else:
            self.out.problems.append(line)

    def refuse(self, row: int, base: str, message: str, drop: bool = True) -> None:
        self.report("survey", row, self.cols.get(base, base), message, drop)

    def warn(self, row: int, base: str, message: str) -> None:
        self.out.warnings.append(f"survey row {row}, column {self.cols.get(base, base)}: {message}")

    def columns(self, sheet: Sheet) -> dict[str, str]:
        """Each used base column (label, hint, ...) mapped to the header it is read from."""
        split = [(header, *split_header(header)) for header in sheet.header]
        language = next((lang for _, base, lang in split if base == "label"), "")
        used: dict[str, str] = {}
        for header, base, lang in split:
            if base in TRANSLATED and lang and lang != language:
                message = f"only the first language ({language or 'without a name'}) is supported"
                self.report(sheet.name, 1, header, message, drop=True)
            elif header.startswith("$") or base.startswith("kobo"):
                continue
            elif base in HANDLED | COSMETIC | TRANSLATED | set(REFUSED):
                used.setdefault(base, header)
            elif base in MEDIA or "::" in header or ":" in header:
                used.setdefault(f"!{header}", header)  # a feature column: refused where used
            elif sheet.name == "survey":
                self.out.warnings.append(f"survey row 1, column {header}: not an XLSForm column "
                                         "(ignored)")  # fmt: skip
        return used

    def settings(self, fallback_id: str) -> None:
        sheet = self.sheets.get("settings")
        self.meta = read_settings(sheet, fallback_id, self.report, self.out.warnings)

    def choices(self) -> None:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return
        cols = self.columns(sheet)
        list_col, name_col = cols.get("list_name", "list_name"), cols.get("name", "name")
        label_col = cols.get("label", "label")
        for key, header in cols.items():
            if key.startswith("!") and any(row.get(header, "").strip() for row in sheet.rows):
                self.report("choices", 1, header, "this column is not supported", drop=True)
        for index, row in enumerate(sheet.rows):
            number = Sheet.row_number(index)
            list_name, value = row.get(list_col, "").strip(), row.get(name_col, "").strip()
            if not any(cell.strip() for cell in row.values()):
                continue
            if not list_name or not value:
                missing = list_col if not list_name else name_col
                self.report("choices", number, missing, "is empty", drop=False)
                continue
            options = self.lists.setdefault(list_name, [])
            if any(option["const"] == value for option in options):
                message = f"'{value}' is used twice in list '{list_name}'"
                self.report("choices", number, name_col, message, True, "kept the first")
                continue
            options.append({"const": value, "title": row.get(label_col, "").strip() or value})

    def survey(self) -> None:
        sheet = self.sheets["survey"]
        self.cols = self.columns(sheet)
        for index, row in enumerate(sheet.rows):
            if any(cell.strip() for cell in row.values()):
                self.row(Sheet.row_number(index), row)
        for kind, name, number in self.builder.open_frames():
            self.refuse(number, "type", f"begin_{kind} '{name}' has no end_{kind}", drop=False)

    def cell(self, row: Mapping[str, str], base: str) -> str:
        return row.get(self.cols.get(base, f"?{base}"), "").strip()

    def row(self, number: int, row: Mapping[str, str]) -> None:
        words = type_words(self.cell(row, "type"))
        kind = words[0] if words else ""
        for key, header in self.cols.items():
            if key.startswith("!") and row.get(header, "").strip():
                self.report("survey", number, header, "this column is not supported", drop=True)
        for base, message in REFUSED.items():
            if self.cell(row, base):
                self.refuse(number, base, message)
        if kind == "note":
            label, hint = self.cell(row, "label"), self.cell(row, "hint")
            self.notes.note(number, label, hint, self.cell(row, "relevant"))
            return
        if kind in ("end_group", "end_repeat"):
            self.notes.closing(kind)
            if problem := self.builder.close(kind[4:], number):
                self.refuse(number, "type", problem, drop=False)
            return
        if not kind:
            if any(self.cell(row, base) for base in HANDLED | TRANSLATED):
                self.refuse(number, "type", "is empty", drop=False)
            return  # else a comment row
        block = kind in ("begin_group", "begin_repeat")
        prop = None if block else self.question(number, kind, words)
        if prop is None and not block:
            return
        name = self.name(number, self.cell(row, "name"), kind)
        condition = self.relevant(number, row)
        label = self.cell(row, "label") or name
        if prop is None:
            needed = kind == "begin_repeat" and self.required(number, row)
            top_level = not self.builder.frames
            intro = (
                self.notes.intro(number, condition is not None) if kind == "begin_repeat" else ""
            )
            if problem := self.builder.open(
                kind[6:], name, label, number, condition, needed, intro
            ):
                self.refuse(number, "name", problem, drop=False)
            if kind == "begin_group":
                self.notes.group_opened(top_level)
            return
        if not name:
            return
        prop["title"] = label
        if hint := self.cell(row, "hint"):
            prop["description"] = hint
        self.constrain(number, row, prop)
        ui: dict[str, Any] = {}
        if kind == "text" and "multiline" in self.cell(row, "appearance"):
            ui["widget"] = "textarea"
        if kind == "file":
            ui["widget"] = "file"
        if intro := self.notes.intro(number, condition is not None):
            ui["intro"] = intro
        choices = tuple(o["const"] for o in self.lists.get(words[-1], [])) if "_" in kind else ()
        question = Question(prop.pop("x-kind"), choices)
        required = self.required(number, row)
        if problem := self.builder.add(name, prop, question, number, required, ui, condition):
            self.refuse(number, "name", problem, drop=False)

    def name(self, number: int, name: str, kind: str) -> str:
        if kind == "begin_group":  # a group's name is not used
            return name
        if NAME.match(name) and (name not in IMPORT_NAMES or len(self.builder.scopes) > 1):
            return name
        if NAME.match(name):  # a top-level field an import would read as the org or period
            message = f"'{name}' is a name imports read as each row's organisation or period"
            self.report("survey", number, "name", message, True, f"renamed to '{name}_answer'")
            self.renames[name] = f"{name}_answer"
            return f"{name}_answer"
        clean = clean_name(name)
        if not clean:
            self.refuse(number, "name", "is empty", drop=False)
            return ""
        message = f"'{name}' is not a valid field name ({RULE})"
        self.report("survey", number, "name", message, True, f"renamed to '{clean}'")
        self.renames[name] = clean
        return clean

    def question(self, number: int, kind: str, words: list[str]) -> dict[str, Any] | None:
        if kind in SIMPLE and len(words) == 1:
            return dict(SIMPLE[kind])
        if kind in ("select_one", "select_multiple") and len(words) == 2:
            options = self.lists.get(words[1])
            if options is None:
                message = f"no list named '{words[1]}' in the choices sheet"
                self.refuse(number, "type", message, drop=False)
                return None
            one: dict[str, Any] = {"type": "string", "oneOf": [dict(o) for o in options]}
            if kind == "select_one":
                return {**one, "x-kind": kind}
            return {"type": "array", "uniqueItems": True, "items": one, "x-kind": kind}
        if kind.startswith(("select_one", "select_multiple")):
            external = "external data (from a file or external choices) is not supported"
            other = "'or_other' is not supported" if "or_other" in words else "needs one list"
            from_file = "from_file" in kind or kind.endswith("_external")
            self.refuse(number, "type", external if from_file else other)
        elif kind in METADATA and len(words) == 1:
            self.warn(number, "type", f"metadata '{kind}' is not needed: the platform records "
                      "who changed a record and when (ignored)")  # fmt: skip
        elif kind in ("begin", "end") and words[1:2] == ["loop"]:
            self.refuse(number, "type", f"loops ('{' '.join(words)}') are not supported")
        else:
            self.refuse(number, "type", f"the type '{' '.join(words)}' is not supported")
        return None

    def relevant(self, number: int, row: Mapping[str, str]) -> dict[str, Any] | None:
        text = REF.sub(lambda m: f"${{{self.renames.get(m[1], m[1])}}}", self.cell(row, "relevant"))
        if not text:
            return None
        try:
            return show_if(parse(text), self.builder.known())
        except Unsupported as exc:
            self.refuse(number, "relevant", str(exc))
            return None

    def constrain(self, number: int, row: Mapping[str, str], prop: dict[str, Any]) -> None:
        if text := self.cell(row, "constraint"):
            try:
                prop.update(constraint(parse(text), prop["x-kind"]))
            except Unsupported as exc:
                self.refuse(number, "constraint", str(exc))

    def required(self, number: int, row: Mapping[str, str]) -> bool:
        text = self.cell(row, "required").lower()
        if text not in YES | NO:
            self.refuse(number, "required", f"'{text}' is not yes or no")
        return text in YES

    def finish(self) -> Conversion:
        schema, ui = self.builder.result(self.meta.get("title", ""))
        if not schema["properties"] and not self.out.problems:
            empty = not any(any(c.strip() for c in r.values()) for r in self.sheets["survey"].rows)
            dropped = " once what cannot be converted is dropped" if self.out.warnings else ""
            left = "the sheet has no rows" if empty else f"no question is left{dropped}"
            self.out.problems.append(f"survey: {left}")
        if self.out.problems:
            return self.out
        description = {"description": text} if (text := self.notes.description()) else {}
        definition = {**self.meta, **description, "schema": schema, **({"ui": ui} if ui else {})}
        try:
            validate_definition(definition, source="app.json")
        except DefinitionInvalid as exc:  # a safety net: the checks above should prevent it
            self.out.problems.extend(f"definition {line}" for line in exc.lines())
            return self.out
        self.out.definition = definition
        return self.out
